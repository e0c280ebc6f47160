-- Grain: one row per distinct URL seen as a page_url or referrer: host, path, campaign parameters, and the traffic
-- source it gives a session landing on it or referred by it. URLs repeat across events, so each is parsed once here
-- and the models join the result.
-- landing_traffic: the (source, medium, campaign) of a session landing on this URL, as GA4 derives them, when the URL
-- decides it: any of utm_source, utm_medium, utm_campaign gives those three (a missing one '(not set)'); else a Google
-- click id (gclid, gbraid, wbraid, dclid) with a value gives google / cpc / (not set); else NULL (the referrer decides).
-- referral_traffic: the (source, medium, campaign) of a session this URL referred from another host:
-- <search_engine> / organic / (organic), else <host> / referral / (referral); NULL without a host.
-- landing_traffic_key, referral_traffic_key: their keys (traffic_key), by which sessions look up their channels.
-- search_engine: the name a referral from this host gets as an organic source (GA4's "google / organic"), from
-- Google's source-category list (stg_source_categories): a host listed as SOURCE_CATEGORY_SEARCH is a search engine
-- (the one of its domain name's first label when that label is listed as a search source, "yahoo" for
-- de.search.yahoo.com, else the host itself, "ecosia.org"); a host the list gives another category is not one; an
-- unlisted host is the engine of its domain name's first label when that label is listed as a search source and the
-- host is that domain, optionally under m. or search. ("google" for google.co.uk, search.yahoo.com, m.bing.com; not
-- for mail.google.com). The domain name is the host's last label, or two when they end in a generic second-level
-- label and a country code (co.uk, com.au, ne.jp, ...).
-- depends_on: stg_source_categories
-- scope: url
-- unique_key: url
with parsed as (
    select
        url,
        url_host(url) as host,
        url_path(url) as path,
        url_param(url, 'utm_source') as utm_source,
        url_param(url, 'utm_medium') as utm_medium,
        url_param(url, 'utm_campaign') as utm_campaign,
        url_param(url, 'gclid') as gclid
    from scope_urls
),

-- Hosts are far fewer than URLs: each is judged once.
hosts as (
    select
        host,
        regexp_extract(host, '([^.]+)\.(?:(?:co|com|net|org|ne|or|ac|gov|edu|gob)\.[a-z]{2}|[^.]+)$', 1) as label,
        regexp_extract(host, '[^.]+\.(?:(?:co|com|net|org|ne|or|ac|gov|edu|gob)\.[a-z]{2}|[^.]+)$', 0) as domain
    from (select distinct host from parsed where host is not null)
),

engines as (
    select
        h.host,
        case
            when listed.source_category = 'SOURCE_CATEGORY_SEARCH'
                then case when by_label.source_category = 'SOURCE_CATEGORY_SEARCH' then h.label else h.host end
            when listed.source_category is null and by_label.source_category = 'SOURCE_CATEGORY_SEARCH'
                and regexp_replace(h.host, '^(m|search)\.', '') = h.domain
                then h.label
        end as search_engine
    from hosts as h
    left join stg_source_categories as listed on h.host = listed.source
    left join stg_source_categories as by_label on nullif(h.label, '') = by_label.source
),

traffics as (
    select
        p.*,
        e.search_engine,
        case
            when coalesce(p.utm_source, p.utm_medium, p.utm_campaign) is not null
                then {'source': coalesce(p.utm_source, '(not set)'), 'medium': coalesce(p.utm_medium, '(not set)'),
                      'campaign': coalesce(p.utm_campaign, '(not set)')}
            when p.gclid is not null or (
                (contains(p.url, 'braid=') or contains(p.url, 'dclid='))
                and regexp_matches(p.url, '[?&](?:gbraid|wbraid|dclid)=[^&#]')
            )
                then {'source': 'google', 'medium': 'cpc', 'campaign': '(not set)'}
        end as landing_traffic,
        case
            when e.search_engine is not null
                then {'source': e.search_engine, 'medium': 'organic', 'campaign': '(organic)'}
            when p.host is not null then {'source': p.host, 'medium': 'referral', 'campaign': '(referral)'}
        end as referral_traffic
    from parsed as p
    left join engines as e on p.host = e.host
)

select
    *,
    traffic_key(landing_traffic) as landing_traffic_key,
    traffic_key(referral_traffic) as referral_traffic_key
from traffics
