"""The audit log: append-only and hash-chained; the app's consent state is derived from it.

One JSON object per line::

    {"seq": 3, "at": "2026-11-20T12:00:00+00:00", "event": "suspended", ..., "prev": "<hash of record 2>", "hash": "<sha256>"}

``hash`` is the SHA-256 of the record's canonical JSON without ``hash``, and ``prev`` the hash of
the record before, so editing, deleting or reordering any record breaks every hash after it.
Record 1 chains to the ledger's *genesis*, a hash of the app's tenant and app id (a log of one
app cannot stand in for another's), and must be the admin's first decision on the app.

Removing records from the END leaves a valid, shorter chain: that is what the anchor in the
Dagster instance is for (:mod:`~mgdc_pipelines.consent.ledger`). Appends hold an exclusive
``flock`` and readers a shared one, so concurrent writers never fork the chain and a reader
never sees half a record. A record torn by a crash (a last line without its line break) is
not part of the chain; the next append discards it and records that it did.

>>> import tempfile, pathlib
>>> app = LedgerIdentity("demo", "7afa5ac9-c126-563f-ab81-5611ae5bbe41", "884d4683-c007-5d56-9024-62e767f7906c")
>>> log = AuditLog(pathlib.Path(tempfile.mkdtemp()) / "demo.audit-chain.jsonl", app)
>>> log.append("approved", app_id=app.app_id, tenant_id=app.tenant_id, approver="admin@contoso.com")["seq"]
1
>>> log.append("partition_committed", rows=40)["prev"] == log.entries()[0]["hash"]
True
>>> log.verify().seq
2
"""

from __future__ import annotations

import abc
import contextlib
import fcntl
import hashlib
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from mgdc_pipelines.consent.clock import as_utc, from_iso, to_iso, utc_now
from mgdc_pipelines.consent.errors import ConsentError
from mgdc_pipelines.consent.jsonfiles import canonical_json

DECISION_EVENTS = ("approved", "denied")
TORN_WRITE_EVENT = "torn_write_discarded"
_CHAIN_KEYS = ("seq", "at", "event", "prev", "hash")
_TAIL_CHUNK = 64 * 1024

BeforeWrite = Callable[[dict[str, Any]], None]


class AuditLogBroken(ConsentError):
    """The chain does not verify: a record was edited, deleted, reordered, or the log was moved."""

    def __init__(self, path: str | os.PathLike[str], record: int, reason: str) -> None:
        self.path = str(path)
        self.record = record
        self.reason = reason
        super().__init__(
            f"audit log {self.path} broken at record {record}: {reason}. The app refuses to run until "
            "an operator restores the log (`mgdc-pipelines audit verify` checks it)"
        )

    def __reduce__(self):
        return (type(self), (self.path, self.record, self.reason))


@dataclass(frozen=True)
class LedgerIdentity:
    """Whose log it is: the app (MGDC identifies an app by its tenant and app id)."""

    app_name: str
    app_id: str
    tenant_id: str

    @property
    def genesis(self) -> str:
        """What record 1's ``prev`` must be."""
        identity = {"ledger": "mgdc-pipelines consent", "app_id": self.app_id.lower(), "tenant_id": self.tenant_id.lower()}
        return hashlib.sha256(canonical_json(identity).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ChainPosition:
    """Where a verified chain ends: ``seq`` records, the last one's hash and its byte span."""

    seq: int
    head: str
    start: int  # offset of record ``seq``'s line (== end for an empty log)
    end: int  # offset just after it

    def to_dict(self) -> dict[str, Any]:
        return {"seq": self.seq, "head": self.head, "start": self.start, "end": self.end}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ChainPosition:
        return cls(int(data["seq"]), str(data["head"]), int(data["start"]), int(data["end"]))


@dataclass(frozen=True)
class ChainedRecord:
    record: dict[str, Any]
    position: ChainPosition


def record_hash(record: dict[str, Any]) -> str:
    """SHA-256 of the canonical JSON of ``record`` without its ``hash``."""
    body = {key: value for key, value in record.items() if key != "hash"}
    return hashlib.sha256(canonical_json(body).encode("utf-8")).hexdigest()


class ChainedLog(abc.ABC):
    """What every audit log offers, wherever its records are kept (a file here; PostgreSQL in
    :mod:`~mgdc_pipelines.consent.audit_database`)."""

    identity: LedgerIdentity

    @property
    @abc.abstractmethod
    def location(self) -> str:
        """Where the log is, for messages (never a secret)."""

    @abc.abstractmethod
    def exists(self) -> bool:
        """Whether anything was ever recorded."""

    @abc.abstractmethod
    def append(
        self, event: str, *, at: datetime | None = None, before_write: BeforeWrite | None = None,
        **fields: Any,
    ) -> dict[str, Any]:
        """Append one record (``at`` defaults to now, UTC) and return it as written.

        ``before_write`` is called with the record, chained and hashed, while the log is locked
        and before any reader can see it: the ledger has the Dagster instance witness it there
        (:meth:`~mgdc_pipelines.consent.ledger.Ledger.append`). If it raises, nothing is written.
        """

    @abc.abstractmethod
    def records(self, after: ChainPosition | None = None) -> Iterator[ChainedRecord]:
        """Verified records after ``after`` (default: all), in order; raises :class:`AuditLogBroken`.

        ``after`` must be a position this chain really passed through: the record it names is
        read back and must hash to ``after.head`` (an anchor from the Dagster instance).
        """

    def empty_position(self) -> ChainPosition:
        return ChainPosition(0, self.identity.genesis, 0, 0)

    def verify(self, after: ChainPosition | None = None) -> ChainPosition:
        """Verify the chain (from ``after``, or the whole of it); the position of its last record."""
        position = after or self.empty_position()
        for chained in self.records(after):
            position = chained.position
        return position

    def entries(self, since: datetime | None = None) -> list[dict[str, Any]]:
        """Every verified record, optionally those at or after ``since``."""
        threshold = as_utc(since, "since") if since is not None else None
        found = [chained.record for chained in self.records()]
        if threshold is None:
            return found
        return [entry for entry in found if from_iso(entry["at"], f"{self.location} record {entry['seq']} at") >= threshold]


class AuditLog(ChainedLog):
    """One app's chained log file (see the module docstring)."""

    def __init__(self, path: str | os.PathLike[str], identity: LedgerIdentity) -> None:
        self.path = Path(path)
        self.identity = identity

    @property
    def location(self) -> str:
        return str(self.path)

    def exists(self) -> bool:
        return self.path.exists()

    def append(
        self, event: str, *, at: datetime | None = None, before_write: BeforeWrite | None = None,
        **fields: Any,
    ) -> dict[str, Any]:
        refuse_reserved(event, fields)  # before any I/O
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._locked(os.O_RDWR | os.O_CREAT, fcntl.LOCK_EX) as fd:
            last = self._last_record(fd)
            record = self._chained(last, event, at, fields)
            if before_write is not None:
                before_write(record)  # readers wait for the lock: none has seen the record yet
            os.lseek(fd, 0, os.SEEK_END)
            os.write(fd, (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8"))
            os.fsync(fd)
        return record

    def records(self, after: ChainPosition | None = None) -> Iterator[ChainedRecord]:
        if not self.path.exists():
            if after is not None and after.seq > 0:
                raise AuditLogBroken(self.path, after.seq, "the log file is missing (deleted or moved)")
            return
        with self._locked(os.O_RDONLY, fcntl.LOCK_SH) as fd, os.fdopen(os.dup(fd), "rb") as stream:
            position = self._resume(stream, after)
            yield from self._verified(stream, position)

    # -- internals -------------------------------------------------------------------------

    @contextlib.contextmanager
    def _locked(self, flags: int, lock: int) -> Iterator[int]:
        fd = os.open(self.path, flags, 0o600)
        try:
            fcntl.flock(fd, lock)
            yield fd
        finally:
            os.close(fd)  # releases the lock

    def _chained(self, last: dict[str, Any] | None, event: str, at: datetime | None, fields: dict) -> dict[str, Any]:
        return chained_record(self.identity, last, event, at, fields)

    def _last_record(self, fd: int) -> dict[str, Any] | None:
        """The last complete record; a torn last line (a crash mid-write) is cut off and recorded."""
        size = os.fstat(fd).st_size
        if size == 0:
            return None
        tail_start = max(0, size - _TAIL_CHUNK)
        tail = os.pread(fd, size - tail_start, tail_start)
        while tail.rfind(b"\n", 0, len(tail) - 1) < 0 and tail_start > 0:  # a record longer than the chunk
            tail_start = max(0, tail_start - _TAIL_CHUNK)
            tail = os.pread(fd, size - tail_start, tail_start)
        if not tail.endswith(b"\n"):
            return self._discard_torn(fd, tail, tail_start)
        lines = tail[:-1].rsplit(b"\n", 1)
        return self._parse(lines[-1], "last record")

    def _discard_torn(self, fd: int, tail: bytes, tail_start: int) -> dict[str, Any] | None:
        cut = tail.rfind(b"\n") + 1
        torn = tail[cut:]
        os.ftruncate(fd, tail_start + cut)
        last = self._last_record(fd)
        if last is None:  # the very first record was torn: nothing of the chain to account for
            return None
        record = self._chained(last, TORN_WRITE_EVENT, None, {"bytes": len(torn), "sha256": hashlib.sha256(torn).hexdigest()})
        os.lseek(fd, 0, os.SEEK_END)
        os.write(fd, (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8"))
        return record

    def _resume(self, stream, after: ChainPosition | None) -> ChainPosition:
        """Seek to ``after`` after checking the record there is the one it names."""
        if after is None or after.seq == 0:
            return self.empty_position()
        stream.seek(after.start)
        line = stream.read(after.end - after.start)
        try:
            record = self._parse(line.rstrip(b"\n"), f"record {after.seq}", after.seq) if line.endswith(b"\n") else None
        except AuditLogBroken:
            record = None  # bytes moved: something before it changed
        if record is None or record.get("seq") != after.seq or record.get("hash") != after.head or record_hash(record) != after.head:
            raise AuditLogBroken(
                self.path, after.seq,
                f"record {after.seq} is not the one the Dagster instance anchored (hash {after.head[:12]}…): "
                "records were removed, edited or the log was replaced",
            )
        return after

    def _verified(self, stream, position: ChainPosition) -> Iterator[ChainedRecord]:
        offset = position.end
        for line in stream:
            if not line.endswith(b"\n"):
                return  # a torn record from a crash: not part of the chain
            seq = position.seq + 1
            record = self._parse(line.rstrip(b"\n"), f"record {seq}", seq)
            self._check_link(record, seq, position.head)
            position = ChainPosition(seq, record["hash"], offset, offset + len(line))
            offset = position.end
            yield ChainedRecord(record, position)

    def _check_link(self, record: dict[str, Any], seq: int, prev: str) -> None:
        check_link(self.location, record, seq, prev)

    def _parse(self, line: bytes, what: str, seq: int = 0) -> dict[str, Any]:
        return parse_record(self.location, line, what, seq)


def chained_record(
    identity: LedgerIdentity, last: dict[str, Any] | None, event: str, at: datetime | None, fields: dict
) -> dict[str, Any]:
    """The record that follows ``last`` (None: record 1, chained to the genesis) in any log."""
    refuse_reserved(event, fields)
    seq = last["seq"] + 1 if last else 1
    record = {"seq": seq, "at": to_iso(at if at is not None else utc_now()), "event": event, **fields}
    record["prev"] = last["hash"] if last else identity.genesis
    try:
        record["hash"] = record_hash(record)
    except (TypeError, ValueError) as error:
        raise TypeError(f"audit event {event!r}: fields must be JSON values ({error})") from None
    return record


def refuse_reserved(event: str, fields: dict) -> None:
    reserved = sorted(set(fields) & set(_CHAIN_KEYS))
    if reserved:
        raise ValueError(f"audit event {event!r}: {', '.join(reserved)} are set by the log itself")


def check_link(location: str, record: dict[str, Any], seq: int, prev: str) -> None:
    """Raise :class:`AuditLogBroken` unless ``record`` is record ``seq`` chained to ``prev``."""
    missing = [key for key in _CHAIN_KEYS if key not in record]
    if missing:
        raise AuditLogBroken(location, seq, f"it lacks {', '.join(missing)} (not a chained record)")
    if record["seq"] != seq:
        raise AuditLogBroken(location, seq, f"it says it is record {record['seq']!r}: records were removed or reordered")
    if record["prev"] != prev:
        why = "it belongs to another app's log" if seq == 1 else "the record before it was changed, removed or reordered"
        raise AuditLogBroken(location, seq, f"its link to the record before does not match: {why}")
    if record_hash(record) != record["hash"]:
        raise AuditLogBroken(location, seq, "its content does not match its hash: it was edited")
    if seq == 1 and record["event"] not in DECISION_EVENTS:
        raise AuditLogBroken(location, 1, f"the first record must be an admin's decision, not {record['event']!r}")


def parse_record(location: str, line: bytes | str, what: str, seq: int = 0) -> dict[str, Any]:
    """One record's JSON object, or :class:`AuditLogBroken` naming ``what``."""
    try:
        record = json.loads(line)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise AuditLogBroken(location, seq, f"{what} is not a JSON line (torn or edited)") from None
    if not isinstance(record, dict):
        raise AuditLogBroken(location, seq, f"{what} is not a JSON object")
    return record


def record_decision(log: AuditLog, authorization: Any, document: dict, **extra: Any) -> dict[str, Any]:
    """Append an admin's approve/deny decision (an :class:`Authorization`) to ``log``, with the
    signed ``document`` it was read from: the ledger takes a decision's effect (what it lifts,
    when it was made) from the signature, never from the record's own fields, which anyone who
    can write the log could append."""
    registration = authorization.registration
    return log.append(
        authorization.decision,
        app=registration.app_name,
        app_id=registration.app_id,
        tenant_id=registration.tenant_id,
        approver=authorization.approver,
        fingerprint=authorization.fingerprint,
        authorization=authorization.digest,
        decided_at=to_iso(authorization.decided_at),
        datasets=[grant.short_name for grant in registration.datasets],
        expires_at=to_iso(authorization.effective_expires_at),
        deny_group_ids=list(authorization.deny_group_ids),
        key_id=authorization.key_id,
        lifts=list(authorization.lifts),
        signed=document,
        **extra,
    )
