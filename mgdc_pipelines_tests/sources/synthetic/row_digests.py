"""SHA-256 digests of the synthetic tenant's rows, per (config, window, dataset).

A digest covers every batch of one extraction, serialized as an Arrow IPC stream, so it pins the
values, their order and the batch boundaries. ``ROW_DIGESTS[version]`` (``row_digests_v1.json``,
``row_digests_v2.json``, ``row_digests_v3.json``) holds the digests of each version of the
tenant's rows (the config's ``rows_version``); ``test_row_stability.py`` recomputes them.

Regenerate only for a deliberate, documented change of the rows (a new version file):

    PYTHONPATH=$PWD .venv/bin/python -m \
        mgdc_pipelines_tests.sources.synthetic.row_digests VERSION out.json
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa

from mgdc_pipelines.catalog import get_dataset
from mgdc_pipelines.sources import ExtractRequest, Scope, TimeWindow
from mgdc_pipelines.sources.synthetic import SyntheticSource, TenantConfig

ROW_DIGESTS = {v: Path(__file__).with_name(f"row_digests_v{v}.json") for v in (1, 2, 3)}
TENANT_ID = "5b1c2c58-6a53-4f55-9d3f-2a0a1f0e7e11"
BATCH_ROWS = 700  # small enough that many partitions span several batches
CONFIGS = {
    "users=30": TenantConfig(users=30),
    "users=80,seed=7": TenantConfig(seed=7, users=80),
}
WINDOWS = {  # (first day, days)
    "thursday": (dt.date(2026, 11, 19), 1),
    "saturday": (dt.date(2026, 11, 21), 1),
    "monday-to-wednesday": (dt.date(2026, 11, 16), 3),
}
CASES = (  # (config, window): small tenants, the larger on one window, keep the test fast
    ("users=30", "thursday"),
    ("users=30", "saturday"),
    ("users=30", "monday-to-wednesday"),
    ("users=80,seed=7", "thursday"),
)


def window_request(dataset: str, window_name: str) -> ExtractRequest:
    """Every column of ``dataset`` for the whole tenant over the window ``window_name``."""
    ds = get_dataset(dataset)
    first_day, days = WINDOWS[window_name]
    start = dt.datetime.combine(first_day, dt.time(), dt.timezone.utc)
    return ExtractRequest(
        dataset=ds,
        columns=ds.column_names,
        date_filter_column=ds.date_filter_columns[0] if ds.date_filter_columns else None,
        window=TimeWindow(start, start + dt.timedelta(days=days)),
        scope=Scope.everyone(),
        tenant_id=TENANT_ID,
        batch_rows=BATCH_ROWS,
    )


def digest(source: SyntheticSource, dataset: str, window_name: str) -> str:
    """The SHA-256 of one extraction's batches as an Arrow IPC stream (empty: no batch)."""
    request = window_request(dataset, window_name)
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, request.output_schema) as writer:
        for batch in source.extract(request):
            writer.write_batch(batch)
    return hashlib.sha256(sink.getvalue().to_pybytes()).hexdigest()


def case_digests(
    config_name: str, window_name: str, rows_version: int = 1
) -> Iterator[tuple[str, str]]:
    """(dataset, digest) for every dataset the source supports, from one shared source."""
    source = SyntheticSource(CONFIGS[config_name].replace(rows_version=rows_version))
    for dataset in SyntheticSource.supported_datasets():
        yield dataset, digest(source, dataset, window_name)


def all_digests(rows_version: int) -> dict[str, dict[str, str]]:
    return {f"{c} {w}": dict(case_digests(c, w, rows_version)) for c, w in CASES}


if __name__ == "__main__":
    version, output = int(sys.argv[1]), Path(sys.argv[2])
    output.write_text(json.dumps(all_digests(version), indent=1, sort_keys=True) + "\n")
