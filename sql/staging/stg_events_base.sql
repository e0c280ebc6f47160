-- Grain: one row per unique valid event (raw_events) with its user-agent, conversion and event_data fields;
-- the URL-free part of stg_events. A view: models that need no URL fields read this and skip two joins.
-- depends_on: raw_events, dim_user_agents, conversion_events
-- scope: all
-- materialized: view
with events as (
    select
        e.*,
        c.event_name is not null as is_conversion,
        e.event_data::varchar <> '{}' as has_data
    from raw_events as e
    left join conversion_events as c on e.event_name = c.event_name
)

select
    e.event_id,
    e.partition_date,
    e.client_id,
    e.event_at,
    -- The UTC date whatever the reader's TimeZone setting (this is a view).
    cast(timezone('UTC', e.event_at) as date) as event_date,
    e.event_name,
    e.is_conversion,
    e.page_url,
    e.referrer,
    e.user_agent,
    coalesce(ua.device_type, 'unknown') as device_type,
    coalesce(ua.os, 'Other') as os,
    coalesce(ua.browser, 'Other') as browser,
    coalesce(ua.is_bot, false) as is_bot,
    -- Emails are trimmed and lower-cased so that one address is one user.
    case when e.has_data then nullif(lower(trim(e.event_data ->> 'user_email')), '') end as user_email,
    case when e.has_data and e.is_conversion then e.event_data ->> 'transaction_id' end as transaction_id,
    -- Validated upstream as a non-negative number or numeric string; kept to the cent.
    case when e.has_data and e.is_conversion then cast(e.event_data ->> 'revenue' as decimal(18, 2)) end as revenue,
    case when e.has_data then e.event_data -> 'items' end as items
from events as e
left join dim_user_agents as ua on e.user_agent = ua.user_agent
