-- Grain: one row per unique valid event (raw_events), with URL, user-agent and event_data fields parsed.
-- A view: the costly parsing lives in the stg_urls and dim_user_agents lookups, and 10 M event rows are
-- cheaper to re-read than to store twice.
-- depends_on: stg_events_base, stg_urls
-- scope: all
-- materialized: view
select
    e.event_id,
    e.partition_date,
    e.client_id,
    e.event_at,
    e.event_date,
    e.event_name,
    e.is_conversion,
    e.page_url,
    p.host as page_host,
    p.path as page_path,
    p.utm_source,
    p.utm_medium,
    p.utm_campaign,
    p.gclid,
    e.referrer,
    r.host as referrer_host,
    e.user_agent,
    e.device_type,
    e.os,
    e.browser,
    e.is_bot,
    e.user_email,
    e.transaction_id,
    e.revenue,
    e.items
from stg_events_base as e
left join stg_urls as p on e.page_url = p.url
left join stg_urls as r on e.referrer = r.url
