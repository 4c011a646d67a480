"""What a benchmark run does: rows, repetitions, cases, and where it works."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from benchmarks.data import DATA_DIR

CASES = ("copy", "memory", "backfill", "graph", "control_plane")
DEFAULT_ROWS = 200_000
QUICK_ROWS = 20_000
LOADS = ("paired", "quiet", "busy")  # see benchmarks/__main__.py
BUSY_REPETITIONS = 3  # at most, in the busy pass of a paired run


@dataclass(frozen=True)
class Settings:
    rows: int = DEFAULT_ROWS
    repetitions: int = 5
    quick: bool = False
    cases: tuple[str, ...] = CASES
    load: str = "paired"
    workdir: Path = DATA_DIR / "work"

    def folder(self, *parts: str) -> Path:
        """A folder of this run's working area."""
        path = self.workdir.joinpath(*parts)
        path.mkdir(parents=True, exist_ok=True)
        return path


def split_cores(available: set[int] | None = None) -> tuple[set[int], set[int]]:
    """(the bench's cores, the busy process's core): the last core is the one kept busy.

    >>> split_cores({0, 1})
    ({0}, {1})
    >>> split_cores({3})  # one core: the busy process has to share it
    ({3}, {3})
    """
    cores = set(os.sched_getaffinity(0) if available is None else available)
    busy = {max(cores)}
    return (cores - busy or busy), busy
