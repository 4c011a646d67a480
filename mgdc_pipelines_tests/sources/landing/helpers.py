"""Helpers for the landing source tests: write deliveries as real files, build requests, read back."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from pathlib import Path

import pyarrow as pa

from mgdc_pipelines.catalog import Dataset, get_dataset
from mgdc_pipelines.sources import ExtractRequest, Scope, TimeWindow
from mgdc_pipelines.sources.landing import LandingExtraction, LandingSource

TENANT_ID = "5b1c2c58-6a53-4f55-9d3f-2a0a1f0e7e11"
DAY = dt.date(2026, 11, 20)


def request(
    dataset: str | Dataset,
    window: TimeWindow | dt.date = DAY,
    *,
    columns: Sequence[str] | None = None,
    date_column: str | None = None,
    scope: Scope | None = None,
    batch_rows: int = 4096,
) -> ExtractRequest:
    """All columns and the first date-filter column unless told otherwise."""
    ds = get_dataset(dataset) if isinstance(dataset, str) else dataset
    return ExtractRequest(
        dataset=ds,
        columns=tuple(ds.column_names if columns is None else columns),
        date_filter_column=date_column or (ds.date_filter_columns[0] if ds.date_filter_columns else None),
        window=window if isinstance(window, TimeWindow) else TimeWindow.for_day(window),
        scope=scope or Scope.everyone(),
        tenant_id=TENANT_ID,
        batch_rows=batch_rows,
    )


def json_lines(rows: Iterable[object]) -> str:
    return "".join(json.dumps(row) + "\n" for row in rows)


def write_file(path: Path, text: str, *, bom: bool = False) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return path


def deliver(root: Path, dataset: str, rows: Iterable[object], *, run: str = "run-1", part: int = 1) -> Path:
    """One delivery file ``<root>/<dataset full name>/<run>/part-NNNN.json``."""
    name = get_dataset(dataset).name
    return write_file(root / name / run / f"part-{part:04d}.json", json_lines(rows))


def extract(source: LandingSource, req: ExtractRequest) -> tuple[pa.Table, LandingExtraction]:
    """Every batch of the request as one table (schema checked on each batch), and the extraction."""
    extraction = source.extract(req)
    batches = list(extraction)
    for batch in batches:
        assert batch.schema.equals(req.output_schema), batch.schema
    return pa.Table.from_batches(batches, schema=req.output_schema), extraction


def quarantined(extraction: LandingExtraction) -> list[dict]:
    path = extraction.stats.quarantine_file
    return [json.loads(line) for line in path.read_text().splitlines()] if path else []


def message(number: int, received: str = "2026-11-20T09:00:00Z", **extra: object) -> dict:
    """A small Message_v1 row, as MGDC delivers one."""
    return {
        "id": f"m{number}",
        "internetMessageId": f"<{number}@contoso.com>",
        "subject": f"Message {number}",
        "receivedDateTime": received,
        "isRead": False,
        "ptenant": TENANT_ID,
        "puser": "5f0a6c7c-1111-4c2d-9a0b-000000000001",
        **extra,
    }
