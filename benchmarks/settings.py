"""What a benchmark run does: rows, repetitions, cases, and where it works."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from benchmarks.data import DATA_DIR

CASES = ("copy", "memory", "backfill", "graph", "control_plane", "synthetic")
DEFAULT_ROWS = 200_000
QUICK_ROWS = 20_000


@dataclass(frozen=True)
class Settings:
    rows: int = DEFAULT_ROWS
    repetitions: int = 5
    quick: bool = False
    cases: tuple[str, ...] = CASES
    workdir: Path = DATA_DIR / "work"

    def folder(self, *parts: str) -> Path:
        """A folder of this run's working area."""
        path = self.workdir.joinpath(*parts)
        path.mkdir(parents=True, exist_ok=True)
        return path
