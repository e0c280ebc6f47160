"""Incremental runs: after every load of a partition, the tables equal a full rebuild from scratch."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import duckdb
import pytest
from transform_helpers import CHROME, GOOGLEBOT, IPHONE, event, insert

from clickstream.transform import run_transform
from clickstream.warehouse import migrate

DAYS = [date(2025, 2, 23) + timedelta(days=n) for n in range(14)]
SHOP = "https://puffy.com/"
# Persistent tables an incremental run maintains; stg_urls and dim_user_agents are lookup caches.
TABLES = ("int_client_identity", "sessions", "orders", "order_items", "attribution", "funnel_daily", "daily_kpis",
          "dim_users")  # fmt: skip


def sample_files(seed: int = 5, clients: int = 60) -> dict[date, list[dict]]:
    """14 daily files: shared and changing emails, bots, orders with colliding transaction ids,
    sessions across midnight, events delivered a day late or by two files."""
    rng = random.Random(seed)
    files: dict[date, list[dict]] = {day: [] for day in DAYS}
    for n in range(clients):
        client = f"c{n}"
        agent = GOOGLEBOT if n % 11 == 0 else rng.choice([IPHONE, CHROME])
        emails = [f"p{n // 2}@x.com", f"p{n // 2 + 1}@x.com"] if rng.random() < 0.6 else []
        for _visit in range(rng.randint(1, 4)):
            moment = datetime(2025, 2, 23, tzinfo=UTC) + timedelta(seconds=rng.randrange(14 * 86400))
            for _step in range(rng.randint(1, 6)):
                moment += timedelta(seconds=rng.choice([1, 60, 900, 1799, 1800, 5400]))
                day = moment.date()
                if day > DAYS[-1]:
                    break
                row = _random_event(rng, client, moment, agent, emails)
                late = rng.random()
                owner = day + timedelta(days=1) if late < 0.1 and day < DAYS[-1] else day
                files[owner].append(row)
                if late > 0.93 and day < DAYS[-1]:
                    files[day + timedelta(days=1)].append(row)
    return files


def _random_event(rng: random.Random, client: str, moment: datetime, agent: str, emails: list[str]) -> dict:
    name = rng.choices(
        ["page_viewed", "product_added_to_cart", "checkout_started", "email_filled_on_popup", "checkout_completed"],
        weights=[10, 3, 2, 2, 2],
    )[0]
    url = rng.choice([SHOP, SHOP + "p?utm_medium=cpc", SHOP + "p?utm_medium=email", SHOP + "?utm_source=5AD0EB"])
    referrer = rng.choice(
        [None, None, "https://www.google.com/", "https://l.facebook.com/", SHOP + "x", "https://a.b/"]
    )
    data: dict = {}
    if name == "email_filled_on_popup" and emails:
        data = {"user_email": rng.choice(emails)}
    if name == "checkout_completed":
        price = rng.choice([100, 250.5, 999.99])
        quantity = rng.choice([1, 2])
        data = {
            "transaction_id": f"T{rng.randrange(4)}",
            "revenue": rng.choice([price * quantity, price, str(price * quantity)]),
            "items": [{"item_id": "m", "item_name": "Mattress", "item_price": price, "quantity": quantity}],
        }
    return event(client, moment, name, url=url, referrer=referrer, data=data, user_agent=agent)


def raw_rows(files: dict[date, list[dict]], loaded: set[date]) -> list[dict]:
    """raw_events as the loader leaves it: each event owned by the earliest loaded partition delivering it."""
    owned: dict[str, dict] = {}
    for day in sorted(loaded):
        for row in files[day]:
            owned.setdefault(row["event_id"], row | {"partition_date": day})
    return list(owned.values())


def publish(con: duckdb.DuckDBPyConnection, rows: list[dict]) -> None:
    con.execute("DELETE FROM raw_events")
    insert(con, rows)


def snapshot(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple]]:
    tables = {name: con.execute(f"SELECT * FROM {name} ORDER BY ALL").fetchall() for name in TABLES}
    tables["attribution"] = con.execute(
        "SELECT * REPLACE (round(credit, 12) AS credit, round(revenue_credit, 9) AS revenue_credit) "
        "FROM attribution ORDER BY ALL"
    ).fetchall()
    return tables


@pytest.fixture
def full_rebuild(tmp_path, transform_settings):
    """The tables a full rebuild from scratch makes of given raw_events rows, in a second warehouse."""
    with duckdb.connect(str(tmp_path / "reference.duckdb")) as reference:
        migrate(reference)

        def _full_rebuild(rows: list[dict]) -> dict[str, list[tuple]]:
            publish(reference, rows)
            run_transform(reference, transform_settings, None, full_refresh=True)
            return snapshot(reference)

        yield _full_rebuild


@pytest.fixture(scope="module")
def files():
    return sample_files()


def test_the_sample_exercises_what_incremental_runs_must_handle(files):
    everything = [row for day in DAYS for row in files[day]]
    ids = [row["event_id"] for row in everything]
    assert len(ids) - len(set(ids)) > 5  # delivered by two files
    assert sum(row["event_at"].date() != day for day in DAYS for row in files[day]) > 5  # late
    assert sum(row["event_name"] == "checkout_completed" for row in everything) > 20
    assert any(row["user_agent"] == GOOGLEBOT for row in everything)


def test_loading_days_in_order_equals_a_full_rebuild_after_every_day(con, transform_settings, full_rebuild, files):
    loaded: set[date] = set()
    for number, day in enumerate(DAYS):
        loaded.add(day)
        rows = raw_rows(files, loaded)
        publish(con, rows)
        summary = run_transform(con, transform_settings, day)
        assert summary["mode"] == ("full" if number == 0 else "incremental")
        assert snapshot(con) == full_rebuild(rows), day


@pytest.mark.parametrize("order_seed", [1, 2])
def test_loading_days_out_of_order_equals_a_full_rebuild(con, transform_settings, full_rebuild, files, order_seed):
    days = DAYS.copy()
    random.Random(order_seed).shuffle(days)
    loaded: set[date] = set()
    for day in days:
        loaded.add(day)
        publish(con, raw_rows(files, loaded))
        run_transform(con, transform_settings, day)
    rows = raw_rows(files, loaded)
    assert snapshot(con)["sessions"]
    assert snapshot(con) == full_rebuild(rows)


@pytest.mark.parametrize("batches", [[4, 3, 5], [1, 10, 1]])
def test_transforming_several_loaded_days_at_once_equals_a_full_rebuild(con, transform_settings, full_rebuild,
                                                                         files, batches):
    loaded: set[date] = set()
    remaining = DAYS.copy()
    for size in batches:
        batch, remaining = remaining[:size], remaining[size:]
        loaded.update(batch)
        publish(con, raw_rows(files, loaded))
        summary = run_transform(con, transform_settings, batch)
        assert summary["partition_dates"] == [day.isoformat() for day in batch]
        assert snapshot(con) == full_rebuild(raw_rows(files, loaded)), batch


def test_rerunning_a_day_changes_nothing(con, transform_settings, files):
    publish(con, raw_rows(files, set(DAYS)))
    run_transform(con, transform_settings, None)
    before = snapshot(con)
    summary = run_transform(con, transform_settings, DAYS[5])
    assert summary["mode"] == "incremental"
    assert snapshot(con) == before


def rows_written(summary: dict) -> dict[str, tuple[int, int]]:
    """(deleted, inserted) per table an incremental run updated."""
    return {entry["model"]: (entry["deleted"], entry["inserted"]) for entry in summary["models"] if "deleted" in entry}


def test_rerunning_a_day_writes_no_row(con, transform_settings, files):
    publish(con, raw_rows(files, set(DAYS)))
    run_transform(con, transform_settings, None)
    summary = run_transform(con, transform_settings, DAYS[5])
    assert rows_written(summary) == dict.fromkeys([*TABLES, "stg_urls"], (0, 0))


def test_a_new_day_writes_its_new_rows_and_keeps_the_unchanged_ones(con, transform_settings):
    first = [event("c1", datetime(2025, 2, 23, 9, tzinfo=UTC)), event("c2", datetime(2025, 2, 23, 9, tzinfo=UTC))]
    second = [event("c1", datetime(2025, 2, 24, 9, tzinfo=UTC))]
    publish(con, raw_rows({DAYS[0]: first}, {DAYS[0]}))
    run_transform(con, transform_settings, None)
    publish(con, raw_rows({DAYS[0]: first, DAYS[1]: second}, {DAYS[0], DAYS[1]}))
    summary = run_transform(con, transform_settings, DAYS[1])
    written = rows_written(summary)
    # c1's new session is inserted; its first session, and c2's, stay. c1's last-seen time changes.
    assert (written["sessions"], written["int_client_identity"], written["dim_users"]) == ((0, 1), (1, 1), (1, 1))
    assert con.execute("SELECT client_id, count(*) FROM sessions GROUP BY ALL ORDER BY ALL").fetchall() == [
        ("c1", 2), ("c2", 1)]


def test_reloading_a_day_whose_file_lost_events_equals_a_full_rebuild(con, transform_settings, full_rebuild, files):
    publish(con, raw_rows(files, set(DAYS)))
    run_transform(con, transform_settings, None)
    day = DAYS[6]
    dropped = {row["client_id"] for row in files[day][::2]}
    shrunk = files | {day: [row for row in files[day] if row["client_id"] not in dropped]}
    rows = raw_rows(shrunk, set(DAYS))
    publish(con, rows)
    run_transform(con, transform_settings, day)
    assert snapshot(con) == full_rebuild(rows)


def test_a_reload_dropping_a_clients_latest_email_returns_it_to_its_previous_user(
    con, transform_settings, full_rebuild
):
    day1, day2 = DAYS[0], DAYS[1]
    first = [
        event("c1", datetime(2025, 2, 23, 9, tzinfo=UTC), "email_filled_on_popup", data={"user_email": "old@x.com"}),
        event("c2", datetime(2025, 2, 23, 10, tzinfo=UTC), "email_filled_on_popup", data={"user_email": "old@x.com"}),
    ]
    second = [
        event("c1", datetime(2025, 2, 24, 9, tzinfo=UTC), "email_filled_on_popup", data={"user_email": "new@x.com"}),
        event("c1", datetime(2025, 2, 24, 12, tzinfo=UTC)),
    ]
    files = {day1: first, day2: second}
    publish(con, raw_rows(files, {day1, day2}))
    run_transform(con, transform_settings, None)
    assert con.execute("SELECT user_id, devices FROM dim_users ORDER BY 1").fetchall() == [
        ("new@x.com", 1),
        ("old@x.com", 1),
    ]
    rows = raw_rows(files | {day2: second[1:]}, {day1, day2})
    publish(con, rows)
    assert run_transform(con, transform_settings, day2)["mode"] == "incremental"
    assert con.execute("SELECT user_id, devices FROM dim_users").fetchall() == [("old@x.com", 2)]
    assert snapshot(con) == full_rebuild(rows)
