"""Where delta reads resume: each (dataset, scope)'s delta links and an index id → UTC day.

Graph reports a deleted item as ``{"id": ..., "@removed": {...}}`` with no other property, so
the day partition it was copied in must be remembered from when it was last seen. One SQLite
file per (dataset, scope), ``<root>/<dataset>/<scope>.sqlite``, holds both the delta links and
that index; a :meth:`DeltaStore.session` is one transaction over both, so the links advance only
if the index update committed, and a failed read leaves both as they were.

The index is compact and never loaded whole: each id is kept as a 64-bit hash (the rowid) with
the day as an ordinal — about 20 bytes an id on disk; two of ten million ids share a hash with
odds of about 3 in a million, and then a deletion re-copies the other id's day as well.

>>> import datetime as dt, tempfile, pathlib
>>> store = DeltaStore(pathlib.Path(tempfile.mkdtemp()))
>>> with store.session("Message_v1", "sales") as state:
...     state.record([("AAMkA1", dt.date(2026, 11, 18))], previous=False)
...     state.save_links({"u1/inbox": "https://graph.example/v1.0/...$deltatoken=abc"}, "receivedDateTime")
set()
>>> with store.session("Message_v1", "sales") as state:
...     state.links, state.date_column, state.forget(["AAMkA1", "AAMkA2"])
({'u1/inbox': 'https://graph.example/v1.0/...$deltatoken=abc'}, 'receivedDateTime', {'AAMkA1': datetime.date(2026, 11, 18)})
>>> store.load("Message_v1", "engineering")
{}
"""

from __future__ import annotations

import abc
import datetime as dt
import hashlib
import re
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, closing, contextmanager
from pathlib import Path

DEFAULT_LOCK_TIMEOUT_S = 30.0  # how long a session waits for another one on the same file
_CHUNK = 500  # ids per `IN (...)` query: below SQLite's bound-parameter limit
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS links (key TEXT PRIMARY KEY, link TEXT NOT NULL) WITHOUT ROWID",
    "CREATE TABLE IF NOT EXISTS seen (id_hash INTEGER PRIMARY KEY, day INTEGER NOT NULL)",
    "CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID",
)


class DeltaStateStore(abc.ABC):
    """Where delta state is kept: SQLite files (:class:`DeltaStore`) or the state database
    (:class:`~mgdc_pipelines.sources.graph.delta_state_database.DatabaseDeltaStore`)."""

    @abc.abstractmethod
    def session(self, dataset: str, scope: str) -> AbstractContextManager[DeltaSession]:
        """One transaction on the (dataset, scope) state: committed if the block ends normally."""

    def load(self, dataset: str, scope: str) -> dict[str, str]:
        """The stored delta links (``{}``: none yet)."""
        with self.session(dataset, scope) as state:
            return state.links

    def save(self, dataset: str, scope: str, links: Mapping[str, str]) -> None:
        """Replace the delta links, keeping the index and its date column."""
        with self.session(dataset, scope) as state:
            state.save_links(links, state.date_column)


class DeltaStore(DeltaStateStore):
    """Delta state by (dataset, scope) under ``root``; see the module docstring."""

    def __init__(self, root: Path, lock_timeout_s: float = DEFAULT_LOCK_TIMEOUT_S) -> None:
        self.root = Path(root)
        self.lock_timeout_s = lock_timeout_s

    def path(self, dataset: str, scope: str) -> Path:
        check_state_key(dataset, scope)
        return self.root / dataset / f"{scope}.sqlite"

    @contextmanager
    def session(self, dataset: str, scope: str) -> Iterator[DeltaSession]:
        """One transaction on the (dataset, scope) state: committed if the block ends normally."""
        path = self.path(dataset, scope)
        path.parent.mkdir(parents=True, exist_ok=True)
        with closing(sqlite3.connect(path, timeout=self.lock_timeout_s, isolation_level=None)) as db:
            try:
                db.execute("BEGIN IMMEDIATE")  # one writer per file: a second session waits here
                for statement in _SCHEMA:
                    db.execute(statement)
                yield DeltaSession(db)
                db.execute("COMMIT")
            except sqlite3.DatabaseError as error:
                _roll_back(db)
                raise type(error)(f"delta state {path}: {error}; nothing was saved") from error
            except BaseException:
                _roll_back(db)
                raise

    def load(self, dataset: str, scope: str) -> dict[str, str]:
        if not self.path(dataset, scope).exists():
            return {}  # not even an empty file for a state nobody saved
        return super().load(dataset, scope)


class DeltaSession:
    """The state of one (dataset, scope) inside an open transaction."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db
        self.links: dict[str, str] = dict(db.execute("SELECT key, link FROM links"))
        row = db.execute("SELECT value FROM meta WHERE name = 'date_column'").fetchone()
        self.date_column: str | None = row[0] or None if row else None

    def reset(self) -> None:
        """Forget the links and the index (the next read is a new baseline)."""
        self._db.execute("DELETE FROM links")
        self._db.execute("DELETE FROM seen")
        self.links = {}

    def record(self, days: Sequence[tuple[str, dt.date]], previous: bool = True) -> set[dt.date]:
        """Index each id's day; with ``previous``, return the other days they were indexed under."""
        hashed = [(id_hash(object_id), day.toordinal()) for object_id, day in days]
        before = self._days([key for key, _ in hashed]) if previous else {}
        self._db.executemany(
            "INSERT INTO seen (id_hash, day) VALUES (?, ?) ON CONFLICT (id_hash) DO UPDATE SET day = excluded.day",
            hashed,
        )
        return {dt.date.fromordinal(before[key]) for key, day in hashed if before.get(key, day) != day}

    def forget(self, object_ids: Iterable[str]) -> dict[str, dt.date]:
        """Remove ids from the index; return the day of each one it held."""
        hashes = {object_id: id_hash(object_id) for object_id in object_ids}
        days = self._days(list(hashes.values()))
        self._db.executemany("DELETE FROM seen WHERE id_hash = ?", [(key,) for key in days])
        return {object_id: dt.date.fromordinal(days[key]) for object_id, key in hashes.items() if key in days}

    def save_links(self, links: Mapping[str, str], date_column: str | None) -> None:
        """The links (and the date column the index was filled from) to resume from next time."""
        self._db.execute("DELETE FROM links")
        self._db.executemany("INSERT INTO links (key, link) VALUES (?, ?)", sorted(links.items()))
        self._db.execute("INSERT OR REPLACE INTO meta (name, value) VALUES ('date_column', ?)", (date_column or "",))
        self.links, self.date_column = dict(links), date_column

    def _days(self, keys: Sequence[int]) -> dict[int, int]:
        found: dict[int, int] = {}
        for start in range(0, len(keys), _CHUNK):
            chunk = keys[start : start + _CHUNK]
            marks = ",".join("?" * len(chunk))
            found.update(self._db.execute(f"SELECT id_hash, day FROM seen WHERE id_hash IN ({marks})", chunk))
        return found


def check_state_key(dataset: str, scope: str) -> None:
    """A (dataset, scope) key names a file or a row: no path separators, no surprises."""
    for part in (dataset, scope):
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", part):
            raise ValueError(f"delta state key {part!r} must be a dataset name or scope alias")


def id_hash(object_id: str) -> int:
    """An object id's 64-bit index key."""
    return int.from_bytes(hashlib.blake2b(object_id.encode(), digest_size=8).digest(), "big", signed=True)


def _roll_back(db: sqlite3.Connection) -> None:
    if db.in_transaction:
        db.execute("ROLLBACK")
