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
from collections.abc import Callable, Iterable, Sequence
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

    path: Path | str  # a local path, or `<container>/<blob name>` (see `store.py`)
    day: dt.date | None = None  # from a `YYYY-MM-DD` / `date=YYYY-MM-DD` folder
    scope: str | None = None  # from a `scope=<key>` folder


@dataclass(frozen=True)
class DeliveryFiles:
    """Every candidate file of a dataset, and what the walk skipped (reason → count)."""

    dataset_name: str
    folder: Path | str  # <root>/<dataset full name>/, whether or not it exists
    files: tuple[DeliveryFile, ...]
    skipped: Counter[str] = field(default_factory=Counter)


@dataclass(frozen=True)
class Selection:
    """The files one partition reads, in read order, and why the others are not read."""

    files: tuple[Path | str, ...]
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
            file = _delivery_file(Path(directory, name), relative_parts, name, skipped)
            if file is not None:
                yield file


def blob_delivery_files(
    names: Iterable[str], dataset_name: str, *, location: str, path_of: Callable[[str], str]
) -> DeliveryFiles:
    """:func:`delivery_files` for a flat listing of names relative to the landing prefix.

    ``names`` are blob names below the prefix (``<dataset>.json``, ``<dataset>/2026-11-20/a.json``,
    ...; others are ignored); ``path_of`` turns one into the file's ``DeliveryFile.path``. The
    same rules as on disk, and the same read order as the local walk (a folder's files before
    its subfolders, each sorted by name); a hidden folder counts once, however many files it has.

    >>> listing = ["U.json", "U/_tmp/a.json", "U/_tmp/b.json", "U/d/x.json", "U/2026-11-20/a.json",
    ...            "U/readme.txt", "Other/a.json"]
    >>> found = blob_delivery_files(listing, "U", location="c/landing", path_of=lambda n: "c/" + n)
    >>> [(f.path, f.day) for f in found.files], dict(found.skipped)
    ... # doctest: +NORMALIZE_WHITESPACE
    ([('c/U.json', None), ('c/U/2026-11-20/a.json', datetime.date(2026, 11, 20)),
      ('c/U/d/x.json', None)], {'not .json/.jsonl': 1, 'hidden (_ or . prefix)': 1})
    """
    single_names = [f"{dataset_name}{suffix}" for suffix in DELIVERY_SUFFIXES]
    folder = f"{location}/{dataset_name}/"
    names = set(names)
    found = [DeliveryFile(path_of(name)) for name in single_names if name in names]
    skipped: Counter[str] = Counter()
    in_folder = [name.split("/")[1:] for name in names if name.startswith(f"{dataset_name}/")]
    if not in_folder and not found:
        raise DeliveryNotFoundError(
            f"no delivery of {dataset_name} under {location}/: expected blobs under {folder} "
            f"named .json/.jsonl, or a blob {location}/{single_names[0]}"
        )
    hidden_folders: set[tuple[str, ...]] = set()
    # os.walk's order: at each level a folder's own files (0, name) before its subfolders (1, name).
    for parts in sorted(in_folder, key=lambda p: [(1, n) for n in p[:-1]] + [(0, p[-1])]):
        folders, name = parts[:-1], parts[-1]
        hidden = next((i for i, folder_name in enumerate(folders) if _is_hidden(folder_name)), None)
        if hidden is not None:
            if tuple(folders[: hidden + 1]) not in hidden_folders:
                hidden_folders.add(tuple(folders[: hidden + 1]))
                skipped[SKIPPED_HIDDEN] += 1
            continue
        path = path_of("/".join([dataset_name, *parts]))
        file = _delivery_file(path, folders, name, skipped)
        if file is not None:
            found.append(file)
    return DeliveryFiles(dataset_name, folder, tuple(found), skipped)


def _delivery_file(
    path: Path | str, folders: Sequence[str], name: str, skipped: Counter[str]
) -> DeliveryFile | None:
    if _is_hidden(name):
        skipped[SKIPPED_HIDDEN] += 1
    elif not name.endswith(DELIVERY_SUFFIXES):
        skipped[SKIPPED_NOT_JSON] += 1
    else:
        return DeliveryFile(path, _day_of(folders), _scope_of(folders))
    return None


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
