"""Small generated runs for the generator's tests: the files, the summary and the truth."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from clickstream.generate import generate

START = date(2025, 2, 23)


@dataclass(frozen=True)
class Run:
    summary: dict
    truth: dict

    @property
    def raw(self) -> Path:
        return Path(self.summary["raw_dir"])

    @property
    def files(self) -> list[Path]:
        return [self.raw / entry["file"] for entry in self.summary["files"]]


def make_run(root: Path, profile: str, days: int = 5, events_per_day: int = 2000, seed: int = 3) -> Run:
    summary = generate(root, START, days, events_per_day, seed, profile=profile)
    return Run(summary, json.loads(Path(summary["truth"]).read_text()))
