-- Grain: one row per event name that counts as an order (settings.conversion_events), kept as a table so
-- that the stg_events view reads the same list outside a transform run.
-- depends_on:
-- scope: all
select unnest(getvariable('conversion_events')) as event_name
