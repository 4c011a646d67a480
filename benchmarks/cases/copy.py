"""``copy``: N Message_v1 rows to Parquet by mgdc, a naive pandas script, dlt and the pyarrow
limit, and by mgdc to a Delta table (``mgdc_delta``: the same copy into ``DeltaSink.local``).

Competitors run alternately in fresh processes (``harness.alternate``), a short one until its
runs add up to ``settings.min_timed_seconds``; rows/s and input MB/s come from the median time.
Ratios are mgdc's rows/s over each other's, and mgdc_delta's over the limit's;
``delta_vs_parquet`` is mgdc_delta's rows/s over mgdc's (the two ratios' quotient).
``cpu_ratios`` are mgdc's and mgdc_delta's against the limit by median CPU time (all threads of
the copy's process, imports excluded).
"""

from __future__ import annotations

import statistics
from pathlib import Path
from typing import Any

import pyarrow.dataset as pads
import pyarrow.parquet as pq

from benchmarks.copiers import mgdc_partition, mgdc_sink
from benchmarks.data import COLUMNS, DATASET, HASHED, message_delivery
from benchmarks.harness import alternate, summarize
from benchmarks.settings import MAX_REPETITIONS, Settings

COMPETITORS = ("mgdc", "mgdc_delta", "naive", "dlt", "limit")


def run(settings: Settings) -> dict[str, Any]:
    delivery = message_delivery(settings.rows)
    file = str(delivery.files[0])
    out = {name: str(settings.folder("copy", name)) for name in COMPETITORS}
    quarantine = str(settings.folder("copy", "quarantine"))

    def mgdc(sink: str, name: str) -> tuple[str, dict[str, str]]:
        return ("benchmarks.copiers:mgdc_copy",
                {"root": str(delivery.root), "output": out[name], "quarantine": quarantine, "sink": sink})

    runs = alternate(
        {
            "mgdc": mgdc("parquet", "mgdc"),
            "mgdc_delta": mgdc("delta", "mgdc_delta"),
            "naive": ("benchmarks.copiers:naive_copy", {"file": file, "output": out["naive"]}),
            "dlt": ("benchmarks.copiers:dlt_copy", {"file": file, "output": out["dlt"]}),
            "limit": ("benchmarks.copiers:limit_copy", {"file": file, "output": out["limit"]}),
        },
        repetitions=settings.repetitions, min_seconds=settings.min_timed_seconds,
        max_repetitions=MAX_REPETITIONS,
    )
    megabytes = delivery.bytes / 1e6
    summaries = {name: summarize(measurements) for name, measurements in runs.items()}
    for name, summary in summaries.items():
        rows = runs[name][-1].details["rows"]
        if rows != delivery.rows:
            raise AssertionError(f"{name} copied {rows} rows of {delivery.rows}")
        summary["rows_per_s"] = delivery.rows / summary["seconds"]
        summary["input_mb_per_s"] = megabytes / summary["seconds"]
        summary["cpu_seconds"] = statistics.median(m.details["cpu_seconds"] for m in runs[name])
    rate = {name: summary["rows_per_s"] for name, summary in summaries.items()}
    ratios = {f"mgdc/{name}": rate["mgdc"] / rate[name] for name in ("limit", "naive", "dlt")}
    ratios["mgdc_delta/limit"] = rate["mgdc_delta"] / rate["limit"]
    cpu = {name: summary["cpu_seconds"] for name, summary in summaries.items()}
    parquet_output = pads.dataset(runs["mgdc"][-1].details["files"], format="parquet")
    delta_sink = mgdc_sink("delta", out["mgdc_delta"])  # read as any Delta reader would, via the log
    delta_output = delta_sink.open_dataset([mgdc_partition()], DATASET.output_schema(COLUMNS))
    return {
        "rows": delivery.rows,
        "input_mb": round(megabytes, 1),
        "bytes_per_row": round(delivery.bytes / delivery.rows),
        "columns": len(COLUMNS),
        "hashed_columns": list(HASHED),
        "repetitions": {name: len(measurements) for name, measurements in runs.items()},
        "competitors": summaries,
        "rows_per_s": rate,
        "peak_rss_mb": {name: summary["peak_rss_mb"] for name, summary in summaries.items()},
        "ratios": ratios,
        # The same ratios by median CPU time: steadier than the wall clock on a shared machine.
        "cpu_ratios": {
            f"{name}/limit": cpu["limit"] / cpu[name] for name in ("mgdc", "mgdc_delta")
        },
        "delta_vs_parquet": rate["mgdc_delta"] / rate["mgdc"],
        "unhashed_columns_match_limit": unhashed_columns_match(parquet_output, out["limit"]),
        "delta_unhashed_columns_match_limit": unhashed_columns_match(delta_output, out["limit"]),
        "outputs": out,
    }


def unhashed_columns_match(ours: pads.Dataset, limit_folder: str) -> bool:
    """Whether mgdc's output (its Parquet files, or its Delta table as a Delta reader sees it)
    holds exactly what the limit wrote, row for row and type for type, in every column it does
    not hash."""
    columns = [column for column in COLUMNS if column not in HASHED]
    theirs = pq.read_table(Path(limit_folder) / "messages.parquet", columns=columns)
    return ours.to_table(columns=columns).equals(theirs)
