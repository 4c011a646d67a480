"""Where an app's consent lives on disk: the signed authorization, its suspension, its audit log.

    <consent.authorization>                  signed by the admin (read-only here)
    <consent.public_key>                     the admin's public key: all the runtime holds
    <state_dir>/<app>.suspension.json        the latest suspension (active until re-approval)
    <state_dir>/<app>.audit.jsonl            append-only audit events (every suspension, every commit)

``state_dir`` defaults to the authorization's folder and is created on first write.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from mgdc_pipelines.consent.audit import AuditLog
from mgdc_pipelines.consent.authorization import Authorization, read_authorization
from mgdc_pipelines.consent.clock import as_utc, from_iso, utc_now
from mgdc_pipelines.consent.errors import ConsentError
from mgdc_pipelines.consent.jsonfiles import read_json, write_json
from mgdc_pipelines.consent.keys import load_public_key
from mgdc_pipelines.consent.suspension import Suspension
from mgdc_pipelines.spec.model import ConsentSpec


class ConsentStore:
    """Reads an app's verified authorization and active suspension; records suspensions."""

    def __init__(self, consent: ConsentSpec, app_name: str) -> None:
        self.consent = consent
        self.app_name = app_name

    @property
    def authorization_path(self) -> Path:
        return self.consent.authorization_path()

    @property
    def state_dir(self) -> Path:
        return self.consent.state_path()

    @property
    def suspension_path(self) -> Path:
        return self.state_dir / f"{self.app_name}.suspension.json"

    @property
    def audit(self) -> AuditLog:
        return AuditLog(self.state_dir / f"{self.app_name}.audit.jsonl")

    def public_key(self) -> Ed25519PublicKey:
        # Read each time: an admin may rotate the key file while a daemon runs.
        return load_public_key(self.consent.public_key_path())

    def authorization(self) -> Authorization | None:
        """The verified authorization; None if there is none; AuthorizationInvalid if it fails."""
        path = self.authorization_path
        if not path.exists():
            return None
        try:
            return read_authorization(path, self.public_key())
        except FileNotFoundError:  # deleted between the check and the read
            return None

    def recorded_suspension(self) -> Suspension | None:
        """The latest suspension on record, active or lifted."""
        try:
            data = read_json(self.suspension_path)
        except FileNotFoundError:
            return None
        try:
            return Suspension.from_dict(data)
        except ConsentError as error:
            raise ConsentError(f"{self.suspension_path}: {error}") from None

    def suspension(self) -> Suspension | None:
        """The active suspension: one recorded after the current authorization's decision."""
        recorded = self.recorded_suspension()
        if recorded is None or not recorded.is_active(self.authorization()):
            return None
        return recorded

    def suspensions(self) -> list[Suspension]:
        """Every suspension on record, active or lifted, oldest first.

        The suspension file holds only the latest; the audit log's ``suspended`` events hold them all.
        """
        return _history(self.audit.entries(), self.app_name, self.recorded_suspension())

    def withheld_partitions(self, dataset: str, path_of: Callable[[str], str]) -> dict[str, Suspension]:
        """Partitions of ``dataset`` a suspension flagged and not committed again since, each with
        the latest suspension that flagged it.

        A re-approval lifts a suspension but does not clean the data it found: only a re-copy
        (a ``partition_committed`` event after ``suspended_at``) replaces a flagged partition.
        ``path_of`` maps a flagged partition key to the partition's sink path
        (``PartitionRef.relative_path``), which is how commit events name partitions.
        """
        entries = self.audit.entries()
        flagged: dict[str, Suspension] = {}
        for suspension in _history(entries, self.app_name, self.recorded_suspension()):
            if suspension.dataset == dataset:
                flagged.update(dict.fromkeys(suspension.partitions, suspension))
        if not flagged:
            return {}
        committed = _last_commits(entries, dataset)
        never = datetime.min.replace(tzinfo=timezone.utc)
        return {
            key: suspension
            for key, suspension in flagged.items()
            if committed.get(path_of(key), never) <= suspension.suspended_at
        }

    def suspend(
        self,
        reason: str,
        *,
        dataset: str,
        partitions: tuple[str, ...] | list[str],
        fingerprint: str,
        now: datetime | None = None,
    ) -> Suspension:
        """Stop the app's data flow until an admin re-approves; recorded and audited."""
        suspension = Suspension(
            app_name=self.app_name,
            fingerprint=fingerprint,
            reason=reason,
            dataset=dataset,
            partitions=tuple(partitions),
            suspended_at=as_utc(now, "now") if now is not None else utc_now(),
        )
        write_json(self.suspension_path, suspension.to_dict())
        self.audit.append(
            "suspended",
            at=suspension.suspended_at,
            reason=reason,
            dataset=dataset,
            partitions=list(suspension.partitions),
            fingerprint=fingerprint,
        )
        return suspension


def _history(entries: Iterable[dict[str, Any]], app_name: str, recorded: Suspension | None) -> list[Suspension]:
    found = [
        Suspension.from_dict(
            {
                "app_name": app_name,
                "fingerprint": entry.get("fingerprint"),
                "reason": entry.get("reason"),
                "dataset": entry.get("dataset"),
                "partitions": entry.get("partitions"),
                "suspended_at": entry["at"],
            },
            where=f"audit event 'suspended' at {entry['at']}",
        )
        for entry in entries
        if entry["event"] == "suspended"
    ]
    if recorded is not None and recorded not in found:  # e.g. an audit log that was moved away
        found.append(recorded)
    return sorted(found, key=lambda suspension: suspension.suspended_at)


def _last_commits(entries: Iterable[dict[str, Any]], dataset: str) -> dict[str, datetime]:
    """The latest ``partition_committed`` time of each partition of ``dataset``, by sink path."""
    latest: dict[str, datetime] = {}
    for entry in entries:
        if entry["event"] == "partition_committed" and entry.get("dataset") == dataset:
            at = from_iso(entry["at"], "audit event 'partition_committed' at")
            path = entry.get("partition")
            if path not in latest or at > latest[path]:
                latest[path] = at
    return latest
