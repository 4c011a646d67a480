"""The Graph source's delta state in the state database (PostgreSQL), shared by every worker.

The same state as :class:`~mgdc_pipelines.sources.graph.delta_state.DeltaStore` keeps in one
SQLite file per (dataset, scope): the delta links, the id → day index and the date column the
index was filled from, in the tables ``mgdc_delta_links``, ``mgdc_delta_seen`` and
``mgdc_delta_meta`` under a namespace (the app's ``<tenant id>/<app id>``). A
:meth:`DatabaseDeltaStore.session` is one transaction holding the (namespace, dataset, scope)
advisory lock, so two workers reading the same delta queue up, the second starting from the
link the first committed: a link is never lost or read twice, and a failed read changes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert

from mgdc_pipelines.sources.graph.delta_state import DEFAULT_LOCK_TIMEOUT_S, DeltaStateStore, check_state_key, id_hash
from mgdc_pipelines.state.database import StateDatabase, delta_links, delta_meta, delta_seen

_CHUNK = 5000  # ids per statement


def delta_namespace(tenant_id: str, client_id: str) -> str:
    """Whose delta state it is: one namespace per tenant and app (Graph client id)."""
    return f"{tenant_id.lower()}/{client_id.lower()}"


class DatabaseDeltaStore(DeltaStateStore):
    """Delta state by (dataset, scope) under ``namespace`` in ``database``."""

    def __init__(self, database: StateDatabase, namespace: str, lock_timeout_s: float = DEFAULT_LOCK_TIMEOUT_S) -> None:
        self.database = database
        self.namespace = namespace
        self.lock_timeout_s = lock_timeout_s  # how long a session waits for another one on the same key

    @contextmanager
    def session(self, dataset: str, scope: str) -> Iterator[DatabaseDeltaSession]:
        check_state_key(dataset, scope)
        key = f"mgdc/delta/{self.namespace}/{dataset}/{scope}"
        with self.database.transaction(key, lock_timeout_s=self.lock_timeout_s) as connection:
            yield DatabaseDeltaSession(connection, (self.namespace, dataset, scope))



class DatabaseDeltaSession:
    """The state of one (dataset, scope) inside an open transaction (the interface of
    :class:`~mgdc_pipelines.sources.graph.delta_state.DeltaSession`)."""

    def __init__(self, connection: sa.Connection, key: tuple[str, str, str]) -> None:
        self._connection = connection
        self._key = dict(zip(("namespace", "dataset", "scope"), key))
        self.links: dict[str, str] = dict(
            connection.execute(sa.select(delta_links.c.key, delta_links.c.link).where(*self._is_mine(delta_links))).all()
        )
        column = connection.execute(sa.select(delta_meta.c.date_column).where(*self._is_mine(delta_meta))).scalar()
        self.date_column: str | None = column or None

    def reset(self) -> None:
        """Forget the links and the index (the next read is a new baseline)."""
        self._connection.execute(delta_links.delete().where(*self._is_mine(delta_links)))
        self._connection.execute(delta_seen.delete().where(*self._is_mine(delta_seen)))
        self.links = {}

    def record(self, days: Sequence[tuple[str, dt.date]], previous: bool = True) -> set[dt.date]:
        """Index each id's day; with ``previous``, return the other days they were indexed under."""
        hashed = dict((id_hash(object_id), day.toordinal()) for object_id, day in days)
        before = self._days(list(hashed)) if previous else {}
        self.record_hashed(hashed)
        return {dt.date.fromordinal(before[key]) for key, day in hashed.items() if before.get(key, day) != day}

    def record_hashed(self, days: Mapping[int, int]) -> None:
        """Index rows as the SQLite state keeps them (id hash → day ordinal), e.g. when moving it here."""
        rows = [{**self._key, "id_hash": key, "day": day} for key, day in days.items()]
        for start in range(0, len(rows), _CHUNK):
            statement = insert(delta_seen).values(rows[start : start + _CHUNK])
            self._connection.execute(
                statement.on_conflict_do_update(index_elements=list(delta_seen.primary_key.columns), set_={"day": statement.excluded.day})
            )

    def forget(self, object_ids: Iterable[str]) -> dict[str, dt.date]:
        """Remove ids from the index; return the day of each one it held."""
        hashes = {object_id: id_hash(object_id) for object_id in object_ids}
        days = self._days(list(hashes.values()))
        for chunk in _chunks(list(days)):
            self._connection.execute(delta_seen.delete().where(*self._is_mine(delta_seen), delta_seen.c.id_hash.in_(chunk)))
        return {object_id: dt.date.fromordinal(days[key]) for object_id, key in hashes.items() if key in days}

    def save_links(self, links: Mapping[str, str], date_column: str | None) -> None:
        """The links (and the date column the index was filled from) to resume from next time."""
        self._connection.execute(delta_links.delete().where(*self._is_mine(delta_links)))
        if links:
            self._connection.execute(delta_links.insert(), [{**self._key, "key": k, "link": v} for k, v in sorted(links.items())])
        statement = insert(delta_meta).values(**self._key, date_column=date_column or "")
        self._connection.execute(
            statement.on_conflict_do_update(index_elements=list(delta_meta.primary_key.columns), set_={"date_column": statement.excluded.date_column})
        )
        self.links, self.date_column = dict(links), date_column

    def _is_mine(self, table: sa.Table) -> list[sa.ColumnElement[bool]]:
        return [table.c[name] == value for name, value in self._key.items()]

    def _days(self, keys: Sequence[int]) -> dict[int, int]:
        found: dict[int, int] = {}
        for chunk in _chunks(keys):
            query = sa.select(delta_seen.c.id_hash, delta_seen.c.day).where(*self._is_mine(delta_seen), delta_seen.c.id_hash.in_(chunk))
            found.update(self._connection.execute(query).all())
        return found


def _chunks(keys: Sequence[int]) -> Iterator[Sequence[int]]:
    for start in range(0, len(keys), _CHUNK):
        yield keys[start : start + _CHUNK]
