"""The audit log as a table of who accessed what: one row per record, the rest as details.

Long cells are shortened and the details cut to keep a line within ``width`` characters;
``mgdc-pipelines audit --json`` prints the records whole.

>>> print(access_report([{"seq": 1, "at": "2026-11-20T12:00:00+00:00", "event": "approved",
...                       "approver": "admin@contoso.com"}]))
TIME (UTC)           EVENT     DETAIL
-------------------  --------  --------------------------
2026-11-20 12:00:00  approved  approver=admin@contoso.com
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from mgdc_pipelines.catalog import DATASET_PREFIX

_MAX_CELL = 48
DEFAULT_WIDTH = 200  # characters per line, DETAIL cut to fit; it keeps at least _MIN_DETAIL
_MIN_DETAIL = 32
# A committed partition's folder, `<dataset>/date=<day>[/scope=<key>]`: shown as Dagster's partition key.
_PARTITION_FOLDER = re.compile(r"^(?:[^/]+/)?date=([^/|]+)(?:/scope=([^/|]+))?$")
# Chain bookkeeping: verified by `audit verify`, not interesting in a table.
_CHAIN_FIELDS = {"seq", "prev", "hash"}


def _partition(entry: dict) -> Any:
    """The partition as its Dagster key (``2026-11-20|sales``), however the record names it.

    >>> _partition({"partition": "BasicDataSet_v0.Message_v1/date=2026-11-20/scope=sales"})
    '2026-11-20|sales'
    """
    value = entry.get("partition") or entry.get("partitions")
    if isinstance(value, str):
        match = _PARTITION_FOLDER.match(value)
        if match:
            return "|".join(part for part in match.groups() if part)
    return value


def _destination(entry: dict) -> Any:
    """Where the data went: the sink's root when the URI ends with the partition's folder (which
    the PARTITION column shows).

    >>> _destination({"partition": "Message_v1/date=2026-11-20", "destination": "file:///d/Message_v1/date=2026-11-20"})
    'file:///d/'
    """
    uri, folder = entry.get("destination") or entry.get("uri"), entry.get("partition")
    if isinstance(uri, str) and isinstance(folder, str) and folder and uri.endswith(folder):
        return uri.removesuffix(folder)
    return uri


# (header, how to read the cell from an entry, its longest text); columns no entry fills are left out.
_COLUMNS: tuple[tuple[str, Any, int], ...] = (
    ("TIME (UTC)", lambda e: str(e["at"])[:19].replace("T", " "), _MAX_CELL),
    ("EVENT", lambda e: e["event"], _MAX_CELL),
    ("DATASET", lambda e: e.get("dataset"), _MAX_CELL),
    ("PARTITION", _partition, _MAX_CELL),
    ("ROWS", lambda e: e.get("rows"), _MAX_CELL),
    ("COLUMNS", lambda e: e.get("columns"), 32),  # the count and both ends of the list
    ("SCOPE", lambda e: e.get("scope"), _MAX_CELL),
    ("DESTINATION", _destination, 40),  # both ends: the scheme and account, and the sink's folder
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


def access_report(entries: Iterable[dict[str, Any]], *, width: int = DEFAULT_WIDTH) -> str:
    """A table of who accessed what: one row per event, the rest as ``key=value`` details, cut
    with "…" where a line would pass ``width`` characters."""
    entries = list(entries)
    if not entries:
        return "no audit events"
    headers = [header for header, _, _ in _COLUMNS] + ["DETAIL"]
    rows = [[_cell(read(entry), limit) for _, read, limit in _COLUMNS] + [_details(entry)] for entry in entries]
    used = [i for i in range(len(headers)) if i < 2 or any(row[i] for row in rows)]
    headers, rows = [headers[i] for i in used], [[row[i] for i in used] for row in rows]
    if headers[-1] == "DETAIL":
        fixed = sum(max(len(row[i]) for row in [headers, *rows]) + 2 for i in range(len(headers) - 1))
        room = max(width - fixed, _MIN_DETAIL)
        rows = [[*row[:-1], _cut(row[-1], room)] for row in rows]
    return _table(headers, rows)


def _cut(text: str, room: int) -> str:
    """``text``, or its first ``room - 1`` characters and "…"."""
    return text if len(text) <= room else text[: room - 1].rstrip() + "…"


def _cell(value: Any, limit: int = _MAX_CELL) -> str:
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
    if len(text) <= limit:
        return text
    head = limit // 3  # keep both ends: a URI's tail names the partition
    return text[:head] + "…" + text[len(text) - (limit - head - 1) :]


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
