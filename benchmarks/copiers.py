"""The ways the ``copy`` case copies the same delivery to Parquet (one function each).

* :func:`mgdc_copy`: the framework's own path: ``LandingSource`` → consent ``Enforcer``
  (15 authorized columns, three address columns hashed) → ``LocalSink``, committed; with
  ``sink="delta"`` the same ``copy_partition`` into ``DeltaSink.local`` (one Delta table,
  the partition's Parquet files committed in one transaction).
* :func:`naive_copy`: the obvious hand-written script: ``json.loads`` per line → pandas →
  column projection → ``hmac`` per value → ``to_parquet``.
* :func:`dlt_copy`: a dlt pipeline loading the same rows (same columns, same hashing) to its
  filesystem destination as Parquet.
* :func:`limit_copy`: ``pyarrow.json.read_json`` with the catalog's schema for the 15 columns
  → ``pq.write_table``: no hashing, the whole table in memory; the stack's ceiling.

mgdc and the limit write the same codec (:data:`COMPRESSION`, pyarrow's default).

Each returns ``seconds`` and ``cpu_seconds`` (the copy alone, imports excluded), ``rows`` and
``output_bytes``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import shutil
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.json as pa_json
import pyarrow.parquet as pq

from benchmarks.data import COLUMNS, DATASET, FIRST_DAY, HASH_KEY, HASHED, TENANT_ID, WINDOW
from benchmarks.harness import Stopwatch


def _fresh(output: str) -> Path:
    """An empty output folder: every repetition writes from scratch."""
    shutil.rmtree(output, ignore_errors=True)
    Path(output).mkdir(parents=True)
    return Path(output)


def _result(watch: Stopwatch, rows: int, output: Path) -> dict[str, Any]:
    """Wall and CPU seconds since ``watch`` started, rows and the Parquet bytes written."""
    timing = watch.elapsed()
    files = [path for path in output.rglob("*.parquet") if path.is_file()]
    return {**timing, "rows": rows, "output_bytes": sum(p.stat().st_size for p in files)}


def _rss_mb() -> float:
    from benchmarks.worker import peak_rss_mb  # VmHWM: ru_maxrss would include the parent's RSS

    return peak_rss_mb()


# The sinks mgdc_copy can write to; the copy case runs one competitor per kind.
SINK_KINDS = ("parquet", "delta")
# The Parquet codec of every competitor that writes Parquet through pyarrow: pyarrow's default,
# so the limit writes as `pq.write_table` does unchanged; mgdc's sinks (zstd by default) are set
# to it too, so a ratio compares copying, not codecs.
COMPRESSION = "snappy"


def mgdc_sink(kind: str, output: str):
    """The sink of ``kind`` writing under ``output``.

    >>> import tempfile
    >>> type(mgdc_sink("delta", tempfile.mkdtemp())).__name__
    'DeltaSink'
    """
    if kind == "parquet":
        from mgdc_pipelines.sinks import LocalSink

        return LocalSink(output, compression=COMPRESSION)
    if kind == "delta":
        from mgdc_pipelines.sinks.delta import DeltaSink

        return DeltaSink.local(output, compression=COMPRESSION)
    raise ValueError(f"unknown sink kind {kind!r}; allowed: {', '.join(SINK_KINDS)}")


def mgdc_partition():
    """The one partition every mgdc copy writes (its window covers all the rows)."""
    from mgdc_pipelines.sinks.base import PartitionRef

    return PartitionRef(DATASET.name, FIRST_DAY, "all")


def mgdc_copy_parts(root: str, quarantine: str):
    """The enforcer, request and landing source of :func:`mgdc_copy` (also for profiling)."""
    from mgdc_pipelines.consent.enforcement import Enforcer
    from mgdc_pipelines.sources import ExtractRequest, Scope
    from mgdc_pipelines.sources.landing import LandingSource

    enforcer = Enforcer(
        dataset=DATASET, authorized_columns=COLUMNS,
        transforms={column: "hash" for column in HASHED}, hash_key=HASH_KEY,
    )
    request = ExtractRequest(
        DATASET, enforcer.requested_columns, "receivedDateTime", WINDOW, Scope.everyone(), TENANT_ID
    )
    return enforcer, request, LandingSource(root, quarantine_dir=quarantine)


def mgdc_copy(root: str, output: str, quarantine: str, sink: str = "parquet") -> dict[str, Any]:
    from mgdc_pipelines.transfer import copy_partition

    enforcer, request, source = mgdc_copy_parts(root, quarantine)
    _fresh(output)
    target = mgdc_sink(sink, output)  # imports (deltalake's too) are not timed
    rss_before = _rss_mb()
    watch = Stopwatch()
    info = copy_partition(source, target, request, mgdc_partition(), enforcer)
    result = _result(watch, info.rows, Path(output))
    stats = source.last_stats
    result.update(
        rss_after_imports_mb=rss_before,
        lines_read=stats.lines_read,
        quarantined=stats.quarantined,
        files=[uri.removeprefix("file://") for uri in info.files],
    )
    return result


def naive_copy(file: str, output: str) -> dict[str, Any]:
    import pandas as pd

    _fresh(output)
    watch = Stopwatch()
    with open(file, encoding="utf-8-sig") as lines:
        records = [json.loads(line) for line in lines if line.strip()]
    frame = pd.DataFrame(records)[list(COLUMNS)]
    del records
    for column in ("receivedDateTime", "sentDateTime", "createdDateTime"):
        frame[column] = pd.to_datetime(frame[column], utc=True)
    for column in HASHED:
        frame[column] = frame[column].map(_hashed_recipients)
    frame.to_parquet(Path(output) / "messages.parquet", index=False)
    return _result(watch, len(frame), Path(output))


def dlt_copy(file: str, output: str) -> dict[str, Any]:
    os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")
    import dlt

    def messages():
        with open(file, encoding="utf-8-sig") as lines:
            for line in lines:
                if line.strip():
                    row = json.loads(line)
                    yield {column: row.get(column) for column in COLUMNS}

    def hashed(row: dict) -> dict:
        for column in HASHED:
            row[column] = _hashed_recipients(row[column])
        return row

    _fresh(output)
    resource_ = dlt.resource(messages, name="messages", write_disposition="replace").add_map(hashed)
    pipeline = dlt.pipeline(
        pipeline_name="benchmark",
        destination=dlt.destinations.filesystem(bucket_url=str(Path(output).absolute())),
        pipelines_dir=str(Path(output).absolute() / ".dlt"),
        dataset_name="mgdc",
    )
    watch = Stopwatch()
    pipeline.run(resource_, loader_file_format="parquet")
    rows = pipeline.last_trace.last_normalize_info.row_counts.get("messages", 0)
    return _result(watch, rows, Path(output) / "mgdc")


def limit_copy(file: str, output: str) -> dict[str, Any]:
    full = DATASET.output_schema(COLUMNS)
    schema = pa.schema([full.field(column) for column in COLUMNS])
    _fresh(output)
    watch = Stopwatch()
    table = pa_json.read_json(
        file,
        read_options=pa_json.ReadOptions(use_threads=True),
        parse_options=pa_json.ParseOptions(explicit_schema=schema, unexpected_field_behavior="ignore"),
    )
    pq.write_table(table, Path(output) / "messages.parquet", compression=COMPRESSION)
    return _result(watch, table.num_rows, Path(output))


def _hashed_recipients(value: Any) -> Any:
    """A recipient (or list of them) with the address hashed and the display name removed."""
    if isinstance(value, list):
        return [_hashed_recipients(item) for item in value]
    if not isinstance(value, dict) or not isinstance(value.get("emailAddress"), dict):
        return value
    address = value["emailAddress"].get("address")
    digest = None
    if address is not None:
        digest = hmac.new(HASH_KEY, address.strip().lower().encode(), hashlib.sha256).hexdigest()
    return {"emailAddress": {"name": None, "address": digest}}
