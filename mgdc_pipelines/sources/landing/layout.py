"""Where a dataset's delivery files are, and which of them one partition reads.

The convention (ADF's Office 365 connector writes several ``.json`` files per run into a
folder the pipeline names; MGDC itself imposes no layout)::

    <root>/<dataset full name>.json                  # one file, as the public samples are named
    <root>/<dataset full name>/**/<name>.json        # any .json / .jsonl file, at any depth
    <root>/<dataset full name>/**/<name>.jsonl

Two kinds of folder names mean something; every other folder name is free (run ids, ADF
window names such as ``2026-11-20-00-00-00-2026-11-21-00-00-00``, ...):

* ``YYYY-MM-DD`` or ``date=YYYY-MM-DD``: the files below are the delivery *of that day*. Only
  datasets without a row date to filter on (snapshots, CalendarView_v0) use it, to pick the
  day's snapshot; see :func:`select_files`.
* ``scope=<key>``: the files below belong to that scope partition (what ``LocalSink`` writes,
  so a sink's output reads back as a delivery); a request of another scope skips them.

Names starting with ``_`` or ``.`` are skipped, files and folders alike, as Hive and Spark
readers do: a sink's ``_manifest.json``, ``_staging/`` attempts, ``.crc`` and temporary files.

>>> import datetime as dt, pathlib, tempfile
>>> root = pathlib.Path(tempfile.mkdtemp())
>>> folder = root / "BasicDataSet_v0.User_v1" / "2026-11-20"
>>> folder.mkdir(parents=True)
>>> _ = (folder / "part-0001.json").write_text('{"id": "u1"}\\n')
>>> _ = (folder / "_SUCCESS").write_text("")
>>> delivery = delivery_files(root, "BasicDataSet_v0.User_v1")
>>> selection = select_files(delivery, day=dt.date(2026, 11, 20), scope_key="all")
>>> [path.name for path in selection.files], dict(selection.skipped)
(['part-0001.json'], {'hidden (_ or . prefix)': 1})
>>> selection.description
'the 2026-11-20 folder(s)'
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

DELIVERY_SUFFIXES = (".json", ".jsonl")
_DAY_FOLDER = re.compile(r"(?:date=)?(\d{4}-\d{2}-\d{2})")
_SCOPE_FOLDER = re.compile(r"scope=(.+)")

# Reasons a file is not read, as counted in `Selection.skipped` (and the extraction's stats).
SKIPPED_HIDDEN = "hidden (_ or . prefix)"
SKIPPED_NOT_JSON = "not .json/.jsonl"
SKIPPED_OTHER_SCOPE = "another scope's folder"
SKIPPED_OTHER_DAY = "another day's folder"
SKIPPED_NO_DAY = "outside any day folder"


class DeliveryNotFoundError(FileNotFoundError):
    """Nothing was delivered where the layout convention says a dataset's files are."""


@dataclass(frozen=True)
class DeliveryFile:
    """One delivered JSON-lines file and what its folders say about it."""

    path: Path
    day: dt.date | None = None  # from a `YYYY-MM-DD` / `date=YYYY-MM-DD` folder
    scope: str | None = None  # from a `scope=<key>` folder


@dataclass(frozen=True)
class DeliveryFiles:
    """Every candidate file of a dataset, and what the walk skipped (reason → count)."""

    dataset_name: str
    folder: Path  # <root>/<dataset full name>/, whether or not it exists
    files: tuple[DeliveryFile, ...]
    skipped: Counter[str] = field(default_factory=Counter)


@dataclass(frozen=True)
class Selection:
    """The files one partition reads, in read order, and why the others are not read."""

    files: tuple[Path, ...]
    skipped: Counter[str]
    description: str  # which files, in words: "all files as delivered", "the 2026-11-20 folder(s)"


def delivery_files(root: str | os.PathLike[str], dataset_name: str) -> DeliveryFiles:
    """All delivery files of ``dataset_name`` under ``root``, in path order.

    Raises :class:`DeliveryNotFoundError` when neither the dataset's folder nor its single file
    exists: a dataset that was never delivered must not read as a day without rows.
    """
    root = Path(root)
    folder = root / dataset_name
    single_files = [root / f"{dataset_name}{suffix}" for suffix in DELIVERY_SUFFIXES]
    found = [DeliveryFile(path) for path in single_files if path.is_file()]
    skipped: Counter[str] = Counter()
    if folder.is_dir():
        found.extend(_walk(folder, skipped))
    elif not found:
        raise DeliveryNotFoundError(
            f"no delivery of {dataset_name} under {root}: expected a folder {folder}/ holding "
            f".json/.jsonl files, or a file {single_files[0]}"
            + ("" if root.is_dir() else f" ({root} does not exist)")
        )
    return DeliveryFiles(dataset_name, folder, tuple(found), skipped)


def select_files(
    delivery: DeliveryFiles, *, day: dt.date | None, scope_key: str
) -> Selection:
    """The files a partition of ``scope_key`` reads; ``day`` picks a day folder (else: all days).

    Pass ``day`` for datasets whose rows have no date to filter on. If any file lies in a day
    folder, only files in that day's folders are read (a snapshot per day); if none does, every
    file is read as delivered. A day with no folder while other days have one raises
    :class:`DeliveryNotFoundError` (that day's snapshot was not delivered).
    """
    skipped = Counter(delivery.skipped)
    in_scope = _without_other_scopes(delivery.files, scope_key, skipped)
    if day is None or not any(file.day for file in in_scope):
        return Selection(tuple(file.path for file in in_scope), skipped, "all files as delivered")
    chosen = []
    for file in in_scope:
        if file.day == day:
            chosen.append(file.path)
        else:
            skipped[SKIPPED_OTHER_DAY if file.day else SKIPPED_NO_DAY] += 1
    if not chosen:
        raise DeliveryNotFoundError(_missing_day_message(delivery, day, in_scope))
    return Selection(tuple(chosen), skipped, f"the {day.isoformat()} folder(s)")


def _walk(folder: Path, skipped: Counter[str]) -> Iterable[DeliveryFile]:
    for directory, subfolders, names in os.walk(folder):
        hidden = [name for name in subfolders if _is_hidden(name)]
        skipped[SKIPPED_HIDDEN] += len(hidden)
        subfolders[:] = sorted(name for name in subfolders if not _is_hidden(name))  # prunes the walk
        relative_parts = Path(directory).relative_to(folder).parts
        for name in sorted(names):
            if _is_hidden(name):
                skipped[SKIPPED_HIDDEN] += 1
            elif not name.endswith(DELIVERY_SUFFIXES):
                skipped[SKIPPED_NOT_JSON] += 1
            else:
                yield DeliveryFile(
                    Path(directory, name), _day_of(relative_parts), _scope_of(relative_parts)
                )


def _is_hidden(name: str) -> bool:
    return name.startswith(("_", "."))


def _day_of(folder_names: Sequence[str]) -> dt.date | None:
    for name in reversed(folder_names):  # the innermost day folder wins
        match = _DAY_FOLDER.fullmatch(name)
        if match:
            try:
                return dt.date.fromisoformat(match.group(1))
            except ValueError:
                continue  # `2026-13-45` is just a folder name
    return None


def _scope_of(folder_names: Sequence[str]) -> str | None:
    for name in reversed(folder_names):
        match = _SCOPE_FOLDER.fullmatch(name)
        if match:
            return match.group(1)
    return None


def _without_other_scopes(
    files: Iterable[DeliveryFile], scope_key: str, skipped: Counter[str]
) -> list[DeliveryFile]:
    kept = []
    for file in files:
        if file.scope is None or file.scope == scope_key:
            kept.append(file)
        else:
            skipped[SKIPPED_OTHER_SCOPE] += 1
    return kept


def _missing_day_message(
    delivery: DeliveryFiles, day: dt.date, files: Sequence[DeliveryFile]
) -> str:
    days = sorted({file.day for file in files if file.day})
    shown = ", ".join(d.isoformat() for d in days[:5]) + (", ..." if len(days) > 5 else "")
    return (
        f"no delivery of {delivery.dataset_name} for {day.isoformat()}: {delivery.folder} "
        f"has day folders (YYYY-MM-DD or date=YYYY-MM-DD) for {len(days)} other day(s) ({shown}) "
        f"but none for {day.isoformat()}"
    )
