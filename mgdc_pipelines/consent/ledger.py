"""The consent state an app's audit log adds up to, anchored where the app's developer cannot write.

State is derived from the chain (:mod:`~mgdc_pipelines.consent.audit`), in chain order, never by
comparing clocks:

* ``decision``: the latest admin decision recorded (the digest of its signed authorization);
* ``suspensions``: a ``suspended`` record stays active until an approval recorded AFTER it
  names it in ``lifts`` (a lifted one is kept while partitions it flagged are withheld);
* ``withheld``: partitions a suspension flagged that were not committed again since;
* ``withdrawn``: those of them whose withdrawal from the sink was recorded since they were flagged.

Anyone who can write the log can append to it, so a decision's effect is never taken from the
record's own fields: each decision record carries the admin's signed authorization, which the
ledger verifies with the deployment's trusted keys (given ``trust``) and takes the decision, its
date and the suspensions it lifts from. A decision must also be newer than the one before it:
an older signed approval appended after a denial is a replay, and breaks the log.

Nor are the records that withhold, withdraw or release a partition taken at their word: the
runtime has the Dagster instance *witness* each commit, suspension and withdrawal it records
(the record's hash, kept before any reader can see the record). A commit the instance did not
witness releases nothing, so the partition stays withheld until a real copy replaces it; a
withdrawal it did not witness is not taken as done. A suspension it did not witness still
stops the app and withholds what it names, which only keeps data from flowing, but no run
withdraws those partitions from the sink: a suspension appended by hand would otherwise delete
the app's data; nor does it take over a partition a witnessed suspension withholds (which
would stop runs withdrawing it). Each such record is counted in ``unwitnessed``
(``mgdc-pipelines audit verify`` reports them). Read without an anchor (``consent status``
without ``DAGSTER_HOME``), there is no witness to ask and records are taken as recorded; a
commit that released a withheld partition is then kept in ``released_unverified``, so that
reports (and ``consent approve --lift``) doubt the release instead of taking it as a copy.

A hash chain alone cannot tell that records were cut off its end, or that the whole log was
replaced by a freshly computed one. So after the runtime verifies or extends the chain, it
*anchors* the position reached (record number, hash, byte span) and the state there in the
Dagster instance's storage, which the deployment's operator owns (:class:`LedgerAnchor`). A
later read resumes at the anchored record, which must still be there with the anchored hash:
a truncated, replaced, moved or deleted log is refused, and a read costs only the records
appended since. (Records BEFORE the anchor are checked by ``mgdc-pipelines audit verify``,
which always reads the whole chain; the runtime's decisions rest on the anchored state.)

>>> import tempfile, pathlib
>>> from mgdc_pipelines.consent.audit import AuditLog, LedgerIdentity
>>> app = LedgerIdentity("demo", "7afa5ac9-c126-563f-ab81-5611ae5bbe41", "884d4683-c007-5d56-9024-62e767f7906c")
>>> ledger = Ledger(AuditLog(pathlib.Path(tempfile.mkdtemp()) / "demo.audit-chain.jsonl", app), MemoryAnchor())
>>> _ = ledger.append("approved", app_id=app.app_id, tenant_id=app.tenant_id, authorization="d1", lifts=[])
>>> suspended = ledger.append("suspended", reason="body written", dataset="BasicDataSet_v0.Message_v1",
...                           partitions=["2026-11-20|all"], paths=["BasicDataSet_v0.Message_v1/date=2026-11-20/scope=all"])
>>> sorted(ledger.state().active_suspensions) == [suspended["hash"]]
True
>>> _ = ledger.append("approved", app_id=app.app_id, tenant_id=app.tenant_id, authorization="d2", lifts=[suspended["hash"]])
>>> ledger.state().active_suspensions, ledger.state().decision["authorization"]
({}, 'd2')
>>> list(ledger.state().withheld["BasicDataSet_v0.Message_v1"])  # lifted, but its partition stays withheld
['BasicDataSet_v0.Message_v1/date=2026-11-20/scope=all']
>>> copied = dict(dataset="BasicDataSet_v0.Message_v1", partition="BasicDataSet_v0.Message_v1/date=2026-11-20/scope=all")
>>> _ = ledger.log.append("partition_committed", **copied)  # written past the ledger: no witness
>>> len(ledger.state().withheld["BasicDataSet_v0.Message_v1"]), ledger.state().unwitnessed
(1, 1)
>>> _ = ledger.append("partition_committed", **copied)  # what the runtime does after a copy
>>> ledger.state().withheld
{'BasicDataSet_v0.Message_v1': {}}
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from typing import Any, Protocol

from mgdc_pipelines.consent.audit import DECISION_EVENTS, AuditLogBroken, ChainedLog, ChainPosition, LedgerIdentity
from mgdc_pipelines.consent.authorization import verify_authorization
from mgdc_pipelines.consent.clock import display, from_iso, to_iso
from mgdc_pipelines.consent.errors import AuthorizationInvalid
from mgdc_pipelines.consent.trust import TrustAnchors

SUSPENDED = "suspended"
PARTITION_COMMITTED = "partition_committed"
PARTITION_WITHDRAWN = "partition_withdrawn"
UNWITNESSED = "unwitnessed"  # a commit or withdrawal the instance never witnessed (never written)
WITNESSED_EVENTS = (PARTITION_COMMITTED, PARTITION_WITHDRAWN, SUSPENDED)  # effects need a witness
_UNWITNESSED_KEPT = 20  # the latest unwitnessed records named in the state (all are counted)
ANCHOR_KEY_PREFIX = "mgdc/consent-ledger"


@dataclass(frozen=True)
class Anchor:
    """A verified position of one app's chain and the state there."""

    position: ChainPosition
    path: str  # where the log was when anchored (for messages: it is verified by content)
    state: dict[str, Any]

    def to_json(self) -> str:
        return json.dumps({"position": self.position.to_dict(), "path": self.path, "state": self.state}, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Anchor:
        data = json.loads(text)
        return cls(ChainPosition.from_dict(data["position"]), data["path"], data["state"])


class LedgerAnchor(Protocol):
    """Where anchors are kept: storage the app's developer cannot write (the Dagster instance).

    It also witnesses records whose effect the chain alone cannot prove (``WITNESSED_EVENTS``):
    ``witness`` keeps a record's hash, ``witnessed`` says whether it was kept.
    """

    def load(self, key: str) -> Anchor | None: ...

    def save(self, key: str, anchor: Anchor) -> None: ...

    def witness(self, key: str, record_hash: str) -> None: ...

    def witnessed(self, key: str, record_hash: str) -> bool: ...


def anchor_key(identity: LedgerIdentity) -> str:
    """One anchor per MGDC app: ``mgdc/consent-ledger/<tenant id>/<app id>``."""
    return f"{ANCHOR_KEY_PREFIX}/{identity.tenant_id.lower()}/{identity.app_id.lower()}"


class MemoryAnchor:
    """Anchors in a dict: for one process (library use, tests)."""

    def __init__(self) -> None:
        self._anchors: dict[str, str] = {}
        self._witnessed: set[tuple[str, str]] = set()

    def load(self, key: str) -> Anchor | None:
        text = self._anchors.get(key)
        return Anchor.from_json(text) if text else None

    def save(self, key: str, anchor: Anchor) -> None:
        self._anchors[key] = anchor.to_json()

    def witness(self, key: str, record_hash: str) -> None:
        self._witnessed.add((key, record_hash))

    def witnessed(self, key: str, record_hash: str) -> bool:
        return (key, record_hash) in self._witnessed


@dataclass
class LedgerState:
    """What the chain says up to ``position`` (see the module docstring)."""

    position: ChainPosition
    decision: dict[str, Any] | None = None
    # id → its record's facts (``lifted_by``: the approval record that lifted it)
    suspensions: dict[str, dict[str, Any]] = field(default_factory=dict)
    withheld: dict[str, dict[str, str]] = field(default_factory=dict)  # dataset → {partition path: suspension id}
    withdrawn: dict[str, list[str]] = field(default_factory=dict)  # dataset → withheld paths withdrawn
    # dataset → {path: suspension id}: withheld partitions a commit released that no witness was
    # asked about (a ledger without an anchor; see Ledger._as_trusted): what reports must doubt
    released_unverified: dict[str, dict[str, str]] = field(default_factory=dict)
    unwitnessed: int = 0  # records the instance did not witness (see the module docstring)
    unwitnessed_records: list[int] = field(default_factory=list)  # the latest ones' seq

    def withholds(self, record: dict[str, Any]) -> bool:
        """Whether ``record`` names a partition that is withheld now."""
        return record.get("partition") in self.withheld.get(record.get("dataset"), {})

    @property
    def active_suspensions(self) -> dict[str, dict[str, Any]]:
        return {sid: facts for sid, facts in self.suspensions.items() if not facts.get("lifted_by")}

    def apply(self, record: dict[str, Any]) -> None:
        event = record["event"]
        if event in DECISION_EVENTS:
            self.decision = {key: record.get(key) for key in ("seq", "event", "authorization", "decided_at", "fingerprint", "approver", "key_id")}
            if event == "approved":
                for lifted in record.get("lifts") or ():
                    if lifted in self.suspensions:
                        self.suspensions[lifted]["lifted_by"] = record["seq"]
                        self._forget_if_done(lifted)
        elif event == SUSPENDED:
            facts = {key: record.get(key) for key in ("seq", "at", "reason", "dataset", "partitions", "paths", "fingerprint")}
            self.suspensions[record["hash"]] = {**facts, "witnessed": not record["unwitnessed"]}
            if record["unwitnessed"]:
                self._count_unwitnessed(record)
            for path in record.get("paths") or ():
                dataset = record.get("dataset")
                if record["unwitnessed"] and self._withheld_by_witnessed(dataset, path):
                    continue  # see _withheld_by_witnessed
                self.withheld.setdefault(dataset, {})[path] = record["hash"]
                self._mark_withdrawn(dataset, path, False)  # flagged data is there again
                self._set_released_unverified(dataset, path, None)  # withheld again: listed as such
        elif event == PARTITION_COMMITTED:
            dataset, path = record.get("dataset"), record.get("partition")
            flagged_by = self.withheld.get(dataset, {}).pop(path, None)
            self._mark_withdrawn(dataset, path, False)
            if flagged_by is not None:
                if record.get("unverified"):
                    self._set_released_unverified(dataset, path, flagged_by)
                self._forget_if_done(flagged_by)
        elif event == PARTITION_WITHDRAWN and self.withholds(record):
            self._mark_withdrawn(record.get("dataset"), record.get("partition"), True)
        elif event == UNWITNESSED:
            self._count_unwitnessed(record)

    def _withheld_by_witnessed(self, dataset: str, path: str) -> bool:
        """Whether a witnessed suspension withholds ``path``: a suspension appended by hand must
        not take it over, or no run would withdraw it any more (runs withdraw only what a
        witnessed one flagged) and its recorded withdrawal would be forgotten."""
        suspension_id = self.withheld.get(dataset, {}).get(path)
        return suspension_id is not None and self.suspensions[suspension_id].get("witnessed", True)

    def _count_unwitnessed(self, record: dict[str, Any]) -> None:
        self.unwitnessed += 1
        self.unwitnessed_records = [*self.unwitnessed_records, record["seq"]][-_UNWITNESSED_KEPT:]

    def _mark_withdrawn(self, dataset: str, path: str, withdrawn: bool) -> None:
        paths = set(self.withdrawn.get(dataset, ())) - {path} | ({path} if withdrawn else set())
        if paths:
            self.withdrawn[dataset] = sorted(paths)
        else:
            self.withdrawn.pop(dataset, None)

    def _set_released_unverified(self, dataset: str, path: str, suspension_id: str | None) -> None:
        """Note (or, given None, forget) that an unverified commit released ``path``."""
        released = self.released_unverified.get(dataset, {})
        released.pop(path, None)
        if suspension_id is not None:
            released[path] = suspension_id
        if released:
            self.released_unverified[dataset] = released
        else:
            self.released_unverified.pop(dataset, None)

    def _forget_if_done(self, suspension_id: str) -> None:
        """Drop a lifted suspension once no withheld (or unverified released) partition refers to
        it (the state stays small)."""
        facts = self.suspensions.get(suspension_id)
        if facts is None or not facts.get("lifted_by"):
            return
        referring = [*self.withheld.values(), *self.released_unverified.values()]
        if not any(suspension_id in flagged.values() for flagged in referring):
            del self.suspensions[suspension_id]

    def to_dict(self) -> dict[str, Any]:
        return {"decision": self.decision, "suspensions": self.suspensions, "withheld": self.withheld,
                "withdrawn": self.withdrawn, "released_unverified": self.released_unverified,
                "unwitnessed": self.unwitnessed, "unwitnessed_records": self.unwitnessed_records}

    @classmethod
    def at(cls, position: ChainPosition, data: dict[str, Any]) -> LedgerState:
        data = copy.deepcopy(data)
        return cls(position, data.get("decision"), data.get("suspensions") or {}, data.get("withheld") or {},
                   data.get("withdrawn") or {}, data.get("released_unverified") or {},
                   data.get("unwitnessed") or 0, data.get("unwitnessed_records") or [])


class Ledger:
    """An app's audit log with its anchor: the verified consent state, and appends that keep it.

    ``trust``: the deployment's trusted admin keys, with which every decision record read is
    verified (see the module docstring); ``None`` takes decisions as recorded (the doctest
    above, and tools that only display a log), never what the runtime does.
    """

    def __init__(
        self, log: ChainedLog, anchor: LedgerAnchor | None = None, trust: TrustAnchors | None = None
    ) -> None:
        self.log = log
        self.anchor = anchor
        self.trust = trust
        self._key = anchor_key(log.identity)

    def state(self) -> LedgerState:
        """The verified state at the end of the chain; raises :class:`AuditLogBroken`."""
        anchored = self.anchor.load(self._key) if self.anchor is not None else None
        if anchored is None:
            state = LedgerState(self.log.empty_position())
        else:
            if not self.log.exists():
                raise AuditLogBroken(
                    self.log.location, anchored.position.seq,
                    f"the log is missing, but the Dagster instance anchors {anchored.position.seq} records of "
                    f"this app's log (last seen at {anchored.path}): it was deleted or moved",
                )
            state = LedgerState.at(anchored.position, anchored.state)
        for chained in self.log.records(anchored.position if anchored else None):
            state.apply(self._as_trusted(chained.record, state))
            state.position = chained.position
        if anchored is None or state.position.seq > anchored.position.seq:
            self._save(state)
        return state

    def append(self, event: str, *, anchored: bool = True, **fields: Any) -> dict[str, Any]:
        """Append a record (witnessed by the anchor's storage, for ``WITNESSED_EVENTS``), then
        anchor the chain up to it, records others appended included (``anchored=False`` leaves
        that to a later :meth:`state`: the anchor is a lower bound, so a late one is still sound).
        """
        witness = self._witness if self.anchor is not None and event in WITNESSED_EVENTS else None
        record = self.log.append(event, before_write=witness, **fields)
        if anchored and self.anchor is not None:
            self.state()  # verifies from the last anchor and moves the anchor forward
        return record

    def _as_trusted(self, record: dict[str, Any], state: LedgerState) -> dict[str, Any]:
        """``record`` as far as it can be trusted: a decision as its admin signed it; a commit
        or withdrawal of a withheld partition only if the instance witnessed it; a suspension
        saying whether it was witnessed; a commit saying whether its release of a withheld
        partition is ``unverified`` (no anchor, so no witness to ask: taken as recorded, but
        reports doubt it). The flags are set here: the record's own fields cannot claim them."""
        event = record["event"]
        if event in DECISION_EVENTS:
            return self._as_signed(record, state.decision)
        if event == SUSPENDED:
            return {**record, "unwitnessed": not self._witnessed(record)}
        if event in WITNESSED_EVENTS and state.withholds(record) and not self._witnessed(record):
            return {**record, "event": UNWITNESSED}
        if event == PARTITION_COMMITTED:
            return {**record, "unverified": self.anchor is None and state.withholds(record)}
        return record

    def _witness(self, record: dict[str, Any]) -> None:
        self.anchor.witness(self._key, record["hash"])

    def _witnessed(self, record: dict[str, Any]) -> bool:
        """No anchor, no witness to ask: records are taken as recorded (as with ``trust=None``)."""
        return self.anchor is None or self.anchor.witnessed(self._key, record["hash"])

    def _as_signed(self, record: dict[str, Any], previous: dict[str, Any] | None) -> dict[str, Any]:
        """``record``, a decision's fields replaced by what its signed authorization says;
        raises :class:`AuditLogBroken` for a decision no trusted admin signed, or a replay."""
        if self.trust is None:
            return record
        where, seq = self.log.location, record["seq"]
        if not isinstance(record.get("signed"), dict):
            raise AuditLogBroken(
                where, seq, "this decision does not carry the admin's signed authorization, so "
                "nothing proves an admin made it (an admin records each decision with `mgdc-pipelines "
                "consent approve --spec` or `consent record`)",
            )
        try:
            signed = verify_authorization(record["signed"], self.trust, where=f"{where}, record {seq}")
        except AuthorizationInvalid as error:
            raise AuditLogBroken(where, seq, f"its signed authorization does not verify: {error.reason}") from None
        granted = signed.registration
        says = (granted.app_id, granted.tenant_id, signed.digest, signed.decision, list(signed.lifts))
        recorded = (self.log.identity.app_id, self.log.identity.tenant_id, record.get("authorization"),
                    record["event"], list(record.get("lifts") or ()))
        if says != recorded:
            raise AuditLogBroken(where, seq, "the record does not say what its signed authorization says")
        if previous is not None and signed.decided_at <= from_iso(previous.get("decided_at"), "decided_at"):
            raise AuditLogBroken(
                where, seq, f"its decision ({display(signed.decided_at)}) is not newer than the one in "
                f"record {previous.get('seq')}: an older authorization was appended again (a replay)",
            )
        return {
            **record, "authorization": signed.digest, "decided_at": to_iso(signed.decided_at),
            "fingerprint": signed.fingerprint, "approver": signed.approver, "key_id": signed.key_id,
            "lifts": list(signed.lifts),
        }

    def _save(self, state: LedgerState) -> None:
        if self.anchor is None or state.position.seq == 0:
            return
        current = self.anchor.load(self._key)
        if current is not None and current.position.seq >= state.position.seq:
            return  # another process anchored further already
        self.anchor.save(self._key, Anchor(state.position, self.log.location, state.to_dict()))
