"""Where sessions come from: the landing URL's query string and the referrer of the first event.

Each source reproduces a shape GA4's default channel group must classify (issue 27), so that every one of its 19
channels occurs: UTM-tagged paid search (mostly with ``gclid``, some with ``gclid`` or ``gbraid`` alone, Bing with
``msclkid``), Shopping and cross-network (Performance Max) campaigns, paid social (Meta's ``facebook / cpc``,
``fbclid``), paid video, display, other paid media, email, affiliates (Rakuten's network, which Google lists as a
search source, lands in Organic Search as it does in GA4), audio, SMS, push notifications, UTM-tagged organic
social, odd UTM values (a source without a medium, ``qr / print``), and referrer-only organic search, social,
video and shopping, referral and direct traffic (some of it with the shop itself as referrer). Like the real
export, a share of UTM values is hashed (``utm_source=5AD0EB``): such a session is Unassigned.
"""

from __future__ import annotations

import zlib
from urllib.parse import quote_plus

import numpy as np
import polars as pl

from clickstream.generate.catalogue import (
    BROWSE_PAGES,
    PRODUCT_PAGES,
    REFERRAL_REFERRERS,
    SEARCH_REFERRERS,
    SHOP,
    SHOPPING_REFERRERS,
    SOCIAL_REFERRERS,
    VIDEO_REFERRERS,
)
from clickstream.generate.draw import Tables, Weighted

HASHED_UTM_SHARE = 0.12
GCLID_ONLY_SHARE = 0.15  # Google ads clicks whose URL kept only the gclid
GBRAID_ONLY_SHARE = 0.05  # ... or only the gbraid (iOS app-to-web)

# (source, share among new visitors' sessions, share among returning visitors' sessions)
SOURCES = (
    ("direct", 22, 34),
    ("organic_search", 20, 17),
    ("paid_search", 13, 8),
    ("paid_shopping", 3, 2),
    ("cross_network", 2, 1),
    ("paid_social", 11, 5),
    ("paid_video", 1.5, 0.5),
    ("display", 3, 2),
    ("paid_other", 1, 0.5),
    ("organic_shopping", 1, 1),
    ("organic_social", 6, 4),
    ("organic_video", 1.5, 1),
    ("referral", 5, 4),
    ("email", 4, 12),
    ("affiliate", 3, 2),
    ("audio", 0.7, 0.5),
    ("sms", 0.8, 2),
    ("push", 0.5, 1.5),
    ("odd_utm", 3, 3),
)
NAMES = tuple(name for name, _, _ in SOURCES)
BY_VISITOR = (
    Weighted([(name, new) for name, new, _ in SOURCES]),
    Weighted([(name, returning) for name, _, returning in SOURCES]),
)
_UTM = {
    "paid_search": (("google", "cpc"), ("google", "cpc"), ("bing", "cpc"), ("google", "ppc"), ("Google", "CPC"),
                    ("google", "paidsearch"), ("bing", "paid_search")),
    "paid_shopping": (("google", "cpc"), ("bing", "cpc")),
    "cross_network": (("google", "cpc"),),
    "paid_social": (("facebook", "cpc"), ("facebook", "paid"), ("instagram", "paid_social"), ("fb", "paidsocial"),
                    ("tiktok", "paid"), ("pinterest", "paidsocial")),
    "paid_video": (("youtube", "cpc"), ("youtube", "paid_video")),
    "display": (("google", "display"), ("criteo", "banner"), ("dv360", "cpm"), ("google", "interstitial")),
    "paid_other": (("taboola", "cpc"), ("outbrain", "paid_native")),
    "email": (("klaviyo", "email"), ("klaviyo", "e-mail"), ("newsletter", "Email"), ("email", "welcome_flow")),
    "affiliate": (("impact", "affiliate"), ("sovrn", "affiliate"), ("rakuten", "affiliate")),
    "audio": (("spotify", "audio"), ("podcast_network", "audio")),
    "sms": (("attentive", "sms"), ("postscript", "sms"), ("sms", "text")),
    "push": (("onesignal", "web-push"), ("braze", "mobile"), ("firebase", "app_message"), ("klaviyo", "notification")),
    "organic_social": (("instagram", "social"), ("facebook", "sm"), ("pinterest", "social-media"),
                       ("tiktok", "social network"), ("linktree", "social")),
    "odd_utm": (("podcast", None), ("qr", "print"), ("partner", "referral"), ("chatgpt.com", None)),
}
_CAMPAIGNS = {
    "paid_search": ("brand-search", "generic-mattress", "competitor-terms"),
    "paid_shopping": ("shopping-mattresses", "smart_shopping", "shop-bedding"),
    "cross_network": ("pmax-cross-network", "cross-network-prospecting"),
    "paid_social": ("presidents-day-sale", "lookalike-buyers", "retargeting-7d", "ugc-video"),
    "paid_video": ("brand-film", "sleep-trial-explainer"),
    "display": ("prospecting", "retargeting"),
    "paid_other": ("native-articles",),
    "email": ("welcome-series", "abandoned-cart", "presidents-day-sale", "weekly-newsletter"),
    "affiliate": ("review-sites", "coupon-partners"),
    "audio": ("podcast-ads", "sleep-stories"),
    "sms": ("flash-sale", "back-in-stock"),
    "push": ("price-drop", "order-ready"),
    "organic_social": ("bio-link", "story"),
    "odd_utm": ("spring-promo", "episode-42", "store-flyer"),
}
_NONE = (("", 1),)
_REFERRER_TABLES = {
    "none": _NONE,
    "search": SEARCH_REFERRERS,
    "social": SOCIAL_REFERRERS,
    "video": VIDEO_REFERRERS,
    "shopping": SHOPPING_REFERRERS,
    "referral": REFERRAL_REFERRERS,
    "google_ads": (("https://www.google.com/", 7), ("", 3)),
    "bing_ads": (("https://www.bing.com/", 6), ("", 4)),
    "paid_social": (("https://l.facebook.com/", 4), ("https://m.facebook.com/", 2), ("https://www.instagram.com/", 3),
                    ("", 6)),
    "youtube_ads": (("https://www.youtube.com/", 5), ("", 5)),
    # A visit resuming from the shop itself (a tab left open): Direct, as its referrer is our own host.
    "direct": (("", 85), ("https://puffy.com/", 5), ("https://www.puffy.com/collections/mattresses", 5),
               ("https://puffy.com/products/puffy-mattress", 5)),
}
REFERRER_KINDS = tuple(_REFERRER_TABLES)
CLICKS = ("", "gclid", "gbraid", "msclkid", "fbclid")
_LANDING_PATHS = {
    "paid_search": PRODUCT_PAGES[:4] + ("/", "/collections/mattresses"),
    "paid_shopping": PRODUCT_PAGES,
    "cross_network": PRODUCT_PAGES[:4] + ("/",),
    "paid_social": PRODUCT_PAGES[:4] + ("/collections/sale",),
    "email": ("/collections/sale", "/", PRODUCT_PAGES[0], "/collections/bedding"),
    "sms": ("/collections/sale", PRODUCT_PAGES[0]),
    "push": ("/collections/sale", "/cart"),
    "display": PRODUCT_PAGES[:2] + ("/",),
}
_ANY_PATH = BROWSE_PAGES + PRODUCT_PAGES
# Referrer-only sources: the referrer table their first event's referrer comes from.
_REFERRER_ONLY = {"organic_search": "search", "organic_video": "video", "organic_shopping": "shopping",
                  "referral": "referral", "direct": "direct"}


def hashed(value: str) -> str:
    """An anonymised value as in the real export: six upper-case hex digits, stable per value."""
    return f"{zlib.crc32(value.encode()) & 0xFFFFFF:06X}"


def _utm_variants(source: str) -> list[tuple[tuple[str, str, str], float]]:
    """(query, click id kind, referrer kind) with weights, for a UTM-tagged source."""
    variants = []
    pairs, campaigns = _UTM[source], _CAMPAIGNS[source]
    for utm_source, utm_medium in pairs:
        for campaign in campaigns:
            weight = 1.0 / (len(pairs) * len(campaigns))
            values = [("utm_source", utm_source), ("utm_medium", utm_medium), ("utm_campaign", campaign)]
            values = [(key, value) for key, value in values if value is not None]
            for is_hashed, share in ((False, 1 - HASHED_UTM_SHARE), (True, HASHED_UTM_SHARE)):
                query = "&".join(f"{key}={hashed(value) if is_hashed else quote_plus(value)}" for key, value in values)
                for click, referrer, click_share in _extras(source, utm_source.lower()):
                    variants.append(((query, click, referrer), weight * share * click_share))
    return variants


def _extras(source: str, utm_source: str) -> list[tuple[str, str, float]]:
    """(click id kind, referrer kind, share) for one utm_source of a source."""
    if source in ("paid_search", "paid_shopping", "cross_network") and utm_source == "google":
        return [("gclid", "google_ads", 0.85), ("", "google_ads", 0.15)]
    if source in ("paid_search", "paid_shopping"):
        return [("msclkid", "bing_ads", 1.0)]
    if source == "paid_social":
        fbclid = 0.6 if utm_source in ("facebook", "instagram", "fb") else 0.0
        return [("fbclid", "paid_social", fbclid), ("", "paid_social", 1 - fbclid)]
    if source == "paid_video":
        return [("gclid", "youtube_ads", 0.7), ("", "youtube_ads", 0.3)]
    referrer = {"affiliate": "referral", "organic_social": "social"}.get(source, "none")
    return [("", referrer, 1.0)]


def _variants(source: str) -> list[tuple[tuple[str, str, str], float]]:
    if source == "paid_search":
        utm = _utm_variants(source)
        clicks_alone = [(("", "gclid", "google_ads"), GCLID_ONLY_SHARE), (("", "gbraid", "none"), GBRAID_ONLY_SHARE)]
        tagged = 1 - GCLID_ONLY_SHARE - GBRAID_ONLY_SHARE
        return [(variant, weight * tagged) for variant, weight in utm] + clicks_alone
    if source == "organic_social":
        return [(v, w * 0.3) for v, w in _utm_variants(source)] + [(("", "", "social"), 0.7)]
    if source in _UTM:
        return _utm_variants(source)
    return [(("", "", _REFERRER_ONLY[source]), 1.0)]


VARIANTS = Tables([_variants(source) for source in NAMES])
_REFERRERS = Tables([_REFERRER_TABLES[kind] for kind in REFERRER_KINDS])
_PATHS = Tables([[(path, 1) for path in _LANDING_PATHS.get(source, _ANY_PATH)] for source in NAMES])
_BASE64URL = np.frombuffer(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", dtype=np.uint8)
_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)


def _random_text(rng: np.random.Generator, n: int, length: int, alphabet: np.ndarray) -> pl.Series:
    chars = alphabet[rng.integers(0, len(alphabet), size=(n, length))]
    return pl.Series(np.ascontiguousarray(chars).view(f"S{length}").ravel()).cast(pl.String)


def landings(rng: np.random.Generator, returning: np.ndarray) -> tuple[pl.Series, pl.Series]:
    """(page_url, referrer) of each session's first event; returning visitors favour direct and email."""
    n = len(returning)
    source = np.where(returning, BY_VISITOR[1].draw(rng.random(n)), BY_VISITOR[0].draw(rng.random(n)))
    variant = VARIANTS.draw(source, rng.random(n))
    queries, clicks, referrer_kinds = zip(*VARIANTS.options, strict=True)
    kind_index = np.array([REFERRER_KINDS.index(kind) for kind in referrer_kinds])[variant]
    referrer = pl.Series(_REFERRERS.options).gather(_REFERRERS.draw(kind_index, rng.random(n)))
    path = pl.Series(_PATHS.options).gather(_PATHS.draw(source, rng.random(n)))
    click = np.array([CLICKS.index(c) for c in clicks])[variant]
    frame = pl.DataFrame({
        "path": path,
        "query": pl.Series(queries).gather(variant),
        "click": click,
        "gclid": _random_text(rng, n, 40, _BASE64URL),
        "gbraid": _random_text(rng, n, 36, _BASE64URL),
        "msclkid": _random_text(rng, n, 32, _HEX),
        "fbclid": _random_text(rng, n, 28, _BASE64URL),
    })
    click_param = (
        pl.when(pl.col("click") == CLICKS.index("gclid")).then("gclid=Cj0KCQiA" + pl.col("gclid"))
        .when(pl.col("click") == CLICKS.index("gbraid")).then("gbraid=0AAAAA" + pl.col("gbraid"))
        .when(pl.col("click") == CLICKS.index("msclkid")).then("msclkid=" + pl.col("msclkid"))
        .when(pl.col("click") == CLICKS.index("fbclid")).then("fbclid=IwAR" + pl.col("fbclid"))
        .otherwise(pl.lit(""))
    )
    params = pl.concat_str([pl.col("query"), click_param], separator="&").str.strip_chars("&")
    url = pl.when(params == "").then(SHOP + pl.col("path")).otherwise(SHOP + pl.col("path") + "?" + params)
    return frame.select(url.alias("page_url")).to_series(), referrer
