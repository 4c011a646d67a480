"""What every sink writes the same way: part-file names, attempt ids, the manifest, Hive reading.

A partition's manifest lives outside the folders readers glob (see :mod:`mgdc_pipelines.sinks.base`):

>>> import datetime as dt
>>> manifest_path(PartitionRef("Example_v1", dt.date(2026, 11, 20), "all"))
'_manifests/Example_v1/date=2026-11-20/scope=all.json'
>>> part_name(0, "0123456789ab", ".parquet")
'part-00000-0123456789ab.parquet'
>>> part_tag("part-00007-0123456789ab.json"), part_tag("notes.txt")
('0123456789ab', None)
>>> attempt_tag("20261120T093000-0123456789ab")
'0123456789ab'
>>> manifest_rows(b'{"files": [], "rows": 200}'), manifest_rows(b'{"rows": "200"}'), manifest_rows(b"{")
(200, None, None)
"""

from __future__ import annotations

import datetime as dt
import json
import re
import urllib.parse
import uuid
from collections.abc import Sequence

import pyarrow as pa
import pyarrow.dataset as pads
import pyarrow.json as pa_json

from mgdc_pipelines.sinks.base import PartitionRef

# The `_`-prefixed folder of the sink root (or prefix) that holds every partition's manifest;
# Hive readers (pyarrow, Spark, DuckDB and polars with hive partitioning) skip `_` folders.
MANIFESTS_DIR = "_manifests"
# A manifest file's name where it is written first (a local attempt's folder) and where versions
# before this layout kept it: inside the published partition folder (read as a fallback; see base.py).
MANIFEST_FILE = "_manifest.json"
_PART_NAME = re.compile(r"part-\d{5}-(?P<tag>[0-9a-f]{12})\.[a-z]+")
# Characters left as they are in URIs: unreserved ones, the path separator and Hive's `=`.
_URI_SAFE = "/=:@-._~"


def new_attempt_id() -> str:
    """``20261120T093000-0123456789ab``: sortable by start time, unique by its random tag."""
    return f"{dt.datetime.now(dt.timezone.utc):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:12]}"


def attempt_tag(attempt_id: str) -> str:
    """The random part of an attempt id; it is in every file name the attempt writes."""
    return attempt_id.rsplit("-", 1)[1]


def part_name(index: int, tag: str, extension: str) -> str:
    # The attempt tag in the name means a reader that listed the old files never opens a new
    # file under an old name: it reads the old version whole, or fails and reads again.
    return f"part-{index:05d}-{tag}{extension}"


def part_tag(name: str) -> str | None:
    """The attempt tag of a part file name; None for any other name."""
    match = _PART_NAME.fullmatch(name)
    return match.group("tag") if match else None


def manifest_path(partition: PartitionRef) -> str:
    """Where ``partition``'s manifest is, relative to the sink root (or prefix)."""
    return f"{MANIFESTS_DIR}/{partition.relative_path}.json"


def quote_path(path: str) -> str:
    """Percent-encode a path for a URI, keeping ``/`` and Hive's ``key=value`` readable."""
    return urllib.parse.quote(path, safe=_URI_SAFE)


def manifest(
    partition: PartitionRef,
    attempt_id: str,
    files: Sequence[str],
    rows: int,
    total_bytes: int,
    schema: pa.Schema,
) -> dict:
    """What a committed partition holds; the only list of files readers trust."""
    return {
        "partition": partition.relative_path,
        "attempt": attempt_id,
        "committed_at": dt.datetime.now(dt.timezone.utc).isoformat(),
        "files": list(files),
        "rows": rows,
        "bytes": total_bytes,
        "schema": schema.names,
    }


def manifest_files(payload: bytes, where: str) -> list[str]:
    """The file names a manifest lists; a name that could leave the partition folder is refused."""
    try:
        files = json.loads(payload)["files"]
    except (ValueError, KeyError, TypeError):
        raise ValueError(
            f"{where}: not a sink manifest (expected a JSON object with a 'files' list)"
        ) from None
    if not isinstance(files, list) or not all(isinstance(name, str) for name in files):
        raise ValueError(f"{where}: 'files' must be a list of file names")
    unsafe = [name for name in files if "/" in name or name in ("", ".", "..")]
    if unsafe:
        raise ValueError(f"{where}: lists names outside the partition folder: {unsafe}")
    return files


def manifest_rows(payload: bytes) -> int | None:
    """The row count a manifest records; None when it records none that can be trusted."""
    try:
        rows = json.loads(payload).get("rows")
    except (ValueError, AttributeError):
        return None
    # bool is an int to Python, but `"rows": true` is no count.
    return rows if isinstance(rows, int) and not isinstance(rows, bool) and rows >= 0 else None


def hive_partitioning(
    partitions: Sequence[PartitionRef],
) -> tuple[pads.Partitioning, list[pa.Field]]:
    """Hive ``date`` (and, when any partition has one, ``scope``) string columns."""
    fields = [pa.field("date", pa.string())]
    if any(p.scope is not None for p in partitions):
        fields.append(pa.field("scope", pa.string()))
    return pads.partitioning(pa.schema(fields), flavor="hive"), fields


def dataset_file_format(format_name: str, schema: pa.Schema) -> pads.FileFormat:
    """How a dataset reads written files; JSON lines are parsed with the written schema's types."""
    if format_name == "parquet":
        return pads.ParquetFileFormat()
    return pads.JsonFileFormat(parse_options=pa_json.ParseOptions(explicit_schema=schema))
