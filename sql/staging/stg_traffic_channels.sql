-- Grain: one row per (source, medium, campaign) a session can get from the URLs seen (stg_urls' landing and referral
-- traffic) or from none ((direct) / (none) / (direct)): its GA4 source category (stg_source_categories) and channel,
-- the first channel of the channel group whose rules it meets (channel_of, compiled from channel_rules), Unassigned
-- when none does. A few hundred rows: sessions look their channel up here by traffic_key instead of matching the
-- rules each.
-- depends_on: stg_urls, stg_source_categories, channel_of
-- scope: all
-- unique_key: traffic_key
with traffics as (
    select landing_traffic as traffic from stg_urls where landing_traffic is not null
    union
    select referral_traffic from stg_urls where referral_traffic is not null
    union
    select {'source': '(direct)', 'medium': '(none)', 'campaign': '(direct)'}
)

select
    traffic_key(t.traffic) as traffic_key,
    t.traffic.source as source,
    t.traffic.medium as medium,
    t.traffic.campaign as campaign,
    c.source_category,
    coalesce(channel_of(t.traffic.source, t.traffic.medium, t.traffic.campaign, c.source_category), 'Unassigned')
        as channel
from traffics as t
left join stg_source_categories as c on t.traffic.source = c.source
