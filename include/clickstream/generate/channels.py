"""A session's source, medium, campaign and GA4 default channel, in plain Python for the truth.

Written from Google's own texts, not from the pipeline's rule file: the derivation of source / medium / campaign
documented in ``sql/marts/sessions.sql`` (landing URL's UTM values, else a Google click id, else the referrer:
a search engine is organic, another host a referral, none or the shop's own host direct), then the channel by the
definitions of Google's "[GA4] Default channel group" help article, first match in Google's order, compared
case-insensitively. The one thing shared with the pipeline is data: Google's source-category list
(``sql/seeds/ga4_source_categories.csv``).
"""

from __future__ import annotations

import csv
import re
from functools import cache
from typing import NamedTuple
from urllib.parse import unquote_plus, urlsplit

from clickstream.warehouse import SQL_DIR

CHANNELS = (
    "Direct",
    "Cross-network",
    "Paid Shopping",
    "Paid Search",
    "Paid Social",
    "Paid Video",
    "Display",
    "Paid Other",
    "Organic Shopping",
    "Organic Social",
    "Organic Video",
    "Organic Search",
    "Referral",
    "Email",
    "Affiliates",
    "Audio",
    "SMS",
    "Mobile Push Notifications",
    "Unassigned",
)
UTM_KEYS = ("utm_source", "utm_medium", "utm_campaign")
GOOGLE_CLICK_IDS = ("gclid", "gbraid", "wbraid", "dclid")
SEARCH, SOCIAL, SHOPPING, VIDEO = (f"SOURCE_CATEGORY_{name}" for name in ("SEARCH", "SOCIAL", "SHOPPING", "VIDEO"))
PAID_MEDIUM = re.compile(r"^(.*cp.*|ppc|retargeting|paid.*)$")
SHOPPING_CAMPAIGN = re.compile(r"^(.*(([^a-df-z]|^)shop|shopping).*)$")
VIDEO_MEDIUM = re.compile(r"^(.*video.*)$")
EMAIL = re.compile(r"email|e-mail|e_mail|e mail")
# A domain name: the last label, or two when a generic second-level label precedes a country code.
DOMAIN = re.compile(r"([^.]+)\.(?:(?:co|com|net|org|ne|or|ac|gov|edu|gob)\.[a-z]{2}|[^.]+)$")
UNDER = re.compile(r"^(m|search)\.")  # the subdomains under which an unlisted host is still its engine's


class Traffic(NamedTuple):
    source: str
    medium: str
    campaign: str


@cache
def source_categories() -> dict[str, str]:
    """Google's list: lower-cased source -> category."""
    with (SQL_DIR / "seeds" / "ga4_source_categories.csv").open(newline="", encoding="utf-8") as handle:
        return {row["source"].strip().lower(): row["source_category"] for row in csv.DictReader(handle)}


def host(url: str | None) -> str | None:
    """Lower-case host without ``www.``, or None."""
    if not url:
        return None
    name = urlsplit(url).hostname
    if not name:
        return None
    return name[4:] if name.startswith("www.") else name


def query(url: str) -> dict[str, str]:
    """The URL's query parameters (first value each), form-decoded, trimmed and lower-cased; empty ones absent."""
    params: dict[str, str] = {}
    for pair in urlsplit(url).query.split("&"):
        key, _, value = pair.partition("=")
        value = unquote_plus(value).strip().lower()
        if value:
            params.setdefault(key, value)
    return params


def search_engine(name: str) -> str | None:
    """The organic source a referral from host ``name`` gets, or None when the host is no search engine."""
    categories = source_categories()
    match = DOMAIN.search(name)
    label, domain = (match.group(1), match.group(0)) if match else (None, None)
    label_is_engine = label is not None and categories.get(label) == SEARCH
    listed = categories.get(name)
    if listed == SEARCH:
        return label if label_is_engine else name
    if listed is None and label_is_engine:
        return label if UNDER.sub("", name) == domain else None
    return None


def traffic(page_url: str, referrer: str | None) -> Traffic:
    """Source, medium and campaign of a session whose first event has this page URL and referrer."""
    params = query(page_url)
    if any(params.get(key) for key in UTM_KEYS):
        return Traffic(*(params.get(key, "(not set)") for key in UTM_KEYS))
    if any(params.get(key) for key in GOOGLE_CLICK_IDS):
        return Traffic("google", "cpc", "(not set)")
    came_from = host(referrer)
    if came_from is not None and came_from != host(page_url):
        engine = search_engine(came_from)
        if engine is not None:
            return Traffic(engine, "organic", "(organic)")
        return Traffic(came_from, "referral", "(referral)")
    return Traffic("(direct)", "(none)", "(direct)")


def default_channel(source: str, medium: str, campaign: str) -> str:
    """GA4's default channel group, Google's definitions in Google's order."""
    source, medium, campaign = source.lower(), medium.lower(), campaign.lower()
    category = source_categories().get(source)
    paid = bool(PAID_MEDIUM.fullmatch(medium))
    shopping_campaign = bool(SHOPPING_CAMPAIGN.fullmatch(campaign))
    if source == "(direct)" and medium in ("(not set)", "(none)"):
        return "Direct"
    if "cross-network" in campaign:
        return "Cross-network"
    if (category == SHOPPING or shopping_campaign) and paid:
        return "Paid Shopping"
    for name, wanted in (("Paid Search", SEARCH), ("Paid Social", SOCIAL), ("Paid Video", VIDEO)):
        if category == wanted and paid:
            return name
    if medium in ("display", "banner", "expandable", "interstitial", "cpm"):
        return "Display"
    if paid:
        return "Paid Other"
    if category == SHOPPING or shopping_campaign:
        return "Organic Shopping"
    if category == SOCIAL or medium in ("social", "social-network", "social-media", "sm", "social network",
                                        "social media"):
        return "Organic Social"
    if category == VIDEO or VIDEO_MEDIUM.fullmatch(medium):
        return "Organic Video"
    if category == SEARCH or medium == "organic":
        return "Organic Search"
    if medium in ("referral", "app", "link"):
        return "Referral"
    if EMAIL.fullmatch(source) or EMAIL.fullmatch(medium):
        return "Email"
    if medium == "affiliate":
        return "Affiliates"
    if medium == "audio":
        return "Audio"
    if source == "sms" or medium == "sms":
        return "SMS"
    if medium.endswith("push") or "mobile" in medium or "notification" in medium or source == "firebase":
        return "Mobile Push Notifications"
    return "Unassigned"


def channel(page_url: str, referrer: str | None) -> str:
    """The default channel of a session whose first event has this page URL and referrer."""
    return default_channel(*traffic(page_url, referrer))
