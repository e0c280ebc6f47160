"""Credit of each candidate session for an order, per model (issue 5 point 6), for the truth.

Candidates are given oldest first as (start instant, channel). The rule-based models return exact
Fractions, so the reference's money sums are exact; time decay (2^(-age/half-life)) is irrational
and returns floats.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from fractions import Fraction

MODELS = ("first_touch", "last_touch", "linear", "position_based", "time_decay", "last_non_direct")


def credits(model: str, candidates: Sequence[tuple[datetime, str]], ordered_at: datetime,
            half_life_days: float) -> list[Fraction] | list[float]:
    """One credit per candidate session, summing to 1."""
    n = len(candidates)
    if n == 0:
        raise ValueError("an order always has its own session as a candidate")
    if model == "first_touch":
        return [Fraction(int(i == 0)) for i in range(n)]
    if model == "last_touch":
        return [Fraction(int(i == n - 1)) for i in range(n)]
    if model == "linear":
        return [Fraction(1, n)] * n
    if model == "position_based":
        if n <= 2:
            return [Fraction(1, n)] * n
        middle = Fraction(1, 5) / (n - 2)
        return [Fraction(2, 5), *([middle] * (n - 2)), Fraction(2, 5)]
    if model == "time_decay":
        ages = [(ordered_at - start).total_seconds() / 86_400 for start, _ in candidates]
        weights = [2.0 ** (-age / half_life_days) for age in ages]
        total = sum(weights)
        return [weight / total for weight in weights]
    if model == "last_non_direct":
        chosen = max((i for i, (_, name) in enumerate(candidates) if name != "Direct"), default=n - 1)
        return [Fraction(int(i == chosen)) for i in range(n)]
    raise ValueError(f"unknown attribution model {model!r}")
