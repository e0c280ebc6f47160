-- Grain: one row per session of a non-bot client; channel, landing page and device come from its first event
-- (earliest, ties broken by event_id), which also names it: session_id = md5(client_id | first event_id), a UUID.
-- is_new_user: the first session of the user's first client (int_client_identity.is_first_client_of_user).
-- depends_on: int_session_totals, stg_events, int_client_identity, channel_of
-- scope: client_id
with first_events as (
    select
        t.*, e.page_path, e.utm_source, e.utm_medium, e.utm_campaign, e.gclid, e.referrer_host,
        e.referrer_kind, e.device_type, e.os, e.browser
    from int_session_totals as t
    inner join stg_events as e on t.first_event_id = e.event_id
    where e.partition_date between getvariable('scope_first_partition') and getvariable('scope_last_partition')
)

select
    md5(t.client_id || '|' || t.first_event_id::varchar)::uuid as session_id,
    t.client_id,
    i.user_id,
    t.started_at,
    t.ended_at,
    cast(t.started_at as date) as session_date,
    (epoch_us(t.ended_at) - epoch_us(t.started_at)) / 1e6 as duration_s,
    t.events,
    t.page_views,
    t.add_to_carts,
    t.checkout_starts,
    t.page_path as landing_page,
    -- The first channel rule the first event matches (clickstream/channels.py compiles sql/staging/channel_rules.sql
    -- into channel_of); Unassigned, as in GA4, if the rules were edited so that nothing matches.
    coalesce(
        channel_of(
            t.utm_medium, t.gclid, coalesce(t.utm_source, t.utm_medium, t.utm_campaign), t.referrer_host,
            t.referrer_kind
        ),
        'Unassigned'
    ) as channel,
    t.utm_source,
    t.utm_medium,
    t.utm_campaign,
    t.gclid,
    t.referrer_host,
    t.device_type,
    t.os,
    t.browser,
    t.orders > 0 as converted,
    t.orders,
    t.revenue,
    i.is_first_client_of_user and t.started_at = i.first_seen_at as is_new_user
from first_events as t
inner join int_client_identity as i on t.client_id = i.client_id

