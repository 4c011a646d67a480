"""The admin's decision on a registration, signed with Ed25519 and verified before use.

On disk: ``{"payload": {...}, "signature": <base64>, "key_id": ...}``; the signature covers the
canonical JSON of the payload, and the runtime verifies it with the PUBLIC key before reading
anything from the payload.

>>> from mgdc_pipelines.consent.keys import generate_keypair
>>> from mgdc_pipelines.consent.registration import Registration, ScopeGrant, DatasetGrant
>>> private_pem, public_pem = generate_keypair()
>>> registration = Registration("demo", "A", "T", "", "dev@contoso.com", "file:mgdc_data",
...     ScopeGrant(everyone=True), (DatasetGrant("User_v1", ("id",)),))
>>> grant = decide(registration, decision="approved", approver="admin@contoso.com", private_key=private_pem)
>>> (grant.expires_at - grant.decided_at).days
180
"""

from __future__ import annotations

import base64
import binascii
import os
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from mgdc_pipelines.consent.clock import as_utc, display, from_iso, to_iso, utc_now
from mgdc_pipelines.consent.errors import AuthorizationInvalid, ConsentError
from mgdc_pipelines.consent.jsonfiles import (
    canonical_json,
    check_keys,
    read_json,
    string,
    strings,
    write_json,
)
from mgdc_pipelines.consent.keys import KeySource, key_id, load_private_key, load_public_key
from mgdc_pipelines.consent.registration import Registration
from mgdc_pipelines.spec.model import is_guid

APPROVAL_VALIDITY = timedelta(days=180)  # MGDC: "An approval is valid for 180 days"
Decision = Literal["approved", "denied"]
DECISIONS: tuple[str, ...] = ("approved", "denied")
PAYLOAD_VERSION = 1
_PAYLOAD_KEYS = (
    "version",
    "registration",
    "fingerprint",
    "decision",
    "approver",
    "decided_at",
    "expires_at",
    "deny_group_ids",
    "key_id",
)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class Authorization:
    """An admin's approve/deny decision on one registration (identified by its fingerprint)."""

    registration: Registration
    decision: Decision
    approver: str
    decided_at: datetime
    expires_at: datetime
    deny_group_ids: tuple[str, ...]  # privacy deny list: members are scrubbed from every row
    key_id: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "decided_at", as_utc(self.decided_at, "decided_at"))
        object.__setattr__(self, "expires_at", as_utc(self.expires_at, "expires_at"))
        object.__setattr__(
            self, "deny_group_ids", tuple(sorted({g.lower() for g in self.deny_group_ids}))
        )

    @property
    def fingerprint(self) -> str:
        return self.registration.fingerprint

    @property
    def approved(self) -> bool:
        return self.decision == "approved"

    def is_expired(self, now: datetime) -> bool:
        """Expired from ``expires_at`` on (exactly 180 days after the decision is expired)."""
        return as_utc(now, "now") >= self.expires_at

    def describe(self) -> str:
        """``approved by x@y on 2026-11-20 12:00 UTC``."""
        return f"{self.decision} by {self.approver} on {display(self.decided_at)}"

    def to_payload(self) -> dict[str, Any]:
        return {
            "version": PAYLOAD_VERSION,
            "registration": self.registration.to_dict(),
            "fingerprint": self.fingerprint,
            "decision": self.decision,
            "approver": self.approver,
            "decided_at": to_iso(self.decided_at),
            "expires_at": to_iso(self.expires_at),
            "deny_group_ids": list(self.deny_group_ids),
            "key_id": self.key_id,
        }

    @classmethod
    def from_payload(cls, payload: Any) -> Authorization:
        """Strict inverse of :meth:`to_payload`; raises ConsentError naming what is wrong."""
        check_keys(payload, "payload", _PAYLOAD_KEYS)
        if payload["version"] != PAYLOAD_VERSION:
            raise ConsentError(f"payload.version: unsupported version {payload['version']!r}")
        decision = string(payload, "decision", "payload")
        if decision not in DECISIONS:
            raise ConsentError(
                f"payload.decision: {decision!r} is not one of {', '.join(DECISIONS)}"
            )
        registration = Registration.from_dict(payload["registration"], "payload.registration")
        if registration.fingerprint != payload["fingerprint"]:
            raise ConsentError("payload.fingerprint does not match the registration it names")
        return cls(
            registration=registration,
            decision=decision,  # type: ignore[arg-type]
            approver=string(payload, "approver", "payload"),
            decided_at=from_iso(payload["decided_at"], "payload.decided_at"),
            expires_at=from_iso(payload["expires_at"], "payload.expires_at"),
            deny_group_ids=strings(payload, "deny_group_ids", "payload"),
            key_id=string(payload, "key_id", "payload"),
        )


def decide(
    registration: Registration,
    *,
    decision: Decision,
    approver: str,
    private_key: KeySource | Ed25519PrivateKey,
    now: datetime | None = None,
    deny_group_ids: tuple[str, ...] | list[str] = (),
    validity: timedelta = APPROVAL_VALIDITY,
) -> Authorization:
    """An admin's decision: the whole app, all or nothing, valid for ``validity`` from ``now``."""
    _check_decision(decision, tuple(deny_group_ids), validity)
    _check_approver(approver, registration.owner)
    key = load_private_key(private_key)
    decided_at = as_utc(now, "now") if now is not None else utc_now()
    return Authorization(
        registration=registration,
        decision=decision,
        approver=approver,
        decided_at=decided_at,
        expires_at=decided_at + validity,
        deny_group_ids=tuple(deny_group_ids),
        key_id=key_id(key),
    )


def _check_decision(decision: str, deny_group_ids: tuple[str, ...], validity: timedelta) -> None:
    if decision not in DECISIONS:
        raise ConsentError(f"decision must be one of {', '.join(DECISIONS)}, got {decision!r}")
    if deny_group_ids and decision != "approved":
        raise ConsentError("a deny list only applies to an approval")
    bad = [group_id for group_id in deny_group_ids if not is_guid(group_id)]
    if bad:
        raise ConsentError(f"deny-list entries must be group object ids (GUIDs): {', '.join(bad)}")
    if validity <= timedelta(0):
        raise ConsentError(f"validity must be positive, got {validity}")


def _check_approver(approver: str, owner: str) -> None:
    if not _EMAIL.match(approver):
        raise ConsentError(
            f"approver must be an email address (user principal name), got {approver!r}"
        )
    if approver.casefold() == owner.casefold():
        raise ConsentError(f"App approver and owner cannot be the same user: {approver}")


def write_authorization(
    path: str | os.PathLike[str],
    authorization: Authorization,
    private_key: KeySource | Ed25519PrivateKey,
) -> Path:
    """Sign and write the authorization atomically; the key must be the one that decided."""
    key = load_private_key(private_key)
    if key_id(key) != authorization.key_id:
        raise ConsentError(
            f"the decision names key {authorization.key_id}, but the signing key is {key_id(key)}"
        )
    payload = authorization.to_payload()
    signature = key.sign(canonical_json(payload).encode("utf-8"))
    document = {
        "payload": payload,
        "signature": base64.b64encode(signature).decode("ascii"),
        "key_id": authorization.key_id,
    }
    return write_json(path, document)


def read_authorization(
    path: str | os.PathLike[str], public_key: KeySource | Ed25519PublicKey
) -> Authorization:
    """Verify the signature with the public key, then parse; raises AuthorizationInvalid.

    A missing file raises FileNotFoundError: callers decide what absence means.
    """
    key = load_public_key(public_key)
    try:
        document = read_json(path)
    except ConsentError as error:
        raise AuthorizationInvalid(path, str(error)) from None
    if not isinstance(document, dict) or not document.get("signature"):
        raise AuthorizationInvalid(path, "it is not signed (no signature)")
    try:
        check_keys(document, "authorization", ("payload", "signature"), optional=("key_id",))
    except ConsentError as error:
        raise AuthorizationInvalid(path, str(error)) from None
    _verify(path, key, document)
    try:
        authorization = Authorization.from_payload(document["payload"])
    except (ConsentError, ValueError) as error:
        raise AuthorizationInvalid(path, f"the signed payload is malformed: {error}") from None
    if authorization.key_id != key_id(key):
        raise AuthorizationInvalid(
            path, f"the payload names key {authorization.key_id}, not the trusted {key_id(key)}"
        )
    return authorization


def _verify(path: str | os.PathLike[str], key: Ed25519PublicKey, document: dict) -> None:
    trusted = key_id(key)
    try:
        signature = base64.b64decode(str(document["signature"]), validate=True)
        key.verify(signature, canonical_json(document["payload"]).encode("utf-8"))
    except binascii.Error:
        raise AuthorizationInvalid(path, "the signature is not base64") from None
    except InvalidSignature:
        claimed = document.get("key_id")
        if claimed and claimed != trusted:
            reason = f"it was signed with another key ({claimed}); the runtime trusts key {trusted}"
        else:
            reason = f"the signature does not match: the file was edited after signing, or not signed with key {trusted}"
        raise AuthorizationInvalid(path, reason) from None
