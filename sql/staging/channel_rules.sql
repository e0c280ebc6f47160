-- Grain: one row per channel rule; a session takes the channel of the first rule (lowest priority) its first event matches.
-- The single place to change channel definitions (defaults modelled on GA4's default channel group).
-- field: which attribute of the session's first event is matched against pattern with GLOB ('*' = anything):
--   utm_medium, gclid, utm (any of utm_source, utm_medium, utm_campaign), referrer_host (no 'www.'),
--   referrer_kind ('none': no referrer; 'own': the host of the event's own page_url; 'external').
-- depends_on:
-- scope: all
select priority, channel, field, pattern
from (
    values
        (1, 'Paid Search', 'utm_medium', 'cpc'),
        (1, 'Paid Search', 'utm_medium', 'ppc'),
        (1, 'Paid Search', 'utm_medium', 'paidsearch'),
        (1, 'Paid Search', 'utm_medium', 'paid_search'),
        (1, 'Paid Search', 'gclid', '*'),
        (2, 'Paid Social', 'utm_medium', 'paid_social'),
        (2, 'Paid Social', 'utm_medium', 'paidsocial'),
        (3, 'Email', 'utm_medium', 'email'),
        (3, 'Email', 'utm_medium', 'e-mail'),
        (3, 'Email', 'utm_medium', 'newsletter'),
        (4, 'Affiliates', 'utm_medium', 'affiliate'),
        (4, 'Affiliates', 'utm_medium', 'affiliates'),
        (5, 'Display', 'utm_medium', 'display'),
        (5, 'Display', 'utm_medium', 'banner'),
        (5, 'Display', 'utm_medium', 'cpm'),
        (6, 'Organic Social', 'utm_medium', 'social'),
        (6, 'Organic Social', 'utm_medium', 'social-network'),
        (6, 'Organic Social', 'utm_medium', 'social-media'),
        (6, 'Organic Social', 'utm_medium', 'sm'),
        (6, 'Organic Social', 'utm_medium', 'organic_social'),
        (7, 'Unassigned', 'utm', '*'),
        (8, 'Organic Search', 'referrer_host', 'google.*'),
        (8, 'Organic Search', 'referrer_host', 'bing.com'),
        (8, 'Organic Search', 'referrer_host', 'yahoo.*'),
        (8, 'Organic Search', 'referrer_host', 'duckduckgo.com'),
        (8, 'Organic Search', 'referrer_host', 'baidu.com'),
        (8, 'Organic Search', 'referrer_host', 'yandex.*'),
        (9, 'Organic Social', 'referrer_host', 'facebook.com'),
        (9, 'Organic Social', 'referrer_host', 'l.facebook.com'),
        (9, 'Organic Social', 'referrer_host', 'm.facebook.com'),
        (9, 'Organic Social', 'referrer_host', 'instagram.com'),
        (9, 'Organic Social', 'referrer_host', 't.co'),
        (9, 'Organic Social', 'referrer_host', 'twitter.com'),
        (9, 'Organic Social', 'referrer_host', 'x.com'),
        (9, 'Organic Social', 'referrer_host', 'pinterest.com'),
        (9, 'Organic Social', 'referrer_host', 'tiktok.com'),
        (9, 'Organic Social', 'referrer_host', 'linkedin.com'),
        (9, 'Organic Social', 'referrer_host', 'reddit.com'),
        (9, 'Organic Social', 'referrer_host', 'youtube.com'),
        (10, 'Direct', 'referrer_kind', 'none'),
        (10, 'Direct', 'referrer_kind', 'own'),
        (11, 'Referral', 'referrer_kind', 'external')
) as rules (priority, channel, field, pattern)
