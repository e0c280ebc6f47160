"""A session's source / medium / campaign, derived as GA4 derives them, and its channel by GA4's default channel group.

The channel examples are built from the definitions of Google's help article "[GA4] Default channel group"
(quoted with each), and the table-driven test holds every session of a grid of sources, media and campaigns
against ``clickstream.generate.channels.default_channel``, a plain-Python transcription of the same article that
shares no code with the rule file and its compiler.
"""

from __future__ import annotations

import itertools
from urllib.parse import urlencode

import duckdb
import pytest
from transform_helpers import at, event, insert

from clickstream.channel_group import GA4_CHANNEL_GROUP, read_channel_rules
from clickstream.generate.channels import CHANNELS, default_channel
from clickstream.settings import Settings
from clickstream.transform import run_transform
from clickstream.warehouse import migrate

SHOP = "https://puffy.com/mattress"


def landing(source: str | None = None, medium: str | None = None, campaign: str | None = None, **others: str) -> str:
    """The shop's landing URL tagged with these UTM values (and other parameters), form-encoded."""
    params = {"utm_source": source, "utm_medium": medium, "utm_campaign": campaign, **others}
    query = urlencode({key: value for key, value in params.items() if value is not None})
    return f"{SHOP}?{query}" if query else SHOP


# (what, landing URL, referrer, (source, medium, campaign)): each step of the derivation in sessions.sql.
DERIVATION = [
    ("the three UTM values, lower-cased", landing("Facebook", "CPC", "Spring Sale"), None,
     ("facebook", "cpc", "spring sale")),
    ("a missing UTM value is (not set)", landing("klaviyo"), None, ("klaviyo", "(not set)", "(not set)")),
    ("a UTM campaign alone", landing(campaign="spring"), None, ("(not set)", "(not set)", "spring")),
    ("UTM values win over a Google click id", landing("bing", "cpc", gclid="Cj0K"), None, ("bing", "cpc", "(not set)")),
    ("UTM values win over the referrer", landing(medium="email"), "https://www.google.com/",
     ("(not set)", "email", "(not set)")),
    ("gclid is google / cpc", landing(gclid="Cj0KCQ"), "https://www.google.com/", ("google", "cpc", "(not set)")),
    ("gbraid is google / cpc", landing(gbraid="0AAAAA"), None, ("google", "cpc", "(not set)")),
    ("wbraid is google / cpc", landing(wbraid="CkgK"), None, ("google", "cpc", "(not set)")),
    ("dclid is google / cpc", landing(dclid="CPn1"), None, ("google", "cpc", "(not set)")),
    ("msclkid is not Google's: the referrer decides", landing(msclkid="9f2c"), "https://www.bing.com/",
     ("bing", "organic", "(organic)")),
    ("a search engine's host is the engine / organic", SHOP, "https://www.google.com/search?q=mattress",
     ("google", "organic", "(organic)")),
    ("any country domain of the engine", SHOP, "https://www.google.co.uk/", ("google", "organic", "(organic)")),
    ("the engine under search.", SHOP, "https://search.yahoo.com/search?p=x", ("yahoo", "organic", "(organic)")),
    ("the engine under m.", SHOP, "https://m.bing.com/", ("bing", "organic", "(organic)")),
    ("a host Google lists as a search source", SHOP, "https://de.search.yahoo.com/", ("yahoo", "organic", "(organic)")),
    ("a listed search host whose name is no listed engine", SHOP, "https://www.ecosia.org/search?q=x",
     ("ecosia.org", "organic", "(organic)")),
    ("another service of an engine's domain is a referral", SHOP, "https://mail.google.com/mail/u/0/",
     ("mail.google.com", "referral", "(referral)")),
    ("a host Google lists under another category is a referral", SHOP, "https://sites.google.com/view/x",
     ("sites.google.com", "referral", "(referral)")),
    ("any other host is <host> / referral, without www.", SHOP, "https://www.sleepfoundation.org/best-mattress",
     ("sleepfoundation.org", "referral", "(referral)")),
    ("no referrer is (direct) / (none)", SHOP, None, ("(direct)", "(none)", "(direct)")),
    ("the shop's own host is (direct) / (none)", SHOP, "https://www.puffy.com/cart",
     ("(direct)", "(none)", "(direct)")),
    ("another host of the shop's domain is a referral", SHOP, "https://shop.puffy.com/",
     ("shop.puffy.com", "referral", "(referral)")),
    ("parameters that are no campaign or Google click id change nothing", landing(utm_term="x", fbclid="IwAR"),
     "https://a1b2c3.example/", ("a1b2c3.example", "referral", "(referral)")),
]

# Channel -> (Google's definition, examples: (landing URL, referrer), each meeting it and no earlier channel's).
GA4 = {
    "Direct": ('Source exactly matches "(direct)" AND Medium is one of ("(not set)", "(none)")',
               [(SHOP, None), (landing("(direct)"), None), (landing("(Direct)", "(none)"), None)]),
    "Cross-network": ('Campaign Name contains "cross-network"',
                      [(landing("google", "cpc", "pmax-cross-network"), None),
                       (landing(campaign="Cross-Network"), None)]),
    "Paid Shopping": ("(Source matches a list of shopping sites OR Campaign Name matches regex "
                      "^(.*(([^a-df-z]|^)shop|shopping).*)$) AND Medium matches regex "
                      "^(.*cp.*|ppc|retargeting|paid.*)$",
                      [(landing("amazon", "cpc"), None), (landing("Google Shopping", "paid"), None),
                       (landing("google", "cpc", "shopping-beds"), None), (landing("google", "ppc", "shop"), None),
                       (landing("newsletter", "retargeting", "summer_shop"), None),
                       (landing("bing", "cpc", "eshop"), None)]),  # 'e' may precede 'shop'
    "Paid Search": ("Source matches a list of search sites AND Medium matches regex "
                    "^(.*cp.*|ppc|retargeting|paid.*)$",
                    [(landing("google", "cpc"), None), (landing("bing", "ppc"), None),
                     (landing("duckduckgo", "paid_search"), None), (landing("yahoo", "retargeting"), None),
                     (landing(gclid="Cj0KCQ"), None),
                     (landing("google", "cpc", "workshop"), None)]),  # 'k' before 'shop': no shopping campaign
    "Paid Social": ("Source matches a regex list of social sites AND Medium matches regex "
                    "^(.*cp.*|ppc|retargeting|paid.*)$",
                    [(landing("facebook", "cpc"), None), (landing("tiktok", "paid"), None),
                     (landing("instagram", "paid_social"), None), (landing("t.co", "cpm_boost"), None)]),
    "Paid Video": ("Source matches a list of video sites AND Medium matches regex ^(.*cp.*|ppc|retargeting|paid.*)$",
                   [(landing("youtube", "cpc"), None), (landing("vimeo.com", "paid_video"), None)]),
    "Display": ('Medium is one of ("display", "banner", "expandable", "interstitial", "cpm")',
                [(landing("criteo", "display"), None), (landing("google", "banner"), None),
                 (landing(medium="expandable"), None), (landing("google", "interstitial"), None),
                 (landing("dv360", "cpm"), None)]),
    "Paid Other": ("Medium matches regex ^(.*cp.*|ppc|retargeting|paid.*)$",
                   [(landing("taboola", "cpc"), None), (landing(medium="paidsocial"), None),
                    (landing("quorum", "ppc"), None), (landing("5ad0eb", "retargeting"), None)]),
    "Organic Shopping": ("Source matches a list of shopping sites OR Campaign name matches regex "
                         "^(.*(([^a-df-z]|^)shop|shopping).*)$",
                         [(SHOP, "https://www.amazon.com/"), (SHOP, "https://shop.app/"),
                          (landing("ebay", "listing"), None), (landing("newsletter", "email", "shop-now"), None)]),
    "Organic Social": ('Source matches a regex list of social sites OR Medium is one of ("social", "social-network", '
                       '"social-media", "sm", "social network", "social media")',
                       [(SHOP, "https://l.facebook.com/"), (SHOP, "https://t.co/abc"), (landing("instagram"), None),
                        (landing("linktr", "social"), None), (landing("x", "social-network"), None),
                        (landing("x", "social-media"), None), (landing("x", "sm"), None),
                        (landing("x", "social network"), None), (landing("x", "social media"), None)]),
    "Organic Video": ("Source matches a list of video sites OR Medium matches regex ^(.*video.*)$",
                      [(SHOP, "https://www.youtube.com/watch?v=1"), (SHOP, "https://vimeo.com/"),
                       (landing("newsletter", "video"), None), (landing("brand", "explainer-video"), None)]),
    "Organic Search": ("Source matches a list of search sites OR Medium exactly matches organic",
                       [(SHOP, "https://www.google.com/"), (SHOP, "https://duckduckgo.com/"),
                        (landing(medium="organic"), None), (landing("rakuten", "affiliate"), None)]),
    "Referral": ('Medium is one of ("referral", "app", or "link")',
                 [(SHOP, "https://www.sleepfoundation.org/"), (SHOP, "https://x.com/"),  # x.com: not in Google's list
                  (landing("partner", "referral"), None),
                  (landing("ios", "app"), None), (landing("bio", "link"), None)]),
    "Email": ("Source = email|e-mail|e_mail|e mail OR Medium = email|e-mail|e_mail|e mail",
              [(landing("klaviyo", "email"), None), (landing("klaviyo", "E-Mail"), None),
               (landing("x", "e_mail"), None), (landing("x", "e mail"), None), (landing("email", "welcome"), None),
               (landing("e-mail"), None)]),
    "Affiliates": ('Medium = affiliate', [(landing("impact", "affiliate"), None), (landing(medium="Affiliate"), None)]),
    "Audio": ("Medium exactly matches audio", [(landing("spotify", "audio"), None)]),
    "SMS": ("Source exactly matches sms OR Medium exactly matches sms",
            [(landing("attentive", "sms"), None), (landing("sms", "text"), None), (landing("SMS"), None)]),
    "Mobile Push Notifications": ('Medium ends with "push" OR Medium contains "mobile" or "notification" OR Source '
                                  'exactly matches "firebase"',
                                  [(landing("onesignal", "web-push"), None), (landing("braze", "mobile"), None),
                                   (landing("x", "in-app-notification"), None), (landing("firebase", "fcm"), None),
                                   (landing("x", "push"), None)]),
    "Unassigned": ("Unassigned is the value Analytics uses when there are no other channel rules that match",
                   [(landing("5AD0EB", "9F1C2A"), "https://www.google.com/"), (landing("podcast"), None),
                    (landing("qr", "print"), None), (landing("x", "affiliates"), None),
                    (landing("x", "emails"), None), (landing("x", "smsbump"), None), (landing("chatgpt.com"), None)]),
}

# The grid of the table-driven test: sources of each category and none, media and campaigns of every rule.
GRID_SOURCES = ("google", "bing", "facebook", "instagram", "tiktok", "youtube", "amazon", "shop.app", "email", "sms",
                "firebase", "klaviyo", "taboola", "(direct)", "5ad0eb")
GRID_MEDIA = ("cpc", "ppc", "paid", "paid_social", "retargeting", "xcpx", "display", "banner", "cpm", "organic",
              "social", "sm", "social media", "video", "referral", "app", "link", "email", "e-mail", "affiliate",
              "affiliates", "audio", "sms", "push", "web-push", "mobile", "notification", "(none)", "(not set)",
              "9f1c2a")
GRID_CAMPAIGNS = ("(not set)", "spring", "shopping-beds", "workshop", "pmax-cross-network")

CASES = sorted({(url, referrer) for _, url, referrer, _ in DERIVATION}
               | {example for _, examples in GA4.values() for example in examples}
               | {(landing(*combination), None) for combination in itertools.product(
                   GRID_SOURCES, GRID_MEDIA, [None if campaign == "(not set)" else campaign
                                              for campaign in GRID_CAMPAIGNS])},
               key=lambda case: (case[0], case[1] or ""))
CLIENT = {case: f"c{n}" for n, case in enumerate(CASES)}


@pytest.fixture(scope="module")
def sessions(tmp_path_factory) -> dict[tuple[str, str | None], tuple]:
    """Every case as its client's only session, in one warehouse: (url, referrer) -> (source, medium, campaign,
    source_category, channel)."""
    with duckdb.connect(str(tmp_path_factory.mktemp("channels") / "warehouse.duckdb")) as con:
        migrate(con)
        insert(con, [event(CLIENT[case], at(0), url=case[0], referrer=case[1]) for case in CASES])
        run_transform(con, Settings(data_dir=tmp_path_factory.mktemp("data")), None, full_refresh=True)
        rows = con.execute("SELECT client_id, source, medium, campaign, source_category, channel FROM sessions")
        found = {client: tuple(values) for client, *values in rows.fetchall()}
    return {case: found[CLIENT[case]] for case in CASES}


@pytest.mark.parametrize(("url", "referrer", "expected"), [case[1:] for case in DERIVATION],
                         ids=[case[0] for case in DERIVATION])
def test_source_medium_and_campaign_are_derived_as_ga4_does(sessions, url, referrer, expected):
    assert sessions[url, referrer][:3] == expected


def test_the_source_category_is_googles_for_the_derived_source(sessions):
    assert sessions[landing("facebook", "cpc"), None][3] == "SOURCE_CATEGORY_SOCIAL"
    assert sessions[SHOP, "https://www.google.com/search?q=mattress"][3] == "SOURCE_CATEGORY_SEARCH"
    assert sessions[SHOP, "https://www.amazon.com/"][3] == "SOURCE_CATEGORY_SHOPPING"
    assert sessions[SHOP, "https://www.youtube.com/watch?v=1"][3] == "SOURCE_CATEGORY_VIDEO"
    assert sessions[SHOP, "https://www.sleepfoundation.org/"][3] is None


@pytest.mark.parametrize(("channel", "url", "referrer"),
                         [(channel, *example) for channel, (_, examples) in GA4.items() for example in examples],
                         ids=[f"{channel}-{n}" for channel, (_, examples) in GA4.items() for n in range(len(examples))])
def test_each_channel_by_googles_definition(sessions, channel, url, referrer):
    assert sessions[url, referrer][4] == channel, GA4[channel][0]


def test_the_issues_examples(sessions):
    assert sessions[landing("facebook", "cpc"), None][4] == "Paid Social"  # Meta ads
    assert sessions[landing(medium="organic"), None][4] == "Organic Search"
    assert sessions[landing("tiktok", "paid"), None][4] == "Paid Social"


def test_every_combination_of_the_grid_gets_googles_channel(sessions):
    grid = itertools.product(GRID_SOURCES, GRID_MEDIA, GRID_CAMPAIGNS)
    wrong = {}
    for source, medium, campaign in grid:
        found = sessions[landing(source, medium, None if campaign == "(not set)" else campaign), None][4]
        expected = default_channel(source, medium, campaign)
        if found != expected:
            wrong[source, medium, campaign] = (found, expected)
    assert wrong == {}
    assert len(GRID_SOURCES) * len(GRID_MEDIA) * len(GRID_CAMPAIGNS) == 2250


def test_the_grid_reaches_every_channel(sessions):
    assert {channel for *_, channel in sessions.values()} == set(CHANNELS)


def test_the_rules_are_googles_nineteen_channels_in_googles_order():
    channels = list(dict.fromkeys(condition.channel for condition in sorted(
        read_channel_rules(GA4_CHANNEL_GROUP), key=lambda c: c.priority)))
    assert channels + ["Unassigned"] == list(CHANNELS)


def test_the_channel_comes_from_the_first_event_only(build):
    con = build([event("c1", at(0), url=SHOP, referrer=None),
                 event("c1", at(60), url=landing("google", "cpc"), referrer="https://www.google.com/")])
    assert con.execute("SELECT source, medium, channel FROM sessions").fetchall() == [("(direct)", "(none)", "Direct")]
