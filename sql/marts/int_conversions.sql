-- Grain: one row per conversion event of a non-bot client: an order, named here once for orders and order_items.
-- transaction_id is not unique in the real data, so the event is the key: order_id = md5(event_id), a UUID.
-- depends_on: int_scoped_events
-- scope: client_id
-- materialized: ephemeral
select
    md5(event_id::varchar)::uuid as order_id,
    event_id,
    event_name,
    transaction_id,
    client_id,
    event_at as ordered_at,
    revenue,
    items
from int_scoped_events
where is_conversion
