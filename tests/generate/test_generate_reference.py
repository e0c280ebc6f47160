"""The reference on hand-made files and journeys: each rule of issues 4 and 5 on its own."""

from __future__ import annotations

import csv
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from pathlib import Path

import pytest

from clickstream.generate.attribution import credits
from clickstream.generate.channels import channel
from clickstream.generate.reference import is_bot, truth

GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
PHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_3 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148"
DESKTOP = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/133.0.0.0"
ORDER = '{"transaction_id": "T1", "revenue": 100.0, "user_email": "a@x.com", "items": []}'


def write(path: Path, header: list[str], rows: list[list[str]], bom: bool = False) -> Path:
    with path.open("w", newline="", encoding="utf-8-sig" if bom else "utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


@pytest.fixture
def hand_made(tmp_path: Path) -> dict:
    columns = ["client_id", "page_url", "referrer", "timestamp", "event_name", "event_data", "user_agent"]
    landing = ["A", "https://puffy.com/?gclid=x", "", "2025-03-01T10:00:00.000Z", "page_viewed",
               "", PHONE]
    first = write(tmp_path / "events_2025-03-01.csv", columns, [
        ["B", "https://puffy.com/", "", "2025-03-01T07:59:30.000Z", "page_viewed", "null", DESKTOP],
        ["B", "https://puffy.com/", "", "2025-03-01T08:00:00.000Z", "email_filled_on_popup",
         '{"user_email": "a@x.com"}', DESKTOP],
        landing,
        [" A ", landing[1], "", "2025-03-01T10:00:00+00:00", "PAGE_VIEWED", "{}", PHONE],  # the same event
        ["A", "https://puffy.com/cart", "", "2025-03-01T10:29:59.000Z", "page_viewed", "", PHONE],  # +1799 s
        ["A", "https://puffy.com/", "https://www.google.com/", "2025-03-01 10:59:59", "page_viewed", "", PHONE],
        ["A", "https://puffy.com/checkouts/cn/1/thank-you", "", "2025-03-01T11:05:00.000Z", "checkout_completed",
         ORDER, PHONE],
        ["G", "https://puffy.com/", "", "2025-03-01T12:00:00.000Z", "page_viewed", "", GOOGLEBOT],
        ["", "https://puffy.com/", "", "2025-03-01T12:00:00.000Z", "page_viewed", "", PHONE],
    ])
    second = write(tmp_path / "events_2025-03-02.csv",
                   ["clientId", "pageUrl", "referrer", "timestamp", "eventName", "eventData", "userAgent"], [
                       landing,  # re-delivered: kept in 2025-03-01
                       ["C", "https://puffy.com/", "https://www.reddit.com/r/Mattress/", "2025-03-01T23:59:00.000Z",
                        "page_viewed", "", PHONE],  # late: valid, in the window
                   ], bom=True)
    return truth([second, first])


def test_rows_duplicates_and_partitions(hand_made: dict) -> None:
    assert hand_made["rows_written"] == 11
    assert hand_made["quarantined_by_reason"]["missing_client_id"] == 1 and hand_made["quarantined_rows"] == 1
    assert hand_made["duplicates_dropped"] == 2 and hand_made["unique_valid_events"] == 8
    assert hand_made["partitions"]["2025-03-01"]["loaded"] == 7
    assert hand_made["partitions"]["2025-03-02"] | {"file": ""} == {
        "file": "", "rows": 2, "quarantined": 0, "quarantined_by_reason": {}, "duplicates": 1, "loaded": 1,
        "bot_events": 0}


def test_sessions_identity_and_channels(hand_made: dict) -> None:
    assert hand_made["bot_events"] == 1
    assert hand_made["sessions"] == 4, "B, A before and after the 1800 s gap, C; the bot makes none"
    assert hand_made["users"] == 2, "A and B share an email"
    by_channel = {name: count for name, count in hand_made["sessions_by_channel"].items() if count}
    assert by_channel == {"Direct": 1, "Paid Search": 1, "Organic Search": 1, "Organic Social": 1}
    assert hand_made["checks"]["boundary_gaps_1799s"] == 1 and hand_made["checks"]["boundary_gaps_1800s"] == 1
    assert {k: v for k, v in hand_made["funnel"].items() if k != "by_day"} == {
        "page_viewed": 4, "product_added_to_cart": 0, "checkout_started": 0, "converted": 1}


def test_attribution_over_both_devices(hand_made: dict) -> None:
    assert hand_made["orders"] == 1 and hand_made["revenue"] == 100.0
    credited = {model: {name: value for name, value in by_channel.items() if value}
                for model, by_channel in hand_made["attribution"].items()}
    assert credited["first_touch"] == {"Direct": 100.0}
    assert credited["last_touch"] == {"Organic Search": 100.0}
    assert credited["linear"] == {"Direct": 33.33, "Paid Search": 33.33, "Organic Search": 33.33}
    assert credited["position_based"] == {"Direct": 40.0, "Paid Search": 20.0, "Organic Search": 40.0}
    assert credited["last_non_direct"] == {"Organic Search": 100.0}
    decay = credited["time_decay"]
    assert decay["Direct"] < decay["Paid Search"] < decay["Organic Search"]
    assert sum(decay.values()) == pytest.approx(100.0, abs=0.015)


@pytest.mark.parametrize(("page_url", "referrer", "expected"), [
    ("https://puffy.com/?utm_source=google&utm_medium=CPC", "", "Paid Search"),
    ("https://puffy.com/?gclid=abc", "https://www.google.com/", "Paid Search"),  # google / cpc
    ("https://puffy.com/?utm_source=5AD0EB&utm_medium=3F9A1C&gclid=abc", "", "Unassigned"),  # UTM values first
    ("https://puffy.com/?utm_source=facebook&utm_medium=cpc", "", "Paid Social"),
    ("https://puffy.com/?utm_medium=paidsocial", "https://l.facebook.com/", "Paid Other"),  # (not set) / paidsocial
    ("https://puffy.com/?utm_source=google&utm_medium=cpc&utm_campaign=shopping-beds", "", "Paid Shopping"),
    ("https://puffy.com/?utm_source=google&utm_medium=cpc&utm_campaign=pmax-cross-network", "", "Cross-network"),
    ("https://puffy.com/?utm_medium=e-mail", "", "Email"),
    ("https://puffy.com/?utm_medium=affiliate", "https://a41f9c.com/", "Affiliates"),
    ("https://puffy.com/?utm_medium=affiliates", "https://a41f9c.com/", "Unassigned"),  # GA4: exactly affiliate
    ("https://puffy.com/?utm_source=rakuten&utm_medium=affiliate", "", "Organic Search"),  # Google lists rakuten
    ("https://puffy.com/?utm_medium=cpm", "", "Display"),
    ("https://puffy.com/?utm_medium=social-network", "", "Organic Social"),
    ("https://puffy.com/?utm_source=5AD0EB&utm_medium=3F9A1C", "https://www.google.com/", "Unassigned"),
    ("https://puffy.com/?utm_source=podcast", "", "Unassigned"),
    ("https://puffy.com/?utm_source=attentive&utm_medium=sms", "", "SMS"),
    ("https://puffy.com/?utm_source=onesignal&utm_medium=web-push", "", "Mobile Push Notifications"),
    ("https://puffy.com/?utm_source=spotify&utm_medium=audio", "", "Audio"),
    ("https://puffy.com/", "https://www.google.co.uk/", "Organic Search"),
    ("https://puffy.com/", "https://yandex.ru/", "Organic Search"),
    ("https://puffy.com/", "https://m.facebook.com/", "Organic Social"),
    ("https://puffy.com/", "https://t.co/x", "Organic Social"),
    ("https://puffy.com/", "https://x.com/", "Referral"),  # not in Google's list
    ("https://puffy.com/", "https://m.youtube.com/", "Organic Video"),
    ("https://puffy.com/", "https://shop.app/", "Organic Shopping"),
    ("https://puffy.com/", None, "Direct"),
    ("https://puffy.com/", "https://www.puffy.com/cart", "Direct"),
    ("https://puffy.com/", "https://www.sleepfoundation.org/best-mattress", "Referral"),
])
def test_channel_rules(page_url: str, referrer: str | None, expected: str) -> None:
    assert channel(page_url, referrer or None) == expected


ORDERED = datetime(2025, 3, 8, tzinfo=UTC)
JOURNEY = [(ORDERED - timedelta(days=days), name) for days, name in ((6, "Email"), (3, "Direct"), (2, "Paid Search"),
                                                                     (0, "Direct"))]


@pytest.mark.parametrize(("model", "expected"), [
    ("first_touch", [1, 0, 0, 0]),
    ("last_touch", [0, 0, 0, 1]),
    ("linear", [Fraction(1, 4)] * 4),
    ("position_based", [Fraction(2, 5), Fraction(1, 10), Fraction(1, 10), Fraction(2, 5)]),
    ("last_non_direct", [0, 0, 1, 0]),
])
def test_rule_based_credits(model: str, expected: list) -> None:
    assert credits(model, JOURNEY, ORDERED, 7.0) == expected


def test_position_based_with_one_or_two_sessions_and_time_decay() -> None:
    assert credits("position_based", JOURNEY[:1], ORDERED, 7.0) == [1]
    assert credits("position_based", JOURNEY[:2], ORDERED, 7.0) == [Fraction(1, 2)] * 2
    assert credits("last_non_direct", [JOURNEY[1], JOURNEY[3]], ORDERED, 7.0) == [0, 1]
    decay = credits("time_decay", [JOURNEY[0], JOURNEY[3]], ORDERED, 7.0)
    assert decay[1] / decay[0] == pytest.approx(2 ** (6 / 7)) and sum(decay) == pytest.approx(1)


def test_bots_by_word_or_by_the_crawler_list() -> None:
    assert is_bot(GOOGLEBOT) and is_bot("some-Spider/1.0")
    assert is_bot("facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)")
    assert not is_bot(PHONE) and not is_bot(None)


def test_the_truths_modules_import_one_way_reference_then_marts():
    """marts builds on the events reference reads; it never reaches back (no import circle)."""
    code = ("import sys; import clickstream.generate.marts; "
            "print('clickstream.generate.reference' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
