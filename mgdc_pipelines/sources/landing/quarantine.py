"""The quarantine: delivered lines that could not become rows, kept with the reason, never lost.

One JSON-lines file per extraction, created on the first quarantined line (a clean partition
leaves no file)::

    <quarantine_dir>/<dataset full name>/<date>[-<scope>]-<UTC timestamp>.jsonl

Each line is ``{"file": ..., "line": ..., "error": ..., "text": ...}``: the delivery file, the
1-based line number, what is wrong, and the start of the line (at most
:data:`~mgdc_pipelines.sources.landing.reader.EXCERPT_CHARS` characters).

>>> import datetime as dt, json, tempfile
>>> from pathlib import Path
>>> from mgdc_pipelines.sources.landing.reader import LineRef
>>> quarantine = Quarantine(Path(tempfile.mkdtemp()), "BasicDataSet_v0.User_v1", "2026-11-20-all")
>>> quarantine.path is None
True
>>> quarantine.add(LineRef(Path("/landing/part-0001.json"), 7), "not valid JSON: ...", "{oops")
>>> quarantine.close()
>>> quarantine.count, quarantine.path.parent.name, quarantine.path.name.startswith("2026-11-20-all-")
(1, 'BasicDataSet_v0.User_v1', True)
>>> json.loads(quarantine.path.read_text())["line"]
7
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import TextIO

from mgdc_pipelines.sources.landing.reader import LineRef


class Quarantine:
    """Appends quarantined lines to this extraction's file, opened on first use."""

    def __init__(self, folder: Path, dataset_name: str, partition_name: str) -> None:
        self._folder = folder / dataset_name
        self._partition_name = partition_name
        self._stream: TextIO | None = None
        self.path: Path | None = None
        self.count = 0
        self.first: str | None = None  # "file:line: error" of the first line quarantined

    def add(self, where: LineRef, error: str, text: str) -> None:
        if self._stream is None:
            self._stream = self._open()
        record = {"file": str(where.file), "line": where.line, "error": error, "text": text}
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
        self._folder.mkdir(parents=True, exist_ok=True)
        # Microseconds keep two extractions of one partition apart; "x" never appends to another's.
        stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
        self.path = self._folder / f"{self._partition_name}-{stamp}.jsonl"
        # A lone surrogate (JSON "\\ud800", valid JSON but not UTF-8) is written as that escape.
        return open(self.path, "x", encoding="utf-8", errors="backslashreplace")
