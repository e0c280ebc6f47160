"""People and their devices, derived from a person's number by hashing (vectorised with numpy).

Nothing about a person is stored: every attribute is a pure function of (run salt, person
number), so a person who returns days later has the same devices, client_ids and email without a
table that grows with the run. A client_id is one device's cookie; about a fifth of people use
two devices (phone and computer), which only an email typed on both can link.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from clickstream.generate.catalogue import DEVICE_KINDS, EMAIL_DOMAINS, FIRST_NAMES, HUMAN_AGENTS, LAST_NAMES

TWO_DEVICE_SHARE = 0.22
IDENTIFIER_SHARE = 0.35  # people who would type their email into the pop-up
KINDS = tuple(kind for kind, _ in DEVICE_KINDS)
# Every human agent in one table; an agent is (offset of its kind) + index within the kind.
AGENTS = tuple(agent for kind in KINDS for agent in HUMAN_AGENTS[kind])
_AGENT_OFFSET = np.cumsum([0] + [len(HUMAN_AGENTS[kind]) for kind in KINDS])[:-1]
_AGENT_COUNT = np.array([len(HUMAN_AGENTS[kind]) for kind in KINDS], dtype=np.uint64)
_KIND_CUM = np.cumsum([share for _, share in DEVICE_KINDS])
_MOBILE, _DESKTOP, _TABLET = (KINDS.index(kind) for kind in ("mobile", "desktop", "tablet"))
_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
_MASK = (1 << 64) - 1


def mix64(values: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser on uint64 arrays (wrapping arithmetic): a fast, well-spread hash."""
    with np.errstate(over="ignore"):
        x = values.astype(np.uint64) + np.uint64(0x9E3779B97F4A7C15)
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return x ^ (x >> np.uint64(31))


def mix64_int(value: int) -> int:
    """``mix64`` of one Python integer."""
    return int(mix64(np.array([value & _MASK], dtype=np.uint64))[0])


def _unit(bits: np.ndarray) -> np.ndarray:
    """16 hash bits as numbers in [0, 1)."""
    return (bits & np.uint64(0xFFFF)).astype(np.float64) / 65536.0


def uuid_texts(h: np.ndarray) -> pl.Series:
    """UUID-shaped client ids from 64-bit hashes (128 bits: the hash and its hash)."""
    words = np.stack([h, mix64(h)], axis=1).astype(">u8").view(np.uint8).reshape(len(h), 16)
    chars = np.empty((len(h), 32), dtype=np.uint8)
    chars[:, 0::2] = _HEX[words >> 4]
    chars[:, 1::2] = _HEX[words & 15]
    chars[:, 12] = ord("4")  # version 4
    chars[:, 16] = ord("a")  # RFC 4122 variant
    out = np.full((len(h), 36), ord("-"), dtype=np.uint8)
    for start, stop, at in ((0, 8, 0), (8, 12, 9), (12, 16, 14), (16, 20, 19), (20, 32, 24)):
        out[:, at : at + stop - start] = chars[:, start:stop]
    return pl.Series(out.view("S36").ravel()).cast(pl.String)


@dataclass
class Visitors:
    """The device each session uses, one entry per session."""

    number: np.ndarray  # person number (int64)
    person_hash: np.ndarray  # uint64
    devices: np.ndarray  # how many devices the person has (1 or 2)
    identifies: np.ndarray  # bool
    device_key: np.ndarray  # int64, unique per device
    client_id: pl.Series
    agent: np.ndarray  # index into AGENTS


def visitors(salt: int, number: np.ndarray, device_u: np.ndarray) -> Visitors:
    """The people with these numbers, each on one of their devices (picked by ``device_u`` in [0, 1))."""
    h = mix64(np.uint64(salt) ^ mix64(number.astype(np.uint64)))
    devices = np.where(_unit(h) < TWO_DEVICE_SHARE, 2, 1)
    first_kind = np.minimum(np.searchsorted(_KIND_CUM, _unit(h >> np.uint64(16)), side="right"), len(KINDS) - 1)
    device = np.minimum((device_u * devices).astype(np.int64), devices - 1)
    with np.errstate(over="ignore"):
        dh = mix64(h + device.astype(np.uint64) + np.uint64(1))
    second_kind = np.where(first_kind == _MOBILE, np.where(_unit(dh) < 0.75, _DESKTOP, _TABLET), _MOBILE)
    kind = np.where(device == 0, first_kind, second_kind)
    agent = _AGENT_OFFSET[kind] + ((dh >> np.uint64(20)) % _AGENT_COUNT[kind]).astype(np.int64)
    return Visitors(
        number=number.astype(np.int64),
        person_hash=h,
        devices=devices,
        identifies=_unit(h >> np.uint64(32)) < IDENTIFIER_SHARE,
        device_key=number.astype(np.int64) * 2 + device,
        client_id=uuid_texts(dh),
        agent=agent,
    )


def email(number: int, person_hash: int) -> str:
    """A plausible address; the person number makes it unique, so two people never share a user_id."""
    h = mix64_int(person_hash ^ 0x5EED)
    first = FIRST_NAMES[h % len(FIRST_NAMES)]
    last = LAST_NAMES[(h >> 8) % len(LAST_NAMES)]
    return f"{first}.{last}{number}@{EMAIL_DOMAINS[(h >> 16) % len(EMAIL_DOMAINS)]}"


class Population:
    """Hands out numbers to new people and picks returning ones among the last week's visitors.

    The export starts mid-stream: ``prior`` people count as seen in the week before its first day,
    so day one has returning visitors too (and a handful of early visitors do not absorb them all).
    """

    RETURN_WINDOW_DAYS = 7

    def __init__(self, prior: int) -> None:
        self.next_number = prior
        self._first_of_day: list[int] = [0]

    def start_day(self) -> None:
        self._first_of_day.append(self.next_number)

    def numbers(self, wants_return: np.ndarray, u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(person numbers, returning flags): a returning visitor is one of the people first seen in
        the last week (``u`` in [0, 1) picks who); everyone else is a new person."""
        low = self._first_of_day[max(0, len(self._first_of_day) - 1 - self.RETURN_WINDOW_DAYS)]
        high = self.next_number
        returning = wants_return & (high > low)
        numbers = low + (u * (high - low)).astype(np.int64)
        fresh = ~returning
        numbers[fresh] = high + np.arange(int(fresh.sum()))
        self.next_number = high + int(fresh.sum())
        return numbers, returning
