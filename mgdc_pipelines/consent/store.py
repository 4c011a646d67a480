"""An app's consent state: the signed authorization, and the audit log its state is derived from.

    <consent.authorization>                   the admin's signed decision (read-only here)
    <state_dir>/<app>.audit-chain.jsonl       the hash-chained audit log (see consent/audit.py)

``state_dir`` defaults to the authorization's folder. When the deployment sets a state database
(``MGDC_STATE_DATABASE``, :mod:`mgdc_pipelines.state`), the chain and every recorded
authorization live there instead, so run workers on other machines share them with no shared
disk, and a worker without the authorization file runs on the one the log's latest decision
names. Which admin keys are trusted comes from the deployment
(:mod:`~mgdc_pipelines.consent.trust`), and the audit log's anchor from the Dagster instance
(:mod:`~mgdc_pipelines.consent.ledger`); the spec names neither.

The authorization file and the log must agree: the admin's decision is recorded in the log when
it is made (``mgdc-pipelines consent approve --spec``, or ``consent record`` for a decision signed
elsewhere), and the runtime only honours the authorization the log's latest decision names. So
a deleted log, or an OLDER signed authorization put back in place of a denial, is refused
instead of resuming.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mgdc_pipelines.consent.audit import AuditLog, ChainedLog, LedgerIdentity, record_decision
from mgdc_pipelines.consent.audit_database import DatabaseAuditLog
from mgdc_pipelines.consent.authorization import Authorization, verify_authorization
from mgdc_pipelines.consent.clock import as_utc, display, from_iso, utc_now
from mgdc_pipelines.consent.errors import AuthorizationInvalid, ConsentError
from mgdc_pipelines.consent.jsonfiles import canonical_json, read_json
from mgdc_pipelines.consent.ledger import Ledger, LedgerAnchor, LedgerState
from mgdc_pipelines.consent.suspension import SHORT_ID, Suspension, WithheldPartition
from mgdc_pipelines.consent.trust import TrustAnchors
from mgdc_pipelines.spec.model import ConsentSpec
from mgdc_pipelines.state.database import StateDatabase, state_database_from_environment

if TYPE_CHECKING:
    from mgdc_pipelines.spec.model import AppSpec

AUDIT_LOG_SUFFIX = ".audit-chain.jsonl"
_RECORD_HOW = (
    "an admin records each decision in the app's audit log: `mgdc-pipelines consent approve --spec SPEC` "
    "(or `mgdc-pipelines consent record --spec SPEC --authorization FILE` for one signed elsewhere)"
)


class DecisionNotRecorded(ConsentError):
    """The authorization file is not the decision the audit log says is in force."""


@dataclass(frozen=True)
class ConsentView:
    """The app's consent as verified right now: the authorization in force and the log's state."""

    authorization: Authorization | None
    state: LedgerState
    trust: TrustAnchors
    suspensions: tuple[Suspension, ...]  # active, oldest first
    withheld: tuple[WithheldPartition, ...] = ()  # by dataset and partition

    @property
    def suspension(self) -> Suspension | None:
        return self.suspensions[0] if self.suspensions else None

    @property
    def signed_with_demo_key(self) -> bool:
        key = self.trust.key(self.authorization.key_id) if self.authorization else None
        return key is not None and key.is_demo


class ConsentStore:
    """Reads an app's verified authorization and audit-log state; records what happens to it."""

    def __init__(
        self,
        consent: ConsentSpec,
        identity: LedgerIdentity,
        *,
        spec_dir: Path | None = None,
        trust: TrustAnchors | None = None,
        anchor: LedgerAnchor | None = None,
        database: StateDatabase | None = None,
    ) -> None:
        self.consent = consent
        self.identity = identity
        self.spec_dir = spec_dir
        self._trust = trust
        self.anchor = anchor
        # The operator's setting, never the spec's: see mgdc_pipelines.state.
        self.database = database if database is not None else state_database_from_environment()

    @classmethod
    def of(
        cls,
        app: AppSpec,
        *,
        anchor: LedgerAnchor | None = None,
        trust: TrustAnchors | None = None,
        database: StateDatabase | None = None,
    ) -> ConsentStore:
        """The store of ``app``'s ``consent:`` block (a ConsentError if it has none)."""
        if app.consent is None:
            raise ConsentError(f"app {app.name} has no `consent:` block, so nothing can authorize it")
        spec_dir = Path(app.spec_path).parent if app.spec_path and not app.spec_path.startswith("<") else None
        identity = LedgerIdentity(app.name, app.app.app_id.lower(), app.app.tenant_id.lower())
        return cls(app.consent, identity, spec_dir=spec_dir, trust=trust, anchor=anchor, database=database)

    @property
    def app_name(self) -> str:
        return self.identity.app_name

    @property
    def authorization_path(self) -> Path:
        return self.consent.authorization_path()

    @property
    def state_dir(self) -> Path:
        return self.consent.state_path()

    @property
    def audit(self) -> ChainedLog:
        """The app's audit log: in the state database if the deployment has one, else a file."""
        if self.database is not None:
            return DatabaseAuditLog(self.database, self.identity)
        return AuditLog(self.state_dir / f"{self.app_name}{AUDIT_LOG_SUFFIX}", self.identity)

    @property
    def ledger(self) -> Ledger:
        return Ledger(self.audit, self.anchor, trust=self.trust)

    @cached_property
    def trust(self) -> TrustAnchors:
        """The deployment's trusted keys; loading them refuses a developer's ``.env`` that sets a
        deployment setting or the variable the app's hash key comes from (the gate refuses a spec
        naming another than the approved one, so the spec's is the one to protect)."""
        if self._trust is not None:
            return self._trust
        return TrustAnchors.from_environment(
            spec_dir=self.spec_dir, secrets=(self.consent.hash_key_env,)
        )

    # -- reading ------------------------------------------------------------------------------

    def authorization(self, now: datetime | None = None) -> Authorization | None:
        """The authorization file, verified with a trusted key (and the spec's pinned key, if
        any); None if there is none; :class:`AuthorizationInvalid` if it fails.

        With a state database and no file here (a run worker on another machine), the signed
        authorization the audit log's latest decision names, verified the same way.
        """
        now = now if now is not None else utc_now()
        _ = self.trust  # the deployment's settings are checked (a developer's .env refused) before any read
        found = self.authorization_file(now) or self._recorded_authorization(now)
        return found[0] if found else None

    def view(self, now: datetime | None = None) -> ConsentView:
        """The verified authorization and audit-log state; raises a ConsentError when the files
        cannot be trusted (bad signature, broken or missing log, a decision the log does not hold)."""
        now = now if now is not None else utc_now()
        _ = self.trust  # as in `authorization`
        found = self.authorization_file(now)
        state = self.ledger.state()
        found = found or self._recorded_authorization(now, state)  # the state read once
        authorization = found[0] if found else None
        if authorization is not None and self._is_for_this_app(authorization):
            self._check_recorded(authorization, state)
        suspensions = tuple(
            self._suspension(sid, facts)
            for sid, facts in sorted(state.active_suspensions.items(), key=lambda item: item[1]["seq"])
        )
        withheld = self.withheld(state=state)
        return ConsentView(authorization, state, self.trust, suspensions, withheld)

    def withheld(
        self, dataset: str | None = None, state: LedgerState | None = None
    ) -> tuple[WithheldPartition, ...]:
        """The partitions a suspension flagged that were not committed again since (``dataset``'s,
        or every dataset's), by dataset and sink path, each with that suspension.

        A re-approval lifts a suspension but does not clean the data it found: only a re-copy
        (a ``partition_committed`` record after the suspension) replaces a flagged partition.
        Not :attr:`witnessing`, a recorded withdrawal is not known to be done: ``withdrawn`` is
        None for it (False where none is recorded); nor is a recorded copy known to have replaced
        a flagged partition, so the partition stays listed with ``copied_again`` None.
        """
        state = state or self.ledger.state()
        found = []
        for name, flagged, copied_again in self._flagged_partitions(state):
            if dataset is not None and name != dataset:
                continue
            withdrawn = set(state.withdrawn.get(name, ()))
            for path, suspension_id in sorted(flagged.items()):
                facts = state.suspensions[suspension_id]
                keys = dict(zip(facts.get("paths") or (), facts.get("partitions") or ()))
                suspension = self._suspension(suspension_id, facts)
                recorded = path in withdrawn
                done = recorded if self.witnessing or not recorded else None
                found.append(WithheldPartition(
                    name, keys.get(path, path), path, suspension, done, copied_again))
        return tuple(found)

    @staticmethod
    def _flagged_partitions(state: LedgerState):
        """(dataset, {path: suspension id}, copied_again) of every partition still flagged:
        withheld ones (False: no copy replaced them), then those a copy released that no
        witness was asked about (None: see ``LedgerState.released_unverified``), by dataset."""
        flagged = [(name, paths, False) for name, paths in state.withheld.items()]
        flagged += [(name, paths, None) for name, paths in state.released_unverified.items()]
        return sorted(flagged, key=lambda entry: (entry[0], entry[2] is None))

    @property
    def witnessing(self) -> bool:
        """Whether the Dagster instance is at hand to tell which records it witnessed (see
        :mod:`~mgdc_pipelines.consent.ledger`). Without it (no ``DAGSTER_HOME``) the ledger
        takes each record as recorded, so none is known to be witnessed: a suspension or a
        withdrawal appended by hand would pass for a run's. What this store reports then says
        "not known" (None), never "witnessed" or "withdrawn"."""
        return self.anchor is not None

    def _suspension(self, suspension_id: str, facts: dict[str, Any]) -> Suspension:
        suspension = Suspension.from_record(suspension_id, self.app_name, facts)
        return suspension if self.witnessing else suspension.unverified()

    def withheld_partitions(
        self, dataset: str, state: LedgerState | None = None
    ) -> dict[str, Suspension]:
        """:meth:`withheld` of ``dataset``, as sink path → the suspension that flagged it: what
        loaders leave out. A partition whose recorded copy could not be verified is not among
        them: the ledger took the copy as recorded, and a loader in a Dagster run, whose store
        asks the instance, leaves it out only if the instance did not witness the copy."""
        return {
            withheld.path: withheld.suspension
            for withheld in self.withheld(dataset, state) if withheld.copied_again is False
        }

    # -- recording ----------------------------------------------------------------------------

    def record_decision(self, now: datetime | None = None, **extra: Any) -> dict[str, Any] | None:
        """Record the admin's decision in the authorization file in the audit log (None: it is
        already the latest one). Only a file that verifies with a trusted key is recorded.

        Refuses an authorization older than the latest recorded decision (a replay), and one
        that lifts a suspension the log does not hold.
        """
        found = self.authorization_file(now if now is not None else utc_now())
        if found is None:
            raise ConsentError(f"no authorization at {self.authorization_path} to record")
        authorization, document = found
        ledger = self.ledger
        state = ledger.state()
        latest = state.decision
        if latest is not None and latest.get("authorization") == authorization.digest:
            return None
        if latest is not None and authorization.decided_at <= _decided_at(latest):
            raise DecisionNotRecorded(
                f"{self.app_name}: this decision ({authorization.describe()}) is not newer than the one the audit "
                f"log already holds (record {latest['seq']}, {latest['event']} on {display(_decided_at(latest))}); "
                "an older authorization cannot replace a newer one"
            )
        unknown = [lifted for lifted in authorization.lifts if lifted not in state.active_suspensions]
        if unknown:
            raise ConsentError(
                f"{self.app_name}: the approval lifts suspension(s) {', '.join(u[:SHORT_ID] for u in unknown)}, "
                "which are not active in the audit log"
            )
        log = self.audit
        if isinstance(log, DatabaseAuditLog):  # kept first: workers with no file need it
            log.save_authorization(authorization.digest, canonical_json(document))
        record = record_decision(log, authorization, document, **extra)
        ledger.state()  # anchor what was just recorded
        return record

    def suspend(
        self,
        reason: str,
        *,
        dataset: str,
        partitions: Sequence[tuple[str, str]],
        fingerprint: str,
        now: datetime | None = None,
    ) -> Suspension:
        """Stop the app's data flow until an admin approves again, naming this suspension.

        ``partitions``: (partition key, sink path) of each partition the failed check flagged.
        """
        record = self.ledger.append(
            "suspended",
            at=as_utc(now, "now") if now is not None else None,
            reason=reason,
            dataset=dataset,
            partitions=[key for key, _ in partitions],
            paths=[path for _, path in partitions],
            fingerprint=fingerprint,
        )
        return self._suspension(record["hash"], record)  # witnessed if the instance is at hand

    def record(self, event: str, *, anchor: bool = True, **fields: Any) -> dict[str, Any]:
        """Append any other event (a committed or withdrawn partition, ...).

        ``anchor=False`` leaves anchoring to a later :meth:`advance_anchor` (a run's many commits are
        anchored once, at its end: the anchor is a lower bound, so a late one is still sound).
        """
        return self.ledger.append(event, anchored=anchor, **fields)

    def advance_anchor(self) -> None:
        """Verify the log from its last anchor and anchor it up to its end."""
        self.ledger.state()

    # -- internals ----------------------------------------------------------------------------

    def authorization_file(self, now: datetime) -> tuple[Authorization, dict] | None:
        """The verified authorization file and its document; None if there is no file."""
        path = self.authorization_path
        try:
            document = read_json(path)
        except FileNotFoundError:
            return None
        except ConsentError as error:
            raise AuthorizationInvalid(path, str(error)) from None
        return self._pinned(verify_authorization(document, self.trust, now=now, where=path), path), document

    def _recorded_authorization(self, now: datetime, state: LedgerState | None = None) -> tuple[Authorization, dict] | None:
        """The authorization the latest recorded decision names, from the state database."""
        log = self.audit
        if not isinstance(log, DatabaseAuditLog):
            return None
        decision = (state or self.ledger.state()).decision
        if decision is None:
            return None
        where = f"{log.location}, recorded authorization {str(decision['authorization'])[:12]}…"
        text = log.authorization_document(decision["authorization"])
        if text is None:
            raise DecisionNotRecorded(
                f"{self.app_name}: the audit log's latest decision (record {decision['seq']}) names an authorization "
                f"the state database does not hold, and there is no file at {self.authorization_path}; {_RECORD_HOW}"
            )
        document = json.loads(text)
        return self._pinned(verify_authorization(document, self.trust, now=now, where=where), where), document

    def _pinned(self, authorization: Authorization, where: str | Path) -> Authorization:
        pinned = self.consent.admin_key
        if pinned and authorization.key_id != pinned:
            raise AuthorizationInvalid(where, f"it is signed with key {authorization.key_id}, but the spec expects key {pinned}")
        return authorization

    def _is_for_this_app(self, authorization: Authorization) -> bool:
        """Another app's authorization is refused by the app-id check, naming it; no log to consult."""
        granted = authorization.registration
        return (granted.app_id, granted.tenant_id) == (self.identity.app_id.lower(), self.identity.tenant_id.lower())

    def _check_recorded(self, authorization: Authorization, state: LedgerState) -> None:
        latest = state.decision
        if latest is None:
            raise DecisionNotRecorded(
                f"no audit log for an approved app: {self.audit.location} holds no decision of the admin, but "
                f"{self.authorization_path} is {authorization.describe()}. If the log was deleted or moved, "
                f"restore it; {_RECORD_HOW}"
            )
        if latest.get("authorization") == authorization.digest:
            return
        if authorization.decided_at <= _decided_at(latest):
            raise DecisionNotRecorded(
                f"{self.authorization_path} ({authorization.describe()}) is older than the decision the audit log "
                f"holds (record {latest['seq']}: {latest['event']} on {display(_decided_at(latest))}): an earlier "
                "authorization file was put back; the app refuses to run on it"
            )
        raise DecisionNotRecorded(
            f"{self.authorization_path} ({authorization.describe()}) is not recorded in the audit log "
            f"{self.audit.location}; {_RECORD_HOW}"
        )


def _decided_at(decision: dict[str, Any]) -> datetime:
    return from_iso(decision.get("decided_at"), "audit decision decided_at")
