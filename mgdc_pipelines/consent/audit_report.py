"""The audit log as a table of who accessed what: one row per record, the rest as details.

>>> print(access_report([{"seq": 1, "at": "2026-11-20T12:00:00+00:00", "event": "approved",
...                       "approver": "admin@contoso.com"}]))
TIME (UTC)           EVENT     DETAIL
-------------------  --------  --------------------------
2026-11-20 12:00:00  approved  approver=admin@contoso.com
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from mgdc_pipelines.catalog import DATASET_PREFIX

_MAX_CELL = 48
# Chain bookkeeping: verified by `audit verify`, not interesting in a table.
_CHAIN_FIELDS = {"seq", "prev", "hash"}


def _partition(entry: dict) -> Any:
    return entry.get("partition") or entry.get("partitions")


# (header, how to read the cell from an entry); columns no entry fills are left out.
_COLUMNS: tuple[tuple[str, Any], ...] = (
    ("TIME (UTC)", lambda e: str(e["at"])[:19].replace("T", " ")),
    ("EVENT", lambda e: e["event"]),
    ("DATASET", lambda e: e.get("dataset")),
    ("PARTITION", _partition),
    ("ROWS", lambda e: e.get("rows")),
    ("COLUMNS", lambda e: e.get("columns")),
    ("SCOPE", lambda e: e.get("scope")),
    ("DESTINATION", lambda e: e.get("destination") or e.get("uri")),
)
_SHOWN = _CHAIN_FIELDS | {
    "at",
    "event",
    "dataset",
    "partition",
    "partitions",
    "rows",
    "columns",
    "scope",
    "destination",
    "uri",
}


def access_report(entries: Iterable[dict[str, Any]]) -> str:
    """A table of who accessed what: one row per event, the rest as ``key=value`` details."""
    entries = list(entries)
    if not entries:
        return "no audit events"
    headers = [header for header, _ in _COLUMNS] + ["DETAIL"]
    rows = [[_cell(read(entry)) for _, read in _COLUMNS] + [_details(entry)] for entry in entries]
    used = [i for i in range(len(headers)) if i < 2 or any(row[i] for row in rows)]
    return _table([headers[i] for i in used], [[row[i] for i in used] for row in rows])


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(DATASET_PREFIX):
        value = value.removeprefix(DATASET_PREFIX)
    if isinstance(value, Sequence) and not isinstance(value, str):
        text = ", ".join(str(item) for item in value)
        text = f"{len(value)}: {text}" if len(value) > 3 else text
    elif isinstance(value, dict):
        text = ", ".join(f"{k}={v}" for k, v in value.items())
    else:
        text = str(value)
    if len(text) <= _MAX_CELL:
        return text
    head = _MAX_CELL // 3  # keep both ends: a URI's tail names the partition
    return text[:head] + "…" + text[len(text) - (_MAX_CELL - head - 1) :]


def _details(entry: dict[str, Any]) -> str:
    """Approver, fingerprint (shortened), reason and any other field, in a stable order."""
    parts = []
    for key in sorted(
        set(entry) - _SHOWN, key=lambda k: (k not in ("approver", "fingerprint", "reason"), k)
    ):
        value = entry[key]
        if value in (None, "", [], {}):
            continue
        if key == "fingerprint" and isinstance(value, str):
            value = value[:12]
        parts.append(f"{key}={_cell(value)}")
    return "  ".join(parts)


def _table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in [headers, *rows]) for i in range(len(headers))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip()
        for row in [headers, *rows]
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)
