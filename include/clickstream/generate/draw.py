"""Weighted draws: one table for scalar draws, many tables for vectorised draws.

``random.Random.choices`` rebuilds its arguments on every call (microseconds each), so scalar
tables are prepared once and drawn with one ``random()`` and a bisect. Vectorised, several tables
are laid end to end, table ``i`` spanning (i, i + 1] of one cumulative array, so a whole array of
draws from per-row tables is a single ``searchsorted``.
"""

from __future__ import annotations

from bisect import bisect
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

import numpy as np

T = TypeVar("T")


def _cumulative(weights: Sequence[float]) -> list[float]:
    total = float(sum(weights))
    running, cumulative = 0.0, []
    for weight in weights:
        running += weight
        cumulative.append(running / total)
    cumulative[-1] = 1.0
    return cumulative


class Weighted(Generic[T]):
    """Options with weights, drawn by ``pick(random)``."""

    __slots__ = ("options", "cumulative")

    def __init__(self, pairs: Sequence[tuple[T, float]]) -> None:
        self.options = tuple(option for option, _ in pairs)
        self.cumulative = tuple(_cumulative([weight for _, weight in pairs]))

    def pick(self, random: Callable[[], float]) -> T:
        return self.options[bisect(self.cumulative, random())]

    def draw(self, u: np.ndarray) -> np.ndarray:
        """Indices into ``options`` for uniforms ``u`` in [0, 1)."""
        return np.searchsorted(np.array(self.cumulative), u, side="right")


class Tables(Generic[T]):
    """Several weighted tables; ``draw(table, u)`` picks from table ``table[i]`` for row i."""

    def __init__(self, tables: Sequence[Sequence[tuple[T, float]]]) -> None:
        self.options: list[T] = []
        cumulative: list[float] = []
        for index, pairs in enumerate(tables):
            self.options.extend(option for option, _ in pairs)
            cumulative.extend(index + c for c in _cumulative([weight for _, weight in pairs]))
            cumulative[-1] = float(index + 1)
        self._cumulative = np.array(cumulative)

    def draw(self, table: np.ndarray, u: np.ndarray) -> np.ndarray:
        """Indices into ``options``."""
        return np.searchsorted(self._cumulative, table + u, side="right")
