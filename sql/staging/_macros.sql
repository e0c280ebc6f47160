-- URL helpers of stg_urls. Temporary: they exist only on the transform's connection (views must not use them).

-- Host of a URL: lower-cased, without port, user info or a leading 'www.'; a URL without a scheme reads host first.
create or replace temp macro url_host(url) as
    nullif(
        regexp_replace(
            lower(regexp_extract(url, '^(?:(?:[A-Za-z][A-Za-z0-9+.-]*:)?//)?(?:[^@/?#]*@)?([^/?#:]*)', 1)),
            '^www\.', ''
        ),
        ''
    );

-- Path of a URL without query or fragment; '/' when empty.
create or replace temp macro url_path(url) as
    coalesce(nullif(regexp_extract(url, '^(?:(?:[A-Za-z][A-Za-z0-9+.-]*:)?//[^/?#]*)?([^?#]*)', 1), ''), '/');

-- First value of a query parameter, form-decoded ('+' is a space) and lower-cased; NULL when absent or empty.
create or replace temp macro url_param(url, name) as
    case when contains(url, '?') then
        nullif(lower(trim(url_decode(replace(
            regexp_extract(url, '[?&]' || name || '=([^&#]*)', 1), '+', ' ')))), '')
    end;

-- The key of a (source, medium, campaign) traffic struct: the md5 of the three, a unit separator between them, as a
-- UUID. stg_urls, stg_traffic_channels and sessions join on it, not on the three strings: at 10 M events the join
-- on the struct cost sessions 8 to 12 s of about 36.
create or replace temp macro traffic_key(traffic) as
    md5(traffic.source || chr(31) || traffic.medium || chr(31) || traffic.campaign)::uuid;
