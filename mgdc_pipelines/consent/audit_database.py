"""An app's audit chain in the state database (PostgreSQL), for runs on several machines.

The same chain as the file log (:mod:`~mgdc_pipelines.consent.audit`: records hash-chained from
the app's genesis, verified on every read, anchored in the Dagster instance), one row per record
in ``mgdc_audit_chain`` keyed by (ledger, seq). An append is one transaction holding the
ledger's advisory lock: it reads the last record, chains the new one to it and inserts it, so
concurrent writers on any number of machines queue up instead of forking the chain (and the
primary key refuses a second record ``seq`` even if a writer skipped the lock).

Signed authorizations are kept beside the chain (``mgdc_authorizations``, by digest), so a run
worker with no copy of the authorization file still finds the decision in force.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from mgdc_pipelines.consent.audit import (
    AuditLogBroken,
    BeforeWrite,
    ChainedLog,
    ChainedRecord,
    ChainPosition,
    LedgerIdentity,
    check_link,
    chained_record,
    parse_record,
    record_hash,
)
from mgdc_pipelines.state.database import StateDatabase, audit_chain, authorizations

_PAGE = 1000  # records fetched per query while verifying a long chain


def ledger_name(identity: LedgerIdentity) -> str:
    return f"{identity.tenant_id.lower()}/{identity.app_id.lower()}"


class DatabaseAuditLog(ChainedLog):
    """One app's chain in ``database`` (see the module docstring)."""

    def __init__(self, database: StateDatabase, identity: LedgerIdentity) -> None:
        self.database = database
        self.identity = identity
        self.ledger = ledger_name(identity)

    @property
    def location(self) -> str:
        return f"{self.database.name} (table mgdc_audit_chain, ledger {self.ledger})"

    def exists(self) -> bool:
        with self.database.transaction() as connection:
            return connection.execute(self._select(audit_chain.c.seq).limit(1)).first() is not None

    def append(
        self, event: str, *, at: datetime | None = None, before_write: BeforeWrite | None = None,
        **fields: Any,
    ) -> dict[str, Any]:
        with self.database.transaction(self._lock_key) as connection:
            record = chained_record(self.identity, self._last(connection), event, at, fields)
            if before_write is not None:
                before_write(record)  # readers see the record only once the transaction commits
            self._insert(connection, record)
        return record

    def adopt(self, record: dict[str, Any]) -> None:
        """Append a record written elsewhere, unchanged (moving a file log here): it must be the
        next record of this chain, with its hash intact."""
        with self.database.transaction(self._lock_key) as connection:
            last = self._last(connection)
            seq = last["seq"] + 1 if last else 1
            check_link(self.location, record, seq, last["hash"] if last else self.identity.genesis)
            self._insert(connection, record)

    def records(self, after: ChainPosition | None = None) -> Iterator[ChainedRecord]:
        position = self._resume(after)
        while True:
            with self.database.transaction() as connection:
                rows = connection.execute(
                    self._select(audit_chain.c.seq, audit_chain.c.record)
                    .where(audit_chain.c.seq > position.seq)
                    .order_by(audit_chain.c.seq)
                    .limit(_PAGE)
                ).all()
            for seq, text in rows:
                expected = position.seq + 1
                record = parse_record(self.location, text, f"record {seq}", expected)
                check_link(self.location, record, expected, position.head)
                position = ChainPosition(expected, record["hash"], expected, expected)
                yield ChainedRecord(record, position)
            if len(rows) < _PAGE:
                return

    # -- authorizations ------------------------------------------------------------------------

    def save_authorization(self, digest: str, document: str) -> None:
        """Keep the signed authorization ``document`` (idempotent)."""
        with self.database.transaction(self._lock_key) as connection:
            exists = connection.execute(
                sa.select(authorizations.c.digest).where(authorizations.c.digest == digest)
            ).first()
            if exists is None:
                connection.execute(authorizations.insert().values(digest=digest, ledger=self.ledger, document=document))

    def authorization_document(self, digest: str) -> str | None:
        with self.database.transaction() as connection:
            return connection.execute(
                sa.select(authorizations.c.document).where(
                    authorizations.c.digest == digest, authorizations.c.ledger == self.ledger
                )
            ).scalar_one_or_none()

    # -- internals -----------------------------------------------------------------------------

    @property
    def _lock_key(self) -> str:
        return f"mgdc/audit-chain/{self.ledger}"

    def _insert(self, connection: sa.Connection, record: dict[str, Any]) -> None:
        text = json.dumps(record, ensure_ascii=False)
        connection.execute(audit_chain.insert().values(ledger=self.ledger, seq=record["seq"], hash=record["hash"], record=text))

    def _select(self, *columns: Any) -> sa.Select:
        return sa.select(*columns).where(audit_chain.c.ledger == self.ledger)

    def _last(self, connection: sa.Connection) -> dict[str, Any] | None:
        row = connection.execute(
            self._select(audit_chain.c.seq, audit_chain.c.record).order_by(audit_chain.c.seq.desc()).limit(1)
        ).first()
        return parse_record(self.location, row.record, f"record {row.seq}", row.seq) if row else None

    def _resume(self, after: ChainPosition | None) -> ChainPosition:
        """``after`` once the record it names is checked to be there, unchanged."""
        if after is None or after.seq == 0:
            return self.empty_position()
        with self.database.transaction() as connection:
            text = connection.execute(
                self._select(audit_chain.c.record).where(audit_chain.c.seq == after.seq)
            ).scalar_one_or_none()
        record = parse_record(self.location, text, f"record {after.seq}", after.seq) if text is not None else None
        if record is None or record.get("seq") != after.seq or record.get("hash") != after.head or record_hash(record) != after.head:
            raise AuditLogBroken(
                self.location, after.seq,
                f"record {after.seq} is not the one the Dagster instance anchored (hash {after.head[:12]}…): "
                "records were removed, edited or the log was replaced",
            )
        return ChainPosition(after.seq, after.head, after.seq, after.seq)
