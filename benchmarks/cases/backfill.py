"""``backfill``: 30 days × 4 scopes of one dataset, default backfill policy vs one run per partition.

Both go through a real ``DagsterInstance`` (``benchmarks/backfill_runs.py``); they alternate,
each repetition in a fresh process. ``ratio`` = per-partition seconds / policy seconds.
"""

from __future__ import annotations

from typing import Any

from benchmarks.harness import alternate, summarize
from benchmarks.settings import Settings

DAYS, QUICK_DAYS = 30, 7


def run(settings: Settings) -> dict[str, Any]:
    days = QUICK_DAYS if settings.quick else DAYS
    runs = alternate(
        {
            mode: ("benchmarks.backfill_runs:backfill",
                   {"mode": mode, "days": days, "folder": str(settings.folder("backfill", mode))})
            for mode in ("policy", "per_partition")
        },
        repetitions=1 if settings.quick else min(settings.repetitions, 3),
    )
    summaries = {mode: summarize(measurements) for mode, measurements in runs.items()}
    for mode, summary in summaries.items():
        summary.update(runs[mode][-1].details)
    if summaries["policy"]["partitions"] != summaries["per_partition"]["partitions"]:
        raise AssertionError(f"the two backfills materialized different partitions: {summaries}")
    return {
        "days": days,
        "scopes": 4,
        "partitions": summaries["policy"]["partitions"],
        "modes": summaries,
        "ratio": summaries["per_partition"]["seconds"] / summaries["policy"]["seconds"],
    }
