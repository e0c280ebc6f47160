"""Sessions, channels, identity, orders, attribution and funnel of the truth, from unique valid events.

- Sessions: per client_id, bots excluded, a new session at a gap of ``timeout`` or more.
- Source / medium / campaign and channel: from the session's first event (``channels.traffic`` and
  ``channels.default_channel``, GA4's default channel group).
- Identity: a client's user_id is the most recent ``user_email`` in its events, else its client_id.
- Orders: every unique valid conversion event of a non-bot client; revenue is the declared
  top-level ``revenue``.
- Attribution: candidates are the user's sessions (over all their clients) that started within
  ``lookback_days`` before the order, bounds included; credits per ``attribution.credits``.
- Funnel: sessions by start UTC date having a page view, an add to cart, a checkout start, a conversion.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from fractions import Fraction

from clickstream.generate.attribution import MODELS, credits
from clickstream.generate.channels import CHANNELS, Traffic, default_channel, traffic
from clickstream.generate.event import Event

ROUNDING = (
    "Revenue is summed exactly (declared revenues are decimal). An attribution figure is the exact sum, "
    "over orders, of revenue x credit (time-decay credits are IEEE doubles), rounded to cents once at the "
    "end, half away from zero; channels' rounded figures may so differ from the revenue by under half a "
    "cent each. checks.attribution_half_cent_ties counts figures within 1e-6 cent of a half cent (expected 0)."
)
STAGES = ("page_viewed", "product_added_to_cart", "checkout_started", "converted")


@dataclass
class Session:
    client_id: str
    events: list[Event]
    traffic: Traffic
    channel: str
    user_id: str = ""

    @property
    def started_at(self) -> datetime:
        return self.events[0].ts

    @property
    def ended_at(self) -> datetime:
        return self.events[-1].ts


@dataclass
class Order:
    event: Event
    session: Session
    revenue: Fraction  # exact

    @property
    def ordered_at(self) -> datetime:
        return self.event.ts


@dataclass
class Built:
    sessions: list[Session]
    orders: list[Order]
    user_of: dict[str, str]
    attribution: dict[str, dict[str, Fraction]]
    conversion_events: tuple[str, ...]
    checks: dict[str, int] = field(default_factory=dict)

    def figures(self) -> dict:
        """The JSON-able figures (money rounded to cents)."""
        by_channel = Counter(session.channel for session in self.sessions)
        by_source_medium = Counter(f"{session.traffic.source} / {session.traffic.medium}" for session in self.sessions)
        funnel = {stage: 0 for stage in STAGES}
        funnel_by_day: dict[str, dict[str, int]] = {}
        daily: dict[str, dict] = defaultdict(lambda: {"sessions": 0, "users": set(), "orders": 0, "revenue": 0})
        for session in self.sessions:
            day = session.started_at.date().isoformat()
            names = {event.name for event in session.events}
            reached = {"page_viewed": "page_viewed" in names, "product_added_to_cart": "product_added_to_cart" in names,
                       "checkout_started": "checkout_started" in names,
                       "converted": not names.isdisjoint(self.conversion_events)}
            stages = funnel_by_day.setdefault(day, {stage: 0 for stage in STAGES})
            for stage, hit in reached.items():
                funnel[stage] += hit
                stages[stage] += hit
            daily[day]["sessions"] += 1
            daily[day]["users"].add(session.user_id)
        for order in self.orders:
            day = order.ordered_at.date().isoformat()
            daily[day]["orders"] += 1
            daily[day]["revenue"] += order.revenue
        half_cent_ties = 0
        attribution = {}
        for model, sums in self.attribution.items():
            attribution[model] = {}
            for name in CHANNELS:
                attribution[model][name] = cents(sums.get(name, Fraction(0)))
                cents_value = sums.get(name, Fraction(0)) * 100
                half_cent_ties += abs(cents_value - math.floor(cents_value) - Fraction(1, 2)) < Fraction(1, 10**6)
        return {
            "sessions": len(self.sessions),
            "users": len({session.user_id for session in self.sessions}),
            "orders": len(self.orders),
            "revenue": cents(sum((order.revenue for order in self.orders), Fraction(0))),
            "sessions_by_channel": {name: by_channel[name] for name in CHANNELS},
            "sessions_by_source_medium": dict(sorted(by_source_medium.items())),
            "funnel": {**funnel, "by_day": dict(sorted(funnel_by_day.items()))},
            "attribution": attribution,
            "daily": {
                day: {"sessions": row["sessions"], "users": len(row["users"]), "orders": row["orders"],
                      "revenue": cents(Fraction(row["revenue"]))}
                for day, row in sorted(daily.items())
            },
            "checks": {**self.checks, "attribution_half_cent_ties": half_cent_ties},
        }


def cents(amount: Fraction) -> float:
    """Round to cents, half away from zero."""
    scaled = amount * 100
    rounded = math.floor(abs(scaled) + Fraction(1, 2)) * (1 if scaled >= 0 else -1)
    return float(Decimal(rounded) / 100)


def money(value: object) -> Fraction:
    """A contract-valid revenue (number or numeric string) as an exact Fraction of its decimal text."""
    if isinstance(value, float):
        return Fraction(Decimal(repr(value)))
    return Fraction(Decimal(str(value).strip()))


def _sessionise(events: Sequence[Event], timeout: timedelta, checks: Counter) -> list[list[Event]]:
    """One client's events (sorted) cut at gaps of ``timeout`` or more."""
    runs: list[list[Event]] = []
    previous = None
    for event in events:
        if previous is not None:
            gap = event.ts - previous.ts
            checks["same_instant_events"] += gap == timedelta(0)
            checks["boundary_gaps_1799s"] += gap == timedelta(seconds=1799)
            checks["boundary_gaps_1800s"] += gap == timedelta(seconds=1800)
        if previous is None or event.ts - previous.ts >= timeout:
            runs.append([])
        runs[-1].append(event)
        previous = event
    return runs


def build(events: Sequence[Event], conversion_events: tuple[str, ...], timeout_s: int, lookback_days: int,
          half_life_days: float) -> Built:
    checks: Counter = Counter()
    by_client: dict[str, list[Event]] = defaultdict(list)
    bot_clients = set()
    for event in events:
        if event.is_bot:
            bot_clients.add(event.client_id)
        else:
            by_client[event.client_id].append(event)
    checks["mixed_bot_clients"] = len(bot_clients & by_client.keys())

    sessions: list[Session] = []
    user_of: dict[str, str] = {}
    timeout = timedelta(seconds=timeout_s)
    for client_id in sorted(by_client):
        client_events = sorted(by_client[client_id], key=lambda e: e.order)
        user_of[client_id] = client_id
        for event in client_events:
            email = event.data.get("user_email")
            if isinstance(email, str) and email.strip():
                user_of[client_id] = email.strip()
        for run in _sessionise(client_events, timeout, checks):
            source = traffic(run[0].page_url, run[0].referrer)
            sessions.append(Session(client_id, run, source, default_channel(*source), user_of[client_id]))
    checks["midnight_sessions"] = sum(s.started_at.date() != s.ended_at.date() for s in sessions)
    clients_of_user: dict[str, set[str]] = defaultdict(set)
    for session in sessions:
        clients_of_user[session.user_id].add(session.client_id)
    checks["stitched_users"] = sum(len(clients) > 1 for clients in clients_of_user.values())

    orders = [Order(event, session, money(event.data["revenue"]))
              for session in sessions for event in session.events if event.name in conversion_events]
    transactions = Counter(str(order.event.data.get("transaction_id")) for order in orders)
    checks["colliding_transaction_ids"] = sum(count > 1 for count in transactions.values())
    checks["revenue_mismatch_orders"] = sum(order.revenue != _items_revenue(order.event.data) for order in orders)

    attribution = _attribute(sessions, orders, timedelta(days=lookback_days), half_life_days, checks)
    return Built(sessions, orders, user_of, attribution, conversion_events, dict(sorted(checks.items())))


def _items_revenue(data: dict) -> Fraction:
    return sum((money(item["item_price"]) * int(item["quantity"]) for item in data.get("items", [])), Fraction(0))


def _attribute(sessions: list[Session], orders: list[Order], lookback: timedelta, half_life_days: float,
               checks: Counter) -> dict[str, dict[str, Fraction]]:
    by_user: dict[str, list[Session]] = defaultdict(list)
    for session in sessions:
        by_user[session.user_id].append(session)
    for user_sessions in by_user.values():
        user_sessions.sort(key=lambda s: (s.started_at, s.client_id))
    totals: dict[str, dict[str, Fraction]] = {model: defaultdict(Fraction) for model in MODELS}
    for order in orders:
        low, high = order.ordered_at - lookback, order.ordered_at
        candidates = [s for s in by_user[order.session.user_id] if low <= s.started_at <= high]
        checks["max_candidate_sessions"] = max(checks["max_candidate_sessions"], len(candidates))
        touches = [(s.started_at, s.channel) for s in candidates]
        for model in MODELS:
            for session, credit in zip(candidates, credits(model, touches, order.ordered_at, half_life_days),
                                       strict=True):
                totals[model][session.channel] += order.revenue * Fraction(credit)
    return {model: dict(sums) for model, sums in totals.items()}
