"""Which report emails went out, so that each day's goes out once per figures: ``reports/mail/ledger.json``.

A day's email is due when the day was never emailed ("new") or its headline figures differ from those emailed
("corrected"); a rerun whose figures are those emailed sends nothing ("unchanged"). A backfill's days wait in
``pending`` until the digest of the range goes out. The ledger is read and written under a lock (``flock`` on a
file beside it), so that two runs' deliver tasks finishing together decide one after the other.
"""

from __future__ import annotations

import fcntl
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from clickstream.atomic import write_text
from clickstream.digests import digest

NEW, CORRECTED, UNCHANGED = "new", "corrected", "unchanged"


def figures_of(summary: dict[str, Any]) -> str:
    """The digest of what a report email states as figures: the KPIs of the window, the period before and the day.
    The sentences are left out: they name run ids, which differ in every rerun."""
    return digest([summary["kpis"], summary["window"]])


@dataclass
class Ledger:
    """``sent``: day -> the figures, run and time of the last email that covered it; ``pending``: day -> the
    figures and run of a backfill day not yet in a digest."""

    sent: dict[str, dict[str, Any]] = field(default_factory=dict)
    pending: dict[str, dict[str, Any]] = field(default_factory=dict)

    def verdict(self, day: date, figures: str) -> str:
        mailed = self.sent.get(day.isoformat())
        if mailed is None:
            return NEW
        return UNCHANGED if mailed["figures"] == figures else CORRECTED

    def mark_sent(self, day: date, figures: str, run_id: str, sent_at: str) -> None:
        self.sent[day.isoformat()] = {"figures": figures, "run_id": run_id, "sent_at": sent_at}
        self.pending.pop(day.isoformat(), None)


def ledger_path(reports_dir: Path) -> Path:
    return reports_dir / "mail" / "ledger.json"


@contextmanager
def locked(reports_dir: Path) -> Iterator[Ledger]:
    """The ledger, held under its lock until the block ends, then written (whole, or not at all on an error)."""
    path = ledger_path(reports_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    with (path.parent / ".ledger.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            try:
                stored = json.loads(path.read_text(encoding="utf-8"))
            except FileNotFoundError:
                stored = {}
            except ValueError as error:
                raise ValueError(f"the report email ledger {path} is damaged ({error}): fix or remove it (removed, "
                                 "the next run emails its day as new)") from error
            ledger = Ledger(stored.get("sent", {}), stored.get("pending", {}))
            yield ledger
            write_text(path, json.dumps({"sent": ledger.sent, "pending": ledger.pending}, indent=2,
                                        sort_keys=True) + "\n")
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
