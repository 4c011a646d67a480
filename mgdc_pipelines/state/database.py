"""The state database: consent and delta state in PostgreSQL, shared by every run worker.

By default an app's state lives in files (the audit chain under ``consent.state_dir``, the Graph
delta links under the source's ``state_dir``), which suits one machine. A deployment whose runs
execute on several machines or pods points every Dagster process at one PostgreSQL database
instead, with ``MGDC_STATE_DATABASE`` (a SQLAlchemy URL, e.g.
``postgresql+psycopg2://mgdc:<password>@db.internal:5432/mgdc``). It is the OPERATOR's setting,
like the trusted admin keys: no spec names it, so a spec author cannot point the app at a
database of their own. The URL holds the password: it is never printed; messages name the
database as :attr:`StateDatabase.name` (no password).

Concurrent writers are serialised per key with transaction-scoped advisory locks, and primary
keys make a forked audit chain or a lost delta link impossible even without them.

>>> StateDatabase("postgresql+psycopg2://mgdc:s3cret@db.internal:5432/mgdc").name
'postgresql://mgdc@db.internal:5432/mgdc'
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import threading
from collections.abc import Iterator

import sqlalchemy as sa
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError

from mgdc_pipelines.state.base import STATE_DATABASE_ENV, StateDatabaseError  # noqa: F401 (re-exported)

DEFAULT_LOCK_TIMEOUT_S = 30.0

metadata = sa.MetaData()

audit_chain = sa.Table(
    "mgdc_audit_chain",
    metadata,
    sa.Column("ledger", sa.Text, primary_key=True),  # `<tenant id>/<app id>`
    sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("hash", sa.Text, nullable=False),
    sa.Column("record", sa.Text, nullable=False),  # the record's JSON, exactly as hashed
)

authorizations = sa.Table(
    "mgdc_authorizations",
    metadata,
    sa.Column("digest", sa.Text, primary_key=True),
    sa.Column("ledger", sa.Text, nullable=False),
    sa.Column("document", sa.Text, nullable=False),  # the signed authorization file, verbatim
)

def _delta_key() -> tuple[sa.Column, ...]:
    """Whose delta state a row is: the app (``<tenant id>/<app id>``), the dataset and the scope."""
    return tuple(sa.Column(name, sa.Text, primary_key=True) for name in ("namespace", "dataset", "scope"))


delta_links = sa.Table(
    "mgdc_delta_links",
    metadata,
    *_delta_key(),
    sa.Column("key", sa.Text, primary_key=True),
    sa.Column("link", sa.Text, nullable=False),
)

delta_seen = sa.Table(
    "mgdc_delta_seen",
    metadata,
    *_delta_key(),
    sa.Column("id_hash", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("day", sa.Integer, nullable=False),
)

delta_meta = sa.Table(
    "mgdc_delta_meta",
    metadata,
    *_delta_key(),
    sa.Column("date_column", sa.Text, nullable=False),
)


class StateDatabase:
    """One PostgreSQL database holding consent and delta state (see the module docstring)."""

    def __init__(self, url: str, *, lock_timeout_s: float = DEFAULT_LOCK_TIMEOUT_S) -> None:
        try:
            parsed = make_url(url)
        except (ArgumentError, ValueError):  # ValueError: a port that is not a number
            raise StateDatabaseError(f"{STATE_DATABASE_ENV} is not a database URL (postgresql+psycopg2://user@host:port/db)") from None
        if parsed.get_backend_name() != "postgresql":
            raise StateDatabaseError(f"{STATE_DATABASE_ENV} must be a PostgreSQL URL, not {parsed.get_backend_name()!r}")
        if parsed.drivername == "postgresql":  # SQLAlchemy 2.1 would pick psycopg 3, not installed
            parsed = parsed.set(drivername="postgresql+psycopg2")
        self._url = parsed
        self.name = f"postgresql://{parsed.username}@{parsed.host}:{parsed.port or 5432}/{parsed.database}"
        self.lock_timeout_s = lock_timeout_s
        self._engine: sa.Engine | None = None
        self._tables_ready = False

    def __repr__(self) -> str:
        return f"StateDatabase({self.name!r})"

    @property
    def engine(self) -> sa.Engine:
        if self._engine is None:
            # pre_ping: a connection broken by a database restart is replaced, not handed out.
            self._engine = sa.create_engine(self._url, pool_pre_ping=True, pool_size=2, max_overflow=4)
        return self._engine

    @contextlib.contextmanager
    def transaction(self, *lock_keys: str, lock_timeout_s: float | None = None) -> Iterator[Connection]:
        """One transaction, holding the advisory lock of each key (others wait, up to the lock
        timeout: then :class:`StateDatabaseError`, and nothing of the transaction is saved)."""
        self.ensure_tables()
        timeout_ms = max(1, int((lock_timeout_s if lock_timeout_s is not None else self.lock_timeout_s) * 1000))
        with self._translated_errors():
            with self.engine.begin() as connection:
                connection.execute(sa.text(f"SET LOCAL lock_timeout = '{timeout_ms}ms'"))
                for key in sorted(set(lock_keys)):  # one order: two sessions never deadlock
                    connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": lock_id(key)})
                yield connection

    def ensure_tables(self) -> None:
        """Create the tables once per process (concurrent creators wait on one lock)."""
        if self._tables_ready:
            return
        with self._translated_errors(), self.engine.begin() as connection:
            connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": lock_id("mgdc/state/schema")})
            metadata.create_all(connection)
        self._tables_ready = True

    def dispose(self) -> None:
        if self._engine is not None:
            self._engine.dispose()

    @contextlib.contextmanager
    def _translated_errors(self) -> Iterator[None]:
        try:
            yield
        except DBAPIError as error:
            reason = str(error.orig).strip().splitlines()[0] if error.orig is not None else type(error).__name__
            raise StateDatabaseError(
                f"state database {self.name}: {reason}. Nothing was saved; the operation can be retried "
                f"once the database is reachable ({STATE_DATABASE_ENV})"
            ) from None


def lock_id(key: str) -> int:
    """A 64-bit advisory lock id for ``key``."""
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big", signed=True)


_OPEN: dict[str, StateDatabase] = {}
_OPEN_LOCK = threading.Lock()


def state_database_from_environment() -> StateDatabase | None:
    """The deployment's state database (``MGDC_STATE_DATABASE``), or None: state lives in files.

    One :class:`StateDatabase` (and connection pool) per URL per process.
    """
    url = os.environ.get(STATE_DATABASE_ENV, "").strip()
    if not url:
        return None
    with _OPEN_LOCK:
        if url not in _OPEN:
            _OPEN[url] = StateDatabase(url)
        return _OPEN[url]
