-- Grain: one row per distinct URL seen as a page_url or referrer: host, path, campaign parameters, and the
-- search engine its host belongs to, if any. URLs repeat across events, so each is parsed once here and the
-- models join the result.
-- google_click_id: the first of Google's click ids present (gclid, gbraid, wbraid, dclid).
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
        url_param(url, 'gclid') as gclid,
        coalesce(url_param(url, 'gclid'), url_param(url, 'gbraid'), url_param(url, 'wbraid'),
                 url_param(url, 'dclid')) as google_click_id
    from scope_urls
),

domains as (
    select
        *,
        regexp_extract(host, '([^.]+)\.(?:(?:co|com|net|org|ne|or|ac|gov|edu|gob)\.[a-z]{2}|[^.]+)$', 1) as label,
        regexp_extract(host, '[^.]+\.(?:(?:co|com|net|org|ne|or|ac|gov|edu|gob)\.[a-z]{2}|[^.]+)$', 0) as domain
    from parsed
)

select
    d.url,
    d.host,
    d.path,
    d.utm_source,
    d.utm_medium,
    d.utm_campaign,
    d.gclid,
    d.google_click_id,
    case
        when listed.source_category = 'SOURCE_CATEGORY_SEARCH'
            then case when by_label.source_category = 'SOURCE_CATEGORY_SEARCH' then d.label else d.host end
        when listed.source_category is null and by_label.source_category = 'SOURCE_CATEGORY_SEARCH'
            and regexp_replace(d.host, '^(m|search)\.', '') = d.domain
            then d.label
    end as search_engine
from domains as d
left join stg_source_categories as listed on d.host = listed.source
left join stg_source_categories as by_label on nullif(d.label, '') = by_label.source
