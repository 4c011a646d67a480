"""The append-only audit log: one JSON object per line, never rewritten.

Every approval, denial, suspension and copy appends an event, so an admin can answer "who
accessed what, when, under which grant". Only JSON values go in, and never secrets.

>>> import tempfile, pathlib
>>> log = AuditLog(pathlib.Path(tempfile.mkdtemp()) / "demo.audit.jsonl")
>>> log.append("approved", approver="admin@contoso.com")["event"]
'approved'
>>> [entry["approver"] for entry in log.entries()]
['admin@contoso.com']
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from mgdc_pipelines.catalog import DATASET_PREFIX
from mgdc_pipelines.consent.clock import as_utc, from_iso, to_iso, utc_now
from mgdc_pipelines.consent.errors import ConsentError

_MAX_CELL = 48


class AuditLog:
    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)

    def append(self, event: str, *, at: datetime | None = None, **fields: Any) -> dict[str, Any]:
        """Append one event (``at`` defaults to now, UTC) and return it as written."""
        entry = {"at": to_iso(at if at is not None else utc_now()), "event": event, **fields}
        try:
            line = json.dumps(entry, ensure_ascii=False) + "\n"
        except (TypeError, ValueError) as error:
            raise TypeError(
                f"audit event {event!r}: fields must be JSON values ({error})"
            ) from None
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o640)  # read: the last byte
        try:
            # A crash mid-write can leave a torn last line; start on a fresh line so it stays alone.
            prefix = "" if _ends_cleanly(fd) else "\n"
            os.write(
                fd, (prefix + line).encode("utf-8")
            )  # one write: concurrent appenders don't interleave
            os.fsync(fd)
        finally:
            os.close(fd)
        return entry

    def entries(self, since: datetime | None = None) -> list[dict[str, Any]]:
        """Events in file order, optionally those at or after ``since``; a broken line is an error."""
        if not self.path.exists():
            return []
        threshold = as_utc(since, "since") if since is not None else None
        found = []
        for number, line in enumerate(self.path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            entry = _parse(line, f"{self.path}:{number}")
            if threshold is None or from_iso(entry["at"], f"{self.path}:{number} at") >= threshold:
                found.append(entry)
        return found


def record_decision(log: AuditLog, authorization: Any, **extra: Any) -> dict[str, Any]:
    """Append an admin's approve/deny decision (an :class:`Authorization`) to ``log``."""
    registration = authorization.registration
    return log.append(
        authorization.decision,
        at=authorization.decided_at,
        app=registration.app_name,
        approver=authorization.approver,
        fingerprint=authorization.fingerprint,
        datasets=[grant.short_name for grant in registration.datasets],
        expires_at=to_iso(authorization.expires_at),
        deny_group_ids=list(authorization.deny_group_ids),
        key_id=authorization.key_id,
        **extra,
    )


def _ends_cleanly(fd: int) -> bool:
    size = os.fstat(fd).st_size
    return size == 0 or os.pread(fd, 1, size - 1) == b"\n"


def _parse(line: str, where: str) -> dict[str, Any]:
    try:
        entry = json.loads(line)
    except json.JSONDecodeError:
        raise ConsentError(f"audit log {where} is not a JSON line (torn or edited)") from None
    if not isinstance(entry, dict) or "at" not in entry or "event" not in entry:
        raise ConsentError(f"audit log {where}: expected an object with `at` and `event`")
    return entry


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
_SHOWN = {
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
