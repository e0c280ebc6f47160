-- Grain: one row per distinct URL seen as a page_url or referrer: host, path and campaign parameters.
-- URLs repeat across events, so each is parsed once here and stg_events joins the result.
-- depends_on:
-- scope: url
-- unique_key: url
select
    url,
    url_host(url) as host,
    url_path(url) as path,
    url_param(url, 'utm_source') as utm_source,
    url_param(url, 'utm_medium') as utm_medium,
    url_param(url, 'utm_campaign') as utm_campaign,
    url_param(url, 'gclid') as gclid
from scope_urls
