"""``synthetic``: how fast the synthetic tenant generates one day, and how that scales.

Rates are rows per CPU second of the extracting process: generation runs on one core, so that
is the one-core figure the target is set in, and it holds while other processes share the
machine (wall seconds are reported beside it). Message_v1 at growing tenant sizes shows whether
time stays linear in users (``linearity`` = CPU seconds per user at the largest size ÷ at the
next smaller one; 1.0 is linear) and memory flat (``memory_ratio`` = peak RSS at the largest
size ÷ at the next smaller one): 50,000 against 5,000 users, in a quick run 5,000 against
1,000, in the newest version of the rows (``rows_version`` 3: the message datasets made as
arrays, a block of mailboxes at a time); version 1 at the largest size is reported beside, the
baseline every earlier run measured too.
Every supported dataset is then timed for one day at ``DATASET_USERS``, in the same version of
the rows; each measurement is a fresh process, so peak RSS is that extraction's own.

Every dataset at 50,000 users takes most of an hour of CPU (the calendar and activity datasets
are still made row by row: Event_v0 about 5 minutes), so the per-dataset day runs at 5,000
users by default (quick: 1,000); ``--dataset-users 50000`` asks for the full size, and ``--synthetic-jobs N``
extracts N datasets at once, each in a process pinned to a core of its own (of the machine's,
not only the bench's): the figures are each process's CPU seconds and its own peak RSS, which
running side by side leaves as they are.
"""

from __future__ import annotations

import queue
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from benchmarks.harness import run_isolated
from benchmarks.settings import MACHINE_CORES, Settings

SCALING_USERS = (1_000, 5_000, 50_000)
QUICK_SCALING_USERS = (1_000, 5_000)
DATASET_USERS = 5_000
QUICK_DATASET_USERS = 1_000
EXTRACT_DAY = "benchmarks.synthetic_day:extract_day"
# Scaling is measured in the newest version of the rows (3: mail as arrays), the version for
# large tenants; version 1 (directory order, row by row) is timed at the largest size beside it.
SCALING_ROWS_VERSION = 3


def run(settings: Settings) -> dict[str, Any]:
    from mgdc_pipelines.sources.synthetic import SyntheticSource

    sizes = QUICK_SCALING_USERS if settings.quick else SCALING_USERS
    scaling = {users: _day("Message_v1", users, SCALING_ROWS_VERSION) for users in sizes}
    largest, reference = scaling[sizes[-1]], scaling[sizes[-2]]
    default_users = QUICK_DATASET_USERS if settings.quick else DATASET_USERS
    dataset_users = settings.dataset_users or default_users
    return {
        "message_users": list(sizes),
        "rows_version": SCALING_ROWS_VERSION,
        "message_v1": {str(users): result for users, result in scaling.items()},
        # The same day in version 1 of the rows (directory order), at the largest size.
        "message_v1_rows_version_1": _day("Message_v1", sizes[-1], rows_version=1),
        "message_rows_per_s": largest["rows_per_s"],
        "linearity": (largest["cpu_seconds"] / sizes[-1]) / (reference["cpu_seconds"] / sizes[-2]),
        "memory_ratio": largest["peak_rss_mb"] / reference["peak_rss_mb"],
        "dataset_users": dataset_users,
        "datasets": dataset_days(
            SyntheticSource.supported_datasets(), dataset_users, settings.synthetic_jobs,
            rows_version=SCALING_ROWS_VERSION,
        ),
    }


def dataset_days(
    datasets: Iterable[str], users: int, jobs: int = 1, rows_version: int = 1
) -> dict[str, dict[str, Any]]:
    """One day of each of ``datasets`` at ``users`` in ``rows_version``; with ``jobs`` > 1, that
    many at once, each on a core of its own (as many jobs as the machine has cores at most).

    >>> sorted(dataset_days(["User_v1", "Manager_v0"], users=20, jobs=2))
    ['Manager_v0', 'User_v1']
    """
    datasets = list(datasets)
    if jobs == 1:
        return {name: _day(name, users, rows_version) for name in datasets}
    free_cores: queue.Queue[int] = queue.Queue()
    for core in MACHINE_CORES[:jobs]:
        free_cores.put(core)

    def on_a_free_core(name: str) -> dict[str, Any]:
        core = free_cores.get()
        try:
            return _day(name, users, rows_version, cores={core})
        finally:
            free_cores.put(core)

    with ThreadPoolExecutor(max_workers=free_cores.qsize()) as pool:
        return dict(zip(datasets, pool.map(on_a_free_core, datasets)))


def _day(
    dataset: str, users: int, rows_version: int = 1, cores: set[int] | None = None
) -> dict[str, Any]:
    measurement = run_isolated(
        EXTRACT_DAY, {"dataset": dataset, "users": users, "rows_version": rows_version}, cores=cores
    )
    rows, cpu_seconds = measurement.details["rows"], measurement.details["cpu_seconds"]
    return {
        "rows": rows,
        "cpu_seconds": cpu_seconds,
        "rows_per_s": rows / cpu_seconds if cpu_seconds else 0.0,
        "seconds": measurement.seconds,
        "peak_rss_mb": measurement.peak_rss_mb,
    }
