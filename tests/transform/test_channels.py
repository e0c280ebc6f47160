"""Channel of a session: the first rule its first event matches, in priority order (sql/staging/channel_rules.sql)."""

from __future__ import annotations

import duckdb
import pytest
from transform_helpers import at, event, insert, rows

from clickstream.settings import Settings
from clickstream.transform import run_transform
from clickstream.warehouse import migrate

SHOP = "https://www.puffy.com/mattress"


CASES = [
    (SHOP + "?utm_source=x&utm_medium=cpc", None, "Paid Search"),
    (SHOP + "?utm_medium=ppc", None, "Paid Search"),
    (SHOP + "?utm_medium=paidsearch", None, "Paid Search"),
    (SHOP + "?utm_medium=Paid_Search", None, "Paid Search"),
    (SHOP + "?gclid=Cj0KCQ", "https://www.google.com/", "Paid Search"),
    (SHOP + "?utm_medium=email&gclid=abc", None, "Paid Search"),
    (SHOP + "?utm_medium=paid_social", None, "Paid Social"),
    (SHOP + "?utm_medium=paidsocial", None, "Paid Social"),
    (SHOP + "?utm_medium=email", None, "Email"),
    (SHOP + "?utm_medium=e-mail", None, "Email"),
    (SHOP + "?utm_medium=newsletter", None, "Email"),
    (SHOP + "?utm_medium=affiliate", None, "Affiliates"),
    (SHOP + "?utm_medium=affiliates", None, "Affiliates"),
    (SHOP + "?utm_medium=display", None, "Display"),
    (SHOP + "?utm_medium=banner", None, "Display"),
    (SHOP + "?utm_medium=cpm", None, "Display"),
    (SHOP + "?utm_medium=social", None, "Organic Social"),
    (SHOP + "?utm_medium=social-network", None, "Organic Social"),
    (SHOP + "?utm_medium=social-media", None, "Organic Social"),
    (SHOP + "?utm_medium=sm", None, "Organic Social"),
    (SHOP + "?utm_medium=organic_social", None, "Organic Social"),
    (SHOP + "?utm_source=5AD0EB&utm_medium=9F1C2A", "https://www.google.com/", "Unassigned"),
    (SHOP + "?utm_campaign=spring", None, "Unassigned"),
    (SHOP + "?utm_source=5AD0EB", "https://facebook.com/", "Unassigned"),
    (SHOP, "https://www.google.com/search?q=mattress", "Organic Search"),
    (SHOP, "https://google.co.uk/", "Organic Search"),
    (SHOP, "https://www.bing.com/search", "Organic Search"),
    (SHOP, "https://search.yahoo.com/", "Referral"),
    (SHOP, "https://yahoo.co.jp/", "Organic Search"),
    (SHOP, "https://duckduckgo.com/", "Organic Search"),
    (SHOP, "https://www.baidu.com/s?wd=x", "Organic Search"),
    (SHOP, "https://yandex.ru/search", "Organic Search"),
    (SHOP, "https://www.facebook.com/", "Organic Social"),
    (SHOP, "https://l.facebook.com/l.php?u=x", "Organic Social"),
    (SHOP, "https://m.facebook.com/", "Organic Social"),
    (SHOP, "https://www.instagram.com/", "Organic Social"),
    (SHOP, "https://t.co/abc", "Organic Social"),
    (SHOP, "https://twitter.com/", "Organic Social"),
    (SHOP, "https://x.com/", "Organic Social"),
    (SHOP, "https://www.pinterest.com/", "Organic Social"),
    (SHOP, "https://www.tiktok.com/", "Organic Social"),
    (SHOP, "https://www.linkedin.com/", "Organic Social"),
    (SHOP, "https://www.reddit.com/r/sleep", "Organic Social"),
    (SHOP, "https://www.youtube.com/watch?v=1", "Organic Social"),
    (SHOP, None, "Direct"),
    (SHOP, "https://puffy.com/cart", "Direct"),
    (SHOP, "https://www.puffy.com/", "Direct"),
    (SHOP, "https://shop.puffy.com/", "Referral"),
    (SHOP, "https://a1b2c3.example/", "Referral"),
    (SHOP + "?utm_term=x", "https://a1b2c3.example/", "Referral"),
]


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    """One warehouse for all cases: case n is client cn's only session."""
    with duckdb.connect(str(tmp_path_factory.mktemp("channels") / "warehouse.duckdb")) as con:
        migrate(con)
        insert(con, [event(f"c{n}", at(0), url=url, referrer=ref) for n, (url, ref, _) in enumerate(CASES)])
        run_transform(con, Settings(data_dir=tmp_path_factory.mktemp("data")), None, full_refresh=True)
        yield con


@pytest.mark.parametrize(("case", "page_url", "referrer", "channel"), [(n, *case) for n, case in enumerate(CASES)])
def test_channel_rule(warehouse, case, page_url, referrer, channel):
    assert rows(warehouse, "SELECT channel FROM sessions WHERE client_id = ?", [f"c{case}"]) == [(channel,)]


def test_the_channel_comes_from_the_first_event_only(build):
    con = build(
        [
            event("c1", at(0), url=SHOP, referrer=None),
            event("c1", at(60), url=SHOP + "?utm_medium=cpc", referrer="https://www.google.com/"),
        ]
    )
    assert rows(con, "SELECT channel FROM sessions") == [("Direct",)]


def test_every_rule_names_one_of_the_ten_channels(build):
    con = build([])
    channels = {row[0] for row in rows(con, "SELECT DISTINCT channel FROM channel_rules")}
    assert channels == {
        "Paid Search", "Paid Social", "Email", "Affiliates", "Display",
        "Organic Social", "Unassigned", "Organic Search", "Direct", "Referral",
    }  # fmt: skip
