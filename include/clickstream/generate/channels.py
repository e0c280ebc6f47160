"""The channel of a session from its first event (issue 5 point 3), in plain Python for the truth.

Rules, first match wins: utm_medium (lower-cased) in a paid-search list or any ``gclid``: Paid
Search; then Paid Social, Email, Affiliates, Display, Organic Social by utm_medium; any other UTM
value (utm_source, utm_medium or utm_campaign present, e.g. the hashed ones): Unassigned; no UTM
and a search-engine referrer: Organic Search; a social referrer: Organic Social; no referrer or
one on the shop's own host (the page_url's host): Direct; else Referral. Hosts compare
lower-cased and without ``www.``.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

CHANNELS = (
    "Paid Search",
    "Paid Social",
    "Email",
    "Affiliates",
    "Display",
    "Organic Social",
    "Unassigned",
    "Organic Search",
    "Direct",
    "Referral",
)
MEDIUM_CHANNELS = (
    ("Paid Search", frozenset({"cpc", "ppc", "paidsearch", "paid_search"})),
    ("Paid Social", frozenset({"paid_social", "paidsocial"})),
    ("Email", frozenset({"email", "e-mail", "newsletter"})),
    ("Affiliates", frozenset({"affiliate", "affiliates"})),
    ("Display", frozenset({"display", "banner", "cpm"})),
    ("Organic Social", frozenset({"social", "social-network", "social-media", "sm", "organic_social"})),
)
SEARCH_HOSTS = frozenset({"bing.com", "duckduckgo.com", "baidu.com"})
SEARCH_PREFIXES = ("google.", "yahoo.", "yandex.")
SOCIAL_HOSTS = frozenset({
    "facebook.com", "l.facebook.com", "m.facebook.com", "instagram.com", "t.co", "twitter.com", "x.com",
    "pinterest.com", "tiktok.com", "linkedin.com", "reddit.com", "youtube.com",
})
UTM_KEYS = ("utm_source", "utm_medium", "utm_campaign")


def host(url: str | None) -> str | None:
    """Lower-case host without ``www.``, or None."""
    if not url:
        return None
    name = urlsplit(url).hostname
    if not name:
        return None
    return name[4:] if name.startswith("www.") else name


def query(url: str) -> dict[str, str]:
    """The URL's query parameters (first value each), lower-cased; empty values are absent."""
    params: dict[str, str] = {}
    for key, value in parse_qsl(urlsplit(url).query, keep_blank_values=False):
        params.setdefault(key, value.lower())
    return params


def channel(page_url: str, referrer: str | None) -> str:
    params = query(page_url)
    medium = params.get("utm_medium")
    if params.get("gclid"):
        return "Paid Search"
    for name, media in MEDIUM_CHANNELS:
        if medium in media:
            return name
    if any(params.get(key) for key in UTM_KEYS):
        return "Unassigned"
    source = host(referrer)
    if source is not None and (source in SEARCH_HOSTS or source.startswith(SEARCH_PREFIXES)):
        return "Organic Search"
    if source in SOCIAL_HOSTS:
        return "Organic Social"
    if source is None or source == host(page_url):
        return "Direct"
    return "Referral"
