"""A progress bar on stderr for the one long wait, generating a data set."""

from __future__ import annotations

import sys
import time
from pathlib import Path


class ProgressBar:
    """Files a generator run has finished out of those it will write."""

    def __init__(self, folder: Path, total: int, label: str, width: int = 30) -> None:
        self.folder, self.total, self.label, self.width = folder, total, label, width
        self.began = time.perf_counter()
        self.shown = -1
        self.tty = sys.stderr.isatty()

    def update(self, done: int | None = None) -> None:
        if done is None:  # the file being written is the newest; those before it are complete
            done = max(0, len(list(self.folder.glob("events_*.csv"))) - 1)
        if not self.tty and done == self.shown:
            return
        self.shown = done
        filled = round(self.width * done / self.total)
        line = (f"{self.label} [{'#' * filled}{'.' * (self.width - filled)}] {done}/{self.total} files "
                f"{time.perf_counter() - self.began:5.0f} s")
        print(("\r" + line) if self.tty else line, end="" if self.tty else "\n", file=sys.stderr, flush=True)

    def finish(self, ok: bool) -> None:
        self.update(self.total if ok else None)
        if self.tty:
            print(file=sys.stderr, flush=True)


def step(label: str) -> None:
    """The start of a measured step, on stderr (its result follows with ``done``)."""
    print(f"  {label:<34} ...", end="", file=sys.stderr, flush=True)


def done(text: str) -> None:
    print(f" {text}", file=sys.stderr, flush=True)
