-- Grain: one row per valid non-bot event of an in-scope client (every client in a full rebuild), with its URLs
-- unparsed. Bots are left out here, once: no model reading this counts them (daily_kpis reads stg_events_base).
-- Ephemeral: a view in a full rebuild (nothing copied), a temp table in an incremental run, where several
-- models would otherwise each scan all of raw_events for the few clients in scope.
-- depends_on: stg_events_base
-- scope: client_id
-- materialized: ephemeral
select
    event_id, partition_date, client_id, event_at, event_name, is_conversion, page_url, referrer, device_type, os,
    browser, user_email, transaction_id, revenue, items
from stg_events_base
where not is_bot
  and in_client_scope(client_id)
  and partition_date between getvariable('scope_first_partition') and getvariable('scope_last_partition')
