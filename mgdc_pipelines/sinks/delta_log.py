"""The data files a Delta table's versions removed, read from the table's log itself.

A withdrawal must delete every file of the partition that an older version can still read
by time travel. delta-rs names removed files only through ``vacuum``, and vacuum answers by
the clock: it skips a removal stamped at or after "now" (the same millisecond, or a writer
whose clock runs ahead) and forgets removals a checkpoint dropped as expired, although the
commits before that checkpoint still make those versions readable. So the log is read here:

- every commit file still in ``_delta_log`` (``<version>.json``, and log compactions): each
  removal since the oldest checkpoint is in one of them, and so is every older removal while
  the commits before that checkpoint are kept;
- the oldest checkpoint's removals, for the commits log clean-up deleted before it.

Delta never rewrites a log file once written, so :class:`LogRemovals` reads each one once: a
suspension that withdraws a year of daily partitions reads the log once, not once a partition.

>>> import tempfile, pyarrow as pa, deltalake
>>> storage = LocalTableStorage(tempfile.mkdtemp())
>>> table, rows = storage.table_uri("Example_v1"), pa.table({"id": ["a"], "scope": ["all"]})
>>> deltalake.write_deltalake(table, rows, partition_by=["scope"])
>>> deltalake.write_deltalake(table, rows, mode="overwrite")  # replaces the first file
>>> removals = LogRemovals(storage, "Example_v1")
>>> [path.split("/")[0] for path in removals.under("scope=all")], removals.under("scope=other")
(['scope=all'], [])
"""

from __future__ import annotations

import io
import json
import posixpath
import re
from urllib.parse import unquote

import pyarrow.fs as pafs
import pyarrow.parquet as pq

from mgdc_pipelines.sinks.delta_storage import TableStorage
from mgdc_pipelines.sinks.delta_storage import LocalTableStorage  # noqa: F401  (the doctest's)

LOG_FOLDER = "_delta_log"
# <version>.json, and a log compaction <from>.<to>.compacted.json: both hold actions.
_COMMIT = re.compile(r"\d{20}(\.\d{20}\.compacted)?\.json")
# <version>.checkpoint.parquet, or the parts of a multi-part one.
_CHECKPOINT = re.compile(r"(\d{20})\.checkpoint(\.\d{10}\.\d{10})?\.parquet")
# A V2 checkpoint (<version>.checkpoint.<uuid>.json|parquet) keeps its actions in sidecar files.
_V2_CHECKPOINT = re.compile(r"\d{20}\.checkpoint\.[0-9a-fA-F-]{36}\.(json|parquet)")
# Actions only a V2 checkpoint holds, which may also take the classic name. delta-rs's classic
# checkpoints have a sidecar column too, all null: a V2 checkpoint is one with a value in one.
_V2_ACTIONS = ("sidecar", "checkpointMetadata")


class UnreadableDeltaLogError(RuntimeError):
    """The table's log uses a form this reader does not know (a V2 checkpoint), or a line of it
    is not a Delta action. Its message names the log file (and line), never the line's text."""


class LogRemovals:
    """The removals ``dataset``'s log holds, each log file read once (then only new ones)."""

    def __init__(self, storage: TableStorage, dataset: str) -> None:
        self.storage, self.dataset = storage, dataset
        self._by_file: dict[str, list[str]] = {}  # log file → the paths its removals name

    def under(self, folder: str) -> list[str]:
        """Paths (relative to the table, as its folders name them) of the data files under
        ``folder`` that a remove action of the log names, sorted; ``folder=""``: all."""
        commits, checkpoint = _log_files(self.storage.list_files(self.dataset, LOG_FOLDER))
        table = self.storage.filesystem(self.dataset)
        known, self._by_file = self._by_file, {}  # files clean-up deleted are forgotten
        for names, read in ((commits, _commit_removals), (checkpoint, _checkpoint_removals)):
            for name in names:
                self._by_file[name] = known[name] if name in known else read(table, name)
        prefix = f"{folder}/" if folder else ""
        paths = {path for removed in self._by_file.values() for path in removed}
        return sorted(path for path in paths if path.startswith(prefix))


def _log_files(names: list[str]) -> tuple[list[str], list[str]]:
    """The log's commit files, and the parts of its oldest checkpoint (none without one)."""
    v2 = [name for name in names if _V2_CHECKPOINT.fullmatch(name)]
    if v2:
        raise _v2_checkpoint_error(f"{LOG_FOLDER}/{v2[0]}")
    commits = [f"{LOG_FOLDER}/{name}" for name in names if _COMMIT.fullmatch(name)]
    matches = [match for name in names if (match := _CHECKPOINT.fullmatch(name))]
    checkpoints = [(match.group(1), match.group(0)) for match in matches]
    oldest = min((version for version, _ in checkpoints), default=None)
    return commits, [f"{LOG_FOLDER}/{name}" for version, name in checkpoints if version == oldest]


def _commit_removals(table: pafs.FileSystem, name: str) -> list[str]:
    """The removals of one commit file, read a line at a time (a commit may be large)."""
    removed = []
    with table.open_input_stream(name) as stream:
        for number, line in enumerate(io.TextIOWrapper(stream, encoding="utf-8"), start=1):
            removal = _removal(line, name, number)
            if removal is not None:
                removed.append(removal)
    return _data_file_paths(removed)


def _removal(line: str, name: str, number: int) -> str | None:
    """The path a log line's remove action names (None: another action, or a blank line)."""
    if not line.strip():
        return None
    try:
        action = json.loads(line)
        if not isinstance(action, dict):
            raise TypeError("not an object")
        return str(action["remove"]["path"]) if "remove" in action else None
    except (ValueError, TypeError, KeyError):  # not JSON, not an object, a removal without path
        raise UnreadableDeltaLogError(
            f"{name} line {number} is not a Delta log action (a JSON object; a remove action names"
            " its file's path): the log was edited or damaged, so which files older versions read"
            " is unknown and nothing is deleted; restore the file from a backup"
        ) from None


def _checkpoint_removals(table: pafs.FileSystem, name: str) -> list[str]:
    with table.open_input_file(name) as stream:
        checkpoint = pq.ParquetFile(stream)
        v2_columns = [column for column in _V2_ACTIONS if column in checkpoint.schema_arrow.names]
        # The whole remove column (a nested "remove.path" comes back flat, named "path").
        actions = checkpoint.read(columns=["remove", *v2_columns])
    if any(actions.column(column).null_count < actions.num_rows for column in v2_columns):
        raise _v2_checkpoint_error(name)  # a V2 checkpoint under the classic name
    removals = actions.column("remove").combine_chunks()
    paths = removals.field("path").filter(removals.is_valid())
    return _data_file_paths(paths.to_pylist())


def _v2_checkpoint_error(name: str) -> UnreadableDeltaLogError:
    return UnreadableDeltaLogError(
        f"{name} is a V2 checkpoint, which this sink never writes and cannot read (its sidecar"
        " files may hold removals); a withdrawal needs the table's classic checkpoints"
        " (delta.checkpointPolicy=classic)"
    )


def _data_file_paths(log_paths: list[str]) -> list[str]:
    """The paths in the table folder that removals naming ``log_paths`` may delete.

    A log names files by URI-encoded path (``scope=a%2520b``: the folder ``scope=a%20b``),
    normalized here so that a path climbing out of its folder (``scope=all/../../x``) is not
    under it. Only a log written by hand (by anyone who can write the sink) names a path outside
    the table (``../x``, ``/x``) or in a folder Delta keeps for itself or readers skip (named
    ``_…`` or ``.…``: ``_delta_log`` among them). Such paths are left out: acting on them would
    delete the log, or files that are not the table's data (an unpartitioned table's withdrawal
    takes every removal, not only those under a partition folder)."""
    paths = [posixpath.normpath(unquote(path)) for path in log_paths]
    return [path for path in paths if _in_data_folder(path)]


def _in_data_folder(path: str) -> bool:
    """Whether normalized ``path`` is inside the table folder, and no name on it starts with
    ``_`` or ``.`` (``..`` among them: readers skip such files, and Delta data is never one)."""
    names = path.split("/")
    return not posixpath.isabs(path) and not any(name.startswith(("_", ".")) for name in names)
