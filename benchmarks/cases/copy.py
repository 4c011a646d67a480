"""``copy``: N Message_v1 rows to Parquet by mgdc, a naive pandas script, dlt and the pyarrow limit.

Competitors run alternately in fresh processes (``harness.alternate``); rows/s and input MB/s
come from the median time. Ratios are mgdc's rows/s over each other's.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from benchmarks.data import COLUMNS, HASHED, message_delivery
from benchmarks.harness import alternate, summarize
from benchmarks.settings import Settings

COMPETITORS = ("mgdc", "naive", "dlt", "limit")


def run(settings: Settings) -> dict[str, Any]:
    delivery = message_delivery(settings.rows)
    file = str(delivery.files[0])
    out = {name: str(settings.folder("copy", name)) for name in COMPETITORS}
    quarantine = str(settings.folder("copy", "quarantine"))
    runs = alternate(
        {
            "mgdc": ("benchmarks.copiers:mgdc_copy",
                     {"root": str(delivery.root), "output": out["mgdc"], "quarantine": quarantine}),
            "naive": ("benchmarks.copiers:naive_copy", {"file": file, "output": out["naive"]}),
            "dlt": ("benchmarks.copiers:dlt_copy", {"file": file, "output": out["dlt"]}),
            "limit": ("benchmarks.copiers:limit_copy", {"file": file, "output": out["limit"]}),
        },
        repetitions=settings.repetitions,
    )
    megabytes = delivery.bytes / 1e6
    summaries = {name: summarize(measurements) for name, measurements in runs.items()}
    for name, summary in summaries.items():
        rows = runs[name][-1].details["rows"]
        if rows != delivery.rows:
            raise AssertionError(f"{name} copied {rows} rows of {delivery.rows}")
        summary["rows_per_s"] = delivery.rows / summary["seconds"]
        summary["input_mb_per_s"] = megabytes / summary["seconds"]
    rate = {name: summary["rows_per_s"] for name, summary in summaries.items()}
    mgdc_files = runs["mgdc"][-1].details["files"]
    return {
        "rows": delivery.rows,
        "input_mb": round(megabytes, 1),
        "bytes_per_row": round(delivery.bytes / delivery.rows),
        "columns": len(COLUMNS),
        "hashed_columns": list(HASHED),
        "repetitions": settings.repetitions,
        "competitors": summaries,
        "rows_per_s": rate,
        "peak_rss_mb": {name: summary["peak_rss_mb"] for name, summary in summaries.items()},
        "ratios": {f"mgdc/{name}": rate["mgdc"] / rate[name] for name in ("limit", "naive", "dlt")},
        "unhashed_columns_match_limit": unhashed_columns_match(mgdc_files, out["limit"]),
        "outputs": out,
    }


def unhashed_columns_match(mgdc_files: list[str], limit_folder: str) -> bool:
    """Whether mgdc wrote exactly what the limit wrote, in every column it does not hash."""
    columns = [column for column in COLUMNS if column not in HASHED]
    ours = pq.ParquetDataset(mgdc_files).read(columns=columns)
    theirs = pq.read_table(Path(limit_folder) / "messages.parquet", columns=columns)
    return ours.equals(theirs)
