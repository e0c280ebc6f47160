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
