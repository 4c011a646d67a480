"""One day of one dataset from the synthetic tenant, timed: a competitor for ``run_isolated``.

Both wall and CPU seconds (the process's, all threads): generation runs on one core, so its
CPU seconds are the one-core figure, and they hold when other processes share the machine.

>>> extract_day("User_v1", users=20)["rows"] > 0
True
>>> extract_day("Message_v1", users=20, rows_version=2)["rows"] > 0
True
>>> extract_day("Message_v1", users=20, rows_version=3)["rows"] > 0
True
"""

from __future__ import annotations

import datetime as dt
from typing import Any

DAY = dt.date(2026, 11, 18)  # a Wednesday: a working day in every office
TENANT_ID = "5b1c2c58-6a53-4f55-9d3f-2a0a1f0e7e11"


def extract_day(dataset: str, users: int, seed: int = 42, rows_version: int = 1) -> dict[str, Any]:
    """Rows and seconds for one day of ``dataset`` (the whole tenant), tenant build included."""
    from benchmarks.harness import Stopwatch
    from mgdc_pipelines.catalog import get_dataset
    from mgdc_pipelines.sources import ExtractRequest, Scope, TimeWindow
    from mgdc_pipelines.sources.synthetic import SyntheticSource, TenantConfig

    ds = get_dataset(dataset)
    start = dt.datetime.combine(DAY, dt.time(), dt.timezone.utc)
    request = ExtractRequest(
        ds, ds.column_names, ds.date_filter_columns[0] if ds.date_filter_columns else None,
        TimeWindow(start, start + dt.timedelta(days=1)), Scope.everyone(), TENANT_ID,
    )
    watch = Stopwatch()
    config = TenantConfig(seed=seed, users=users, rows_version=rows_version)
    rows = sum(batch.num_rows for batch in SyntheticSource(config).extract(request))
    return {**watch.elapsed(), "rows": rows}
