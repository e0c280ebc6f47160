"""Where sessions come from: the landing URL's query string and the referrer of the first event.

Each source reproduces a shape the channel rules must recognise (issue 5 point 3): UTM-tagged paid
search (mostly with ``gclid``, sometimes ``gclid`` alone, Bing with ``msclkid``), paid social
(``fbclid``), email, affiliates, display, UTM-tagged organic social, odd UTM values (``sms``, a
source without a medium), and referrer-only organic search, social, referral and direct traffic
(some of it with the shop itself as referrer). Like the real export, a share of UTM values is
hashed (``utm_source=5AD0EB``): such a session is Unassigned unless a ``gclid`` keeps it in Paid Search.
"""

from __future__ import annotations

import zlib

import numpy as np
import polars as pl

from clickstream.generate.catalogue import (
    BROWSE_PAGES,
    PRODUCT_PAGES,
    REFERRAL_REFERRERS,
    SEARCH_REFERRERS,
    SHOP,
    SOCIAL_REFERRERS,
)
from clickstream.generate.draw import Tables, Weighted

HASHED_UTM_SHARE = 0.12
GCLID_ONLY_SHARE = 0.15  # Google ads clicks whose URL kept only the gclid

# (source, share among new visitors' sessions, share among returning visitors' sessions)
SOURCES = (
    ("direct", 22, 36),
    ("organic_search", 21, 18),
    ("paid_search", 17, 10),
    ("paid_social", 13, 6),
    ("email", 4, 12),
    ("organic_social", 7, 4),
    ("referral", 5, 4),
    ("affiliate", 4, 3),
    ("display", 4, 3),
    ("odd_utm", 3, 4),
)
NAMES = tuple(name for name, _, _ in SOURCES)
BY_VISITOR = (
    Weighted([(name, new) for name, new, _ in SOURCES]),
    Weighted([(name, returning) for name, _, returning in SOURCES]),
)
_UTM = {
    "paid_search": (("google", "cpc"), ("google", "cpc"), ("bing", "cpc"), ("google", "ppc"), ("Google", "CPC"),
                    ("google", "paidsearch"), ("bing", "paid_search")),
    "paid_social": (("facebook", "paid_social"), ("instagram", "paid_social"), ("facebook", "paidsocial"),
                    ("tiktok", "paid_social"), ("pinterest", "paidsocial")),
    "email": (("klaviyo", "email"), ("klaviyo", "newsletter"), ("klaviyo", "e-mail"), ("newsletter", "Email")),
    "affiliate": (("impact", "affiliate"), ("rakuten", "affiliates"), ("sovrn", "affiliate")),
    "display": (("google", "display"), ("criteo", "banner"), ("dv360", "cpm")),
    "organic_social": (("instagram", "social"), ("facebook", "sm"), ("pinterest", "organic_social"),
                       ("youtube", "social-media"), ("tiktok", "social-network")),
    "odd_utm": (("attentive", "sms"), ("podcast", None), ("qr", "print"), ("partner", "referral")),
}
_CAMPAIGNS = {
    "paid_search": ("brand-search", "generic-mattress", "competitor-terms", "pmax-mattress"),
    "paid_social": ("presidents-day-sale", "lookalike-buyers", "retargeting-7d", "ugc-video"),
    "email": ("welcome-series", "abandoned-cart", "presidents-day-sale", "weekly-newsletter"),
    "affiliate": ("review-sites", "coupon-partners"),
    "display": ("prospecting", "retargeting"),
    "organic_social": ("bio-link", "story"),
    "odd_utm": ("spring-promo", "episode-42", "store-flyer"),
}
_NONE = (("", 1),)
_REFERRER_TABLES = {
    "none": _NONE,
    "search": SEARCH_REFERRERS,
    "social": SOCIAL_REFERRERS,
    "referral": REFERRAL_REFERRERS,
    "google_ads": (("https://www.google.com/", 7), ("", 3)),
    "bing_ads": (("https://www.bing.com/", 6), ("", 4)),
    "paid_social": (("https://l.facebook.com/", 4), ("https://m.facebook.com/", 2), ("https://www.instagram.com/", 3),
                    ("", 6)),
    # A visit resuming from the shop itself (a tab left open): Direct, as its referrer is our own host.
    "direct": (("", 85), ("https://puffy.com/", 5), ("https://www.puffy.com/collections/mattresses", 5),
               ("https://puffy.com/products/puffy-mattress", 5)),
}
REFERRER_KINDS = tuple(_REFERRER_TABLES)
CLICKS = ("", "gclid", "msclkid", "fbclid")
_LANDING_PATHS = {
    "paid_search": PRODUCT_PAGES[:4] + ("/", "/collections/mattresses"),
    "paid_social": PRODUCT_PAGES[:4] + ("/collections/sale",),
    "email": ("/collections/sale", "/", PRODUCT_PAGES[0], "/collections/bedding"),
    "display": PRODUCT_PAGES[:2] + ("/",),
}
_ANY_PATH = BROWSE_PAGES + PRODUCT_PAGES


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
                query = "&".join(f"{key}={hashed(value) if is_hashed else value}" for key, value in values)
                for click, referrer, click_share in _extras(source, utm_source.lower()):
                    variants.append(((query, click, referrer), weight * share * click_share))
    return variants


def _extras(source: str, utm_source: str) -> list[tuple[str, str, float]]:
    """(click id kind, referrer kind, share) for one utm_source of a source."""
    if source == "paid_search" and utm_source == "google":
        return [("gclid", "google_ads", 0.85), ("", "google_ads", 0.15)]
    if source == "paid_search":
        return [("msclkid", "bing_ads", 1.0)]
    if source == "paid_social":
        fbclid = 0.6 if utm_source in ("facebook", "instagram") else 0.0
        return [("fbclid", "paid_social", fbclid), ("", "paid_social", 1 - fbclid)]
    referrer = {"affiliate": "referral", "organic_social": "social"}.get(source, "none")
    return [("", referrer, 1.0)]


def _variants(source: str) -> list[tuple[tuple[str, str, str], float]]:
    if source == "paid_search":
        utm = _utm_variants(source)
        share = sum(weight for _, weight in utm)
        google = sum(weight for (query, _, _), weight in utm if "google" in query.lower())
        gclid_only = [(("", "gclid", "google_ads"), share * GCLID_ONLY_SHARE * google / share)]
        return [(variant, weight * (1 - GCLID_ONLY_SHARE)) for variant, weight in utm] + gclid_only
    if source == "organic_social":
        return [(v, w * 0.3) for v, w in _utm_variants(source)] + [(("", "", "social"), 0.7)]
    if source in _UTM:
        return _utm_variants(source)
    referrer = {"organic_search": "search", "referral": "referral", "direct": "direct"}[source]
    return [(("", "", referrer), 1.0)]


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
        "msclkid": _random_text(rng, n, 32, _HEX),
        "fbclid": _random_text(rng, n, 28, _BASE64URL),
    })
    click_param = (
        pl.when(pl.col("click") == CLICKS.index("gclid")).then("gclid=Cj0KCQiA" + pl.col("gclid"))
        .when(pl.col("click") == CLICKS.index("msclkid")).then("msclkid=" + pl.col("msclkid"))
        .when(pl.col("click") == CLICKS.index("fbclid")).then("fbclid=IwAR" + pl.col("fbclid"))
        .otherwise(pl.lit(""))
    )
    params = pl.concat_str([pl.col("query"), click_param], separator="&").str.strip_chars("&")
    url = pl.when(params == "").then(SHOP + pl.col("path")).otherwise(SHOP + pl.col("path") + "?" + params)
    return frame.select(url.alias("page_url")).to_series(), referrer
