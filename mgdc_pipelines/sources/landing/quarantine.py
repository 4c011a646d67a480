"""The quarantine: where each delivered line that could not become a row is, and why; never what.

One JSON-lines file per extraction, created on the first quarantined line (a clean partition
leaves no file)::

    <quarantine_dir>/<dataset full name>/<date>[-<scope>]-<UTC timestamp>.jsonl

Each record says how to find and fix the line, and holds none of its content (lines are
personal data, and the quarantine lies outside the authorized sink)::

    {"file": ..., "line": 7, "object": null, "offset": 1234, "error": ..., "column": ...,
     "expected": ..., "sha256": ...}

``file`` is the delivery file (``<container>/<blob>`` for Azure), ``line`` its 1-based number,
``object`` the 1-based position of the object on the line when the line holds several (else
null), ``offset`` the byte offset of the line's start in the file as delivered (a byte-order
mark counts; UTF-16 counts two bytes a code unit), ``error`` what is wrong; ``column`` (a
path inside nested values) and ``expected`` (its type) where a value is the problem, else
null; ``sha256`` the hex SHA-256 of the line's bytes as delivered (in the file's encoding; the
whole line, for an object sharing it), line ending excluded, so the line can be matched
without being shown (computed for quarantined lines only). Files are created owner-only (0600)
in folders created owner-only (0700).

>>> import json, stat, tempfile
>>> from pathlib import Path
>>> from mgdc_pipelines.sources.landing.reader import LineRef, RawLine
>>> root = Path(tempfile.mkdtemp()) / "quarantine"
>>> quarantine = Quarantine(root, "BasicDataSet_v0.Message_v1", "2026-11-20-all")
>>> quarantine.path is None
True
>>> line = RawLine(LineRef(Path("/landing/part-0001.json"), 7, 412), b'{"isRead": "yes"}\\n')
>>> quarantine.add(line, "line 7, column 'isRead': expected boolean, got a JSON string of 3 "
...                "characters", column="isRead", expected="boolean")
>>> quarantine.close()
>>> quarantine.count, quarantine.path.parent.name, quarantine.path.name.startswith("2026-11-20-all-")
(1, 'BasicDataSet_v0.Message_v1', True)
>>> record = json.loads(quarantine.path.read_text())
>>> record["line"], record["object"], record["offset"], record["column"], "text" in record
(7, None, 412, 'isRead', False)
>>> record["sha256"] == line.sha256()
True
>>> oct(stat.S_IMODE(quarantine.path.stat().st_mode)), oct(stat.S_IMODE(root.stat().st_mode))
('0o600', '0o700')
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import TextIO

from mgdc_pipelines.sources.landing.reader import RawLine

_OWNER_ONLY_FILE = 0o600
_OWNER_ONLY_FOLDER = 0o700


class Quarantine:
    """Appends quarantine records to this extraction's file, opened on first use."""

    def __init__(self, folder: Path, dataset_name: str, partition_name: str) -> None:
        self._root = folder
        self._folder = folder / dataset_name
        self._partition_name = partition_name
        self._stream: TextIO | None = None
        self.path: Path | None = None
        self.count = 0
        self.first: str | None = None  # "file:line: error" of the first line quarantined

    def add(
        self,
        line: RawLine,
        error: str,
        *,
        column: str | None = None,
        expected: str | None = None,
    ) -> None:
        """Record ``line`` with the reason (a message that names no value) and, where a value
        is the problem, its ``column`` path and ``expected`` type."""
        if self._stream is None:
            self._stream = self._open()
        where = line.where
        record = {
            "file": str(where.file),
            "line": where.line,
            "object": where.object,
            "offset": where.offset,
            "error": error,
            "column": column,
            "expected": expected,
            "sha256": line.sha256(),
        }
        self._stream.write(json.dumps(record, ensure_ascii=False) + "\n")
        self.count += 1
        if self.first is None:
            self.first = f"{where}: {error}"

    def close(self) -> None:
        if self._stream is not None:
            self._stream.close()
            self._stream = None

    def __enter__(self) -> Quarantine:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _open(self) -> TextIO:
        # Created with their modes (never chmod-ed after): no moment where others may look in.
        # Missing parents above the quarantine folder get the usual permissions, as `mkdir -p`.
        self._root.mkdir(mode=_OWNER_ONLY_FOLDER, parents=True, exist_ok=True)
        self._folder.mkdir(mode=_OWNER_ONLY_FOLDER, exist_ok=True)
        # Microseconds keep two extractions of one partition apart; O_EXCL never appends to
        # another's file nor follows a link planted at the name.
        stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
        self.path = self._folder / f"{self._partition_name}-{stamp}.jsonl"
        descriptor = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, _OWNER_ONLY_FILE)
        # A file name that is not UTF-8 (surrogate-escaped by the OS layer) is written escaped.
        return os.fdopen(descriptor, "w", encoding="utf-8", errors="backslashreplace")
