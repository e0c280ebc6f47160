-- Grain: one row per session of a non-bot client; traffic source, channel, landing page and device come from its
-- first event (earliest, ties broken by event_id), which also names it: session_id = md5(client_id | first event_id),
-- a UUID. is_new_user: the first session of the user's first client (int_client_identity.is_first_client_of_user).
-- Source, medium and campaign, as GA4 derives them from the landing URL and the referrer (values lower-cased):
--   1. any of utm_source, utm_medium, utm_campaign on the landing URL: those three, a missing one '(not set)';
--   2. else a Google click id (gclid, gbraid, wbraid, dclid): google / cpc / (not set);
--   3. else a referrer whose host is not the landing page's: a search engine (stg_urls.search_engine) is
--      <engine> / organic / (organic), any other host <host> / referral / (referral) (hosts without 'www.');
--   4. else (no referrer, or the shop's own host): (direct) / (none) / (direct).
-- (1 and 2 are the landing URL's landing_traffic, 3 the referrer's referral_traffic, both in stg_urls, whose keys
-- sessions look up in stg_traffic_channels.) The three hold the landing URL's UTM values when it has any (stg_events
-- keeps every event's own).
-- source_category and channel: those of that source / medium / campaign in stg_traffic_channels: GA4's category of
-- the source, and the first channel of the channel group whose rules they meet, Unassigned when none does.
-- depends_on: int_session_totals, int_scoped_events, stg_urls, int_client_identity, stg_traffic_channels
-- scope: client_id
-- unique_key: session_id
-- First events come from int_scoped_events, whose URLs are parsed here for the sessions' first events only: in an
-- incremental run it holds the in-scope clients' events, where stg_events would scan every partition in range.
-- Join order: the inner joins (totals, identity, first event) first, the lookups after, so that DuckDB joins the
-- identity to the narrow totals, not to the wide joined rows (with identity joined last it chose the latter, and
-- that join cost three times as much at 10 M events). The channel is a left join: every traffic_key is in
-- stg_traffic_channels by construction, and a session without one fails the watchdog's critical
-- sessions_have_a_channel instead of vanishing.
with first_events as (
    select
        t.*,
        p.path as page_path, p.gclid,
        r.host as referrer_host,
        coalesce(
            p.landing_traffic_key,
            case when r.host <> coalesce(p.host, '') then r.referral_traffic_key end,
            traffic_key({'source': '(direct)', 'medium': '(none)', 'campaign': '(direct)'})
        ) as traffic_key,
        e.device_type, e.os, e.browser,
        i.user_id, i.is_first_client_of_user and t.started_at = i.first_seen_at as is_new_user
    from int_session_totals as t
    inner join int_client_identity as i on t.client_id = i.client_id
    inner join int_scoped_events as e on t.first_event_id = e.event_id
    left join stg_urls as p on e.page_url = p.url
    left join stg_urls as r on e.referrer = r.url
)

select
    md5(t.client_id || '|' || t.first_event_id::varchar)::uuid as session_id,
    t.client_id,
    t.user_id,
    t.started_at,
    t.ended_at,
    cast(t.started_at as date) as session_date,
    (epoch_us(t.ended_at) - epoch_us(t.started_at)) / 1e6 as duration_s,
    t.events,
    t.page_views,
    t.add_to_carts,
    t.checkout_starts,
    t.page_path as landing_page,
    ch.channel,
    ch.source,
    ch.medium,
    ch.campaign,
    ch.source_category,
    t.gclid,
    t.referrer_host,
    t.device_type,
    t.os,
    t.browser,
    t.orders > 0 as converted,
    t.orders,
    t.revenue,
    t.is_new_user
from first_events as t
left join stg_traffic_channels as ch on t.traffic_key = ch.traffic_key
