-- Grain: one row per session of a non-bot client; channel, landing page and device come from its first event
-- (earliest, ties broken by event_id), which also names it: session_id = md5(client_id | first event_id), a UUID.
-- is_new_user: the first session of the user's first client (int_client_identity.is_first_client_of_user).
-- depends_on: int_session_totals, int_scoped_events, stg_urls, int_client_identity, channel_of
-- scope: client_id
-- unique_key: session_id
-- First events come from int_scoped_events, whose URLs are parsed here for the sessions' first events only: in an
-- incremental run it holds the in-scope clients' events, where stg_events would scan every partition in range.
with first_events as (
    select
        t.*,
        p.path as page_path, p.utm_source, p.utm_medium, p.utm_campaign, p.gclid, r.host as referrer_host,
        -- none: no referrer; own: a page of the shop's own host (the event's page_url host); external: any other.
        case
            when r.host is null then 'none'
            when r.host = p.host then 'own'
            else 'external'
        end as referrer_kind,
        e.device_type, e.os, e.browser
    from int_session_totals as t
    inner join int_scoped_events as e on t.first_event_id = e.event_id
    left join stg_urls as p on e.page_url = p.url
    left join stg_urls as r on e.referrer = r.url
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

