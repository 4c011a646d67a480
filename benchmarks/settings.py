"""What a benchmark run does: rows, repetitions, cases, and where it works."""

from __future__ import annotations

import os
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from benchmarks.data import DATA_DIR

CASES = ("copy", "memory", "backfill", "graph", "control_plane", "synthetic")
# ``synthetic`` is asked for by name (``--cases synthetic``): at today's speed of the synthetic
# tenant its 50,000-user day alone takes over 10 minutes of CPU.
DEFAULT_CASES = tuple(case for case in CASES if case != "synthetic")
DEFAULT_ROWS = 200_000
QUICK_ROWS = 20_000
LOADS = ("paired", "quiet", "busy")  # see benchmarks/__main__.py
# A competitor of the copy and graph cases whose runs are short repeats until its timed work adds
# up to this many seconds, at most MAX_REPETITIONS times (``harness.alternate``): the quick run's
# copies take half a second each, and a median of three of them moved by up to 30 %.
MIN_TIMED_SECONDS = 5.0
MAX_REPETITIONS = 15


# Every core this process may use, read when the bench starts (before `confine_bench` narrows it).
MACHINE_CORES = tuple(sorted(os.sched_getaffinity(0)))


@dataclass(frozen=True)
class Settings:
    rows: int = DEFAULT_ROWS
    repetitions: int = 5
    quick: bool = False
    cases: tuple[str, ...] = DEFAULT_CASES
    load: str = "paired"
    workdir: Path = DATA_DIR / "work"
    dataset_users: int | None = None  # the synthetic case's day of every dataset; None: its default
    synthetic_jobs: int = 1  # days of the synthetic case's datasets extracted at once
    min_timed_seconds: float = MIN_TIMED_SECONDS  # 0: exactly ``repetitions`` runs each

    def folder(self, *parts: str) -> Path:
        """A folder of this run's working area."""
        path = self.workdir.joinpath(*parts)
        path.mkdir(parents=True, exist_ok=True)
        return path


def split_cores(available: Collection[int] = MACHINE_CORES) -> tuple[set[int], set[int]]:
    """(the bench's cores, the busy process's core): the last core is the one kept busy.
    ``available``: by default every core the bench started with, not the ones
    :func:`confine_bench` leaves it (asking those once put the spinner on the bench's own core).

    >>> split_cores({0, 1})
    ({0}, {1})
    >>> split_cores({3})  # one core: the busy process has to share it
    ({3}, {3})
    """
    cores = set(available)
    busy = {max(cores)}
    return (cores - busy or busy), busy


# The thread pools the competitors size from the machine: Arrow's CPU pool (OMP_NUM_THREADS),
# OpenMP and BLAS under numpy/pandas, polars (and deltalake's rayon pool).
THREAD_POOL_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                         "NUMEXPR_MAX_THREADS", "POLARS_MAX_THREADS", "RAYON_NUM_THREADS")


def busy_cores() -> set[int]:
    """The core the busy pass keeps busy (and the graph case's emulator runs on)."""
    return split_cores()[1]


def confine_bench() -> dict[str, object]:
    """Pin this process, so every process it starts (competitors, emulators, the PostgreSQL
    server), to the bench's cores, and size the thread pools to them; what it chose.

    Why: unconfined, a competitor that parallelises (pyarrow's JSON reader in mgdc and in the
    limit, deltalake) uses both cores of a quiet 2-core machine and one when another process
    is busy, while a single-threaded one (the naive pandas script, dlt's normalizer) runs the
    same either way; so mgdc/naive halved and the graph emulator lost the core it shared with
    the client (efficiency 0.81 → 0.63) when the other core was busy. Confined, every
    competitor of every pass gets the same cores and thread count, quiet or busy, and the
    busy process (or another engineer's, which the scheduler moves to the idle core) runs
    beside them instead of among them. The price: figures are for ``len(cores)`` cores, on a
    2-core machine one core, which the results record (``machine.bench_cores``).
    """
    cores, busy = split_cores()
    os.sched_setaffinity(0, cores)
    for variable in THREAD_POOL_VARIABLES:
        os.environ[variable] = str(len(cores))
    return {"bench_cores": sorted(cores), "busy_cores": sorted(busy), "threads": len(cores)}
