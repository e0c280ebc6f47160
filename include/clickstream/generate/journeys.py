"""Sessions as people and crawlers make them: the valid events of every session starting on a day.

A human session lands from a traffic source, views a page or a few (most sessions are a single
page view, as in the real export), may fill in the email pop-up and may go down the funnel
page_viewed -> product_added_to_cart -> checkout_started -> checkout_completed (sometimes named
``purchase``). Crawlers read many pages fast. A few sessions are planned rather than drawn, so
every day has what the tests need: gaps of exactly 1799 s and 1800 s between two events of one
client, a session crossing midnight, and (once a run) the real export's outlier order.

Speed: sessions are drawn in numpy arrays and the page-view-only ones (over nine in ten) are
expanded into events by numpy and Polars; only sessions with a pop-up or a basket are built row
by row in Python.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from random import Random

import numpy as np
import polars as pl

from clickstream.generate import sources
from clickstream.generate.catalogue import (
    ACCESSORIES,
    BROWSE_PAGES,
    CART_PAGE,
    CRAWLER_AGENTS,
    MATTRESSES,
    PRODUCT_PAGES,
    SHOP,
    WHALE_ITEM,
    WHALE_QUANTITY,
    Item,
)
from clickstream.generate.draw import Weighted
from clickstream.generate.people import AGENTS, Population, email, mix64, uuid_texts, visitors
from clickstream.generate.profiles import Profile
from clickstream.generate.rows import AGENT, BOT, CONVERSION, DAY_MS, PROTECTED, URL, frame_of, new_row

RETURNING_SHARE = 0.6
SINGLE_PAGE_SHARE = 0.85
BOT_EVENT_SHARE = 0.025
_HUMAN_EVENTS_PER_SESSION, _BOT_EVENTS_PER_SESSION = 1.4, 16.5
BOT_SESSION_SHARE = BOT_EVENT_SHARE * _HUMAN_EVENTS_PER_SESSION / (_BOT_EVENTS_PER_SESSION * (1 - BOT_EVENT_SHARE))
POPUP = (0.05, 0.25)  # per session of someone who identifies, with one device vs two
ADD_TO_CART = (0.035, 0.075)  # per session, new vs returning visitor
CHECKOUT_AFTER_CART = 0.38
CONVERSION_AFTER_CHECKOUT = 0.42
PURCHASE_NAME_SHARE = 0.08  # conversions named `purchase` instead of `checkout_completed`
EMAIL_ON_ORDER = 0.75
REFERRER_KEPT = 0.25  # later page views that report the previous page as referrer
BOUNDARY_GAPS_MS = (1_799_000, 1_800_000)
CHUNK_SESSIONS = 250_000  # sessions drawn at once: bounds the intermediate arrays of a big day
# Sessions by start hour (UTC): a US shop, busiest in the American evening.
_HOUR = Weighted([(hour * 3_600_000, w) for hour, w in enumerate(
    (9, 9, 8, 7, 5, 4, 3, 2, 2, 2, 2, 3, 4, 5, 6, 6, 6, 6, 6, 7, 7, 8, 8, 9))])
_VIEW_DATA = Weighted((("", 60), ("null", 25), ("{}", 15)))  # page views carry no data, spelled three ways
_CRAWLER = Weighted(CRAWLER_AGENTS)
_BASKET_SIZE = Weighted(((1, 70), (2, 25), (3, 5)))
_ACCESSORY_QUANTITY = Weighted(((1, 60), (2, 35), (4, 5)))
_NEXT_URLS = tuple(SHOP + path for path in BROWSE_PAGES + PRODUCT_PAGES + PRODUCT_PAGES[:4])


@dataclass
class _Humans:
    """Drawn human sessions, one entry per session."""

    start: np.ndarray
    returning: np.ndarray
    number: np.ndarray
    person_hash: np.ndarray
    devices: np.ndarray
    identifies: np.ndarray
    device_key: np.ndarray
    client_id: pl.Series
    agent: pl.Series
    page_url: pl.Series
    referrer: pl.Series
    views: np.ndarray


class Journeys:
    """Builds each day's sessions; keeps what spans days (who visited, order numbers)."""

    def __init__(self, salt: int, profile: Profile) -> None:
        self.profile = profile
        self.salt = salt
        self.population: Population | None = None
        self.orders = 0
        self.crawlers = 0
        self.recent_transactions: list[str] = []

    def day(self, rng: np.random.Generator, day_start: int, target_events: int, crossing: bool,
            whale: bool) -> pl.DataFrame:
        """Rows of every session starting on the day, including their events after midnight."""
        sessions = max(1.0, target_events / _HUMAN_EVENTS_PER_SESSION)
        if self.population is None:
            prior = sessions * (1 - RETURNING_SHARE) * Population.RETURN_WINDOW_DAYS
            self.population = Population(round(prior))
        self.population.start_day()
        py = Random(int(rng.integers(1 << 62)))
        frames, planned = [], []
        for index in range(max(2, round(sessions * 0.002))):
            start = day_start + int(rng.integers(DAY_MS - 3 * 3_600_000))
            planned.append((start, ("gap", BOUNDARY_GAPS_MS[index % 2])))
        if crossing:
            for _ in range(max(1, round(sessions * 0.0005))):
                planned.append((day_start + DAY_MS - int(rng.integers(60_000, 900_000)), ("midnight", 0)))
        if whale:
            planned.append((day_start + _times(rng, 1)[0], ("whale", 0)))
        humans = self._humans(rng, np.array([start for start, _ in planned], dtype=np.int64))
        rows = []
        for spec, (_, plan) in zip(_specs(humans), planned, strict=True):
            self._session(py, rows, spec, plan)
        frames.append(frame_of(rows))
        produced, drawn, drawn_events = len(rows), 0, 0
        while produced < target_events:
            # Aim a little short with the prior estimate, then use the day's own events per session.
            per_session = drawn_events / drawn if drawn else _HUMAN_EVENTS_PER_SESSION / 0.9
            n = min(CHUNK_SESSIONS, max(16, round((target_events - produced) / per_session)))
            chunk = self._chunk(rng, py, day_start + _times(rng, n))
            frames.append(chunk)
            produced, drawn, drawn_events = produced + chunk.height, drawn + n, drawn_events + chunk.height
        return pl.concat(frames)

    def _humans(self, rng: np.random.Generator, start: np.ndarray) -> _Humans:
        n = len(start)
        numbers, returning = self.population.numbers(rng.random(n) < RETURNING_SHARE, rng.random(n))
        people = visitors(self.salt, numbers, rng.random(n))
        page_url, referrer = sources.landings(rng, returning)
        views = np.where(rng.random(n) < SINGLE_PAGE_SHARE, 0, 1 + rng.exponential(1 / 0.8, n).astype(np.int64))
        return _Humans(start, returning, numbers, people.person_hash, people.devices, people.identifies,
                       people.device_key, people.client_id, pl.Series(AGENTS).gather(people.agent), page_url,
                       referrer, views)

    def _chunk(self, rng: np.random.Generator, py: Random, start: np.ndarray) -> pl.DataFrame:
        bot = rng.random(len(start)) < BOT_SESSION_SHARE
        humans = self._humans(rng, start[~bot])
        n = len(humans.start)
        popup = humans.identifies & (rng.random(n) < np.where(humans.devices > 1, POPUP[1], POPUP[0]))
        basket = rng.random(n) < np.where(humans.returning, ADD_TO_CART[1], ADD_TO_CART[0])
        complex_ = popup | basket
        simple = ~complex_
        frames = [
            _expand(rng, humans.start[simple], humans.views[simple] + 1, humans.page_url.filter(simple),
                    humans.referrer.filter(simple), humans.client_id.filter(simple), humans.agent.filter(simple),
                    humans.device_key[simple], bot=False),
            self._crawlers(rng, start[bot]),
        ]
        rows: list[list] = []
        chosen = np.flatnonzero(complex_)
        for spec, has_popup, has_basket in zip(_specs(humans, chosen), popup[chosen].tolist(),
                                               basket[chosen].tolist(), strict=True):
            self._session(py, rows, spec, ("", 0), has_popup, has_basket)
        frames.append(frame_of(rows))
        return pl.concat(frames)

    def _crawlers(self, rng: np.random.Generator, start: np.ndarray) -> pl.DataFrame:
        """Crawler visits: a fresh cookie each, no referrer, many page views in quick succession."""
        n = len(start)
        numbers = self.crawlers + np.arange(n, dtype=np.int64)
        self.crawlers += n
        client_id = uuid_texts(mix64(np.uint64(self.salt ^ 0xB07) ^ mix64(numbers.astype(np.uint64))))
        agent = pl.Series(_CRAWLER.options).gather(_CRAWLER.draw(rng.random(n)))
        first_url = pl.Series(_NEXT_URLS).gather(rng.integers(0, len(_NEXT_URLS), n))
        return _expand(rng, start, rng.integers(3, 31, n), first_url, pl.Series([""] * n, dtype=pl.String),
                       client_id, agent, -1 - numbers, bot=True)

    # Row by row: sessions with a pop-up, a basket or a plan.

    def _session(self, py: Random, rows: list, spec: tuple, plan: tuple[str, int], popup: bool = False,
                 basket: bool = False) -> None:
        start, number, person_hash, device, client, agent, url, ref, views = spec
        kind, gap = plan
        flags = PROTECTED if kind else 0

        def emit(ts: int, url: str, ref: str, name: str, data: str, extra: int = 0) -> int:
            rows.append(new_row(ts, client, url, ref, name, data, agent, flags | extra, device))
            return ts

        ts = emit(start, url, ref, "page_viewed", _VIEW_DATA.pick(py.random))
        if kind == "gap":
            emit(ts + gap, py.choice(_NEXT_URLS), "", "page_viewed", "")
            return
        if kind == "midnight":
            after, midnight = 0, (start // DAY_MS + 1) * DAY_MS
            while after < 2:
                ts = emit(ts + py.randint(60_000, 400_000), py.choice(_NEXT_URLS), "", "page_viewed", "")
                after += ts >= midnight
            return
        for _ in range(views):
            gap_ms = int(min(1_500.0, max(2.0, py.lognormvariate(3.7, 1.1))) * 1000)
            previous = rows[-1][URL] if py.random() < REFERRER_KEPT else ""
            ts = emit(ts + gap_ms, py.choice(_NEXT_URLS), previous, "page_viewed", _VIEW_DATA.pick(py.random))
        if popup:
            ts = emit(ts + py.randint(4_000, 60_000), rows[-1][URL], "", "email_filled_on_popup",
                      json.dumps({"user_email": email(number, person_hash)}))
        if not (basket or kind == "whale"):
            return
        whale = kind == "whale"
        items = [(WHALE_ITEM, WHALE_QUANTITY)] if whale else _basket(py)
        for item, quantity in items:
            page = SHOP + item.path
            if rows[-1][URL] != page:
                ts = emit(ts + py.randint(5_000, 90_000), page, "", "page_viewed", _VIEW_DATA.pick(py.random))
            data = json.dumps({"item_id": item.item_id, "item_name": item.item_name, "item_price": float(item.price),
                               "quantity": quantity})
            ts = emit(ts + py.randint(10_000, 120_000), page, "", "product_added_to_cart", data)
        if not whale and py.random() >= CHECKOUT_AFTER_CART:
            return
        checkout = f"{SHOP}/checkouts/cn/{py.getrandbits(96):024x}"
        if py.random() < 0.6:
            ts = emit(ts + py.randint(5_000, 60_000), SHOP + CART_PAGE, "", "page_viewed", _VIEW_DATA.pick(py.random))
        ts = emit(ts + py.randint(10_000, 180_000), checkout + "/information", "", "checkout_started",
                  _VIEW_DATA.pick(py.random))
        if not whale and py.random() >= CONVERSION_AFTER_CHECKOUT:
            return
        name = "purchase" if py.random() < PURCHASE_NAME_SHARE else "checkout_completed"
        address = email(number, person_hash) if py.random() < EMAIL_ON_ORDER else None
        data = self._order(py, items, address, exact=whale)
        emit(ts + py.randint(60_000, 600_000), checkout + "/thank-you", "", name, data, CONVERSION)

    def _order(self, py: Random, items: list[tuple[Item, int]], address: str | None, exact: bool) -> str:
        """A conversion's event_data, with the profile's order quirks unless ``exact``."""
        profile = self.profile
        revenue = sum(item.price * quantity for item, quantity in items)
        if not exact and any(q > 1 for _, q in items) and py.random() < profile.price_sum_revenue:
            revenue = sum(item.price for item, _ in items)  # the front-end bug: quantity ignored
        if not exact and self.recent_transactions and py.random() < profile.colliding_transaction_ids:
            transaction_id = py.choice(self.recent_transactions)
        else:
            self.orders += 1
            transaction_id = f"PUF-{1_040_000 + self.orders}"
            self.recent_transactions = [*self.recent_transactions[-99:], transaction_id]
        written: float | str = float(revenue)
        if not exact and py.random() < profile.numeric_string_revenue:
            written = f"{revenue:.2f}"
        lines = [{"item_id": item.item_id, "item_name": item.item_name, "item_price": float(item.price),
                  "quantity": quantity} for item, quantity in items]
        data: dict = {"transaction_id": transaction_id, "revenue": written, "items": lines}
        if address:
            data["user_email"] = address
        return json.dumps(data)


def _times(rng: np.random.Generator, n: int) -> np.ndarray:
    """Milliseconds after midnight, following the hourly traffic curve."""
    hour = np.array(_HOUR.options, dtype=np.int64)[_HOUR.draw(rng.random(n))]
    return hour + (rng.random(n) * 3_600_000).astype(np.int64)


def _specs(humans: _Humans, chosen: np.ndarray | None = None) -> zip:
    """Per-session tuples for the row-by-row builder."""
    pick = (lambda a: a[chosen].tolist()) if chosen is not None else (lambda a: a.tolist())
    pick_series = (lambda s: s.gather(chosen).to_list()) if chosen is not None else (lambda s: s.to_list())
    return zip(pick(humans.start), pick(humans.number), pick(humans.person_hash), pick(humans.device_key),
               pick_series(humans.client_id), pick_series(humans.agent), pick_series(humans.page_url),
               pick_series(humans.referrer), pick(humans.views), strict=True)


def _expand(rng: np.random.Generator, start: np.ndarray, counts: np.ndarray, first_url: pl.Series,
            first_referrer: pl.Series, client_id: pl.Series, agent: pl.Series, device: np.ndarray,
            bot: bool) -> pl.DataFrame:
    """Page-view-only sessions as events: the landing page, then ``counts - 1`` further pages."""
    counts = counts.astype(np.int64)
    total = int(counts.sum())
    session = np.repeat(np.arange(len(counts)), counts)
    first = np.cumsum(counts) - counts
    position = np.arange(total) - first[session]
    if bot:
        gaps = rng.integers(1_000, 60_001, total)
    else:
        gaps = (np.clip(rng.lognormal(3.7, 1.1, total), 2.0, 1_500.0) * 1000).astype(np.int64)
    gaps[position == 0] = 0
    elapsed = np.cumsum(gaps)
    ts = start.astype(np.int64)[session] + elapsed - elapsed[first][session]
    frame = pl.DataFrame({
        "ts": ts,
        "client_id": client_id.gather(session),
        "landing": first_url.gather(session),
        "next": pl.Series(_NEXT_URLS).gather(rng.integers(0, len(_NEXT_URLS), total)),
        "first_referrer": first_referrer.gather(session),
        "keep": rng.random(total) < (0.0 if bot else REFERRER_KEPT),
        "event_data": pl.Series(_VIEW_DATA.options).gather(np.zeros(total, np.int64) if bot else
                                                          _VIEW_DATA.draw(rng.random(total))),
        "user_agent": agent.gather(session),
        "position": position,
        "device": device.astype(np.int64)[session],
    })
    page_url = pl.when(pl.col("position") == 0).then(pl.col("landing")).otherwise(pl.col("next"))
    return frame.with_columns(page_url=page_url).select(
        "ts",
        "client_id",
        "page_url",
        referrer=pl.when(pl.col("position") == 0).then(pl.col("first_referrer"))
        .when(pl.col("keep")).then(pl.col("page_url").shift(1)).otherwise(pl.lit("")),
        ts_text=pl.lit(None, dtype=pl.String),
        event_name=pl.lit("page_viewed"),
        event_data="event_data",
        user_agent=pl.col("user_agent").cast(AGENT),
        flags=pl.lit(BOT if bot else 0, dtype=pl.Int64),
        device="device",
    )


def untie(frame: pl.DataFrame) -> pl.DataFrame:
    """Move an event on by 1 ms while its device already has an event at that instant.

    Two sessions of one device can overlap; equal instants would make the order of a client's
    events (and so a session's landing page) depend on a tiebreak the SQL need not share.
    """
    device = frame.get_column("device").to_numpy()
    ts = frame.get_column("ts").to_numpy().copy()
    moved = False
    while True:
        order = np.lexsort((ts, device))
        same = (device[order][1:] == device[order][:-1]) & (ts[order][1:] == ts[order][:-1])
        if not same.any():
            break
        ts[order[1:][same]] += 1
        moved = True
    return frame.with_columns(ts=pl.Series(ts)) if moved else frame


def _basket(py: Random) -> list[tuple[Item, int]]:
    size = _BASKET_SIZE.pick(py.random)
    first = py.choice(MATTRESSES) if py.random() < 0.62 else py.choice(ACCESSORIES)
    items = [first]
    while len(items) < size:
        extra = py.choice(ACCESSORIES)
        if extra not in items:
            items.append(extra)
    basket = []
    for item in items:
        quantity = (2 if py.random() < 0.05 else 1) if item in MATTRESSES else _ACCESSORY_QUANTITY.pick(py.random)
        basket.append((item, quantity))
    return basket

