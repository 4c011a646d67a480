"""The admin's decision on a registration, signed with Ed25519 and verified before use.

On disk: ``{"payload": {...}, "signature": <base64>, "key_id": ...}``; the signature covers the
canonical JSON of the payload. The runtime verifies it with a key the deployment TRUSTS
(:mod:`~mgdc_pipelines.consent.trust`), chosen by the key id the file names, before reading
anything else from the payload. Signed dates are bounded by the runtime: an approval lasts at
most 180 days whatever it says, and a decision dated more than five minutes in the future (a
wrong clock, or a forgery waiting to out-date a suspension) is refused.

>>> from mgdc_pipelines.consent.keys import generate_keypair
>>> from mgdc_pipelines.consent.registration import Registration, ScopeGrant, DatasetGrant
>>> private_pem, public_pem = generate_keypair()
>>> registration = Registration("demo", "A", "T", "", "dev@contoso.com", "file:/srv/mgdc_data",
...     ScopeGrant(everyone=True), (DatasetGrant("User_v1", ("id",)),))
>>> grant = decide(registration, decision="approved", approver="admin@contoso.com", private_key=private_pem)
>>> (grant.expires_at - grant.decided_at).days, len(grant.digest)
(180, 64)
"""

from __future__ import annotations

import base64
import binascii
import hashlib
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
from mgdc_pipelines.consent.scrubbing import deny_list_gaps
from mgdc_pipelines.consent.trust import DEMO_MODE_ENV, TrustAnchors, demo_key_id
from mgdc_pipelines.spec.model import is_guid

APPROVAL_VALIDITY = timedelta(days=180)  # MGDC: "An approval is valid for 180 days"
# How far in the future a decision may be dated (clocks drift a little; more is a wrong clock or
# a forgery meant to out-date later events).
MAX_CLOCK_SKEW = timedelta(minutes=5)
Decision = Literal["approved", "denied"]
DECISIONS: tuple[str, ...] = ("approved", "denied")
# Version 2 pins an absolute destination and names the suspensions an approval lifts.
PAYLOAD_VERSION = 2
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
    "lifts",
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
    # Suspension ids (audit records) this approval lifts: an approval lifts only what it names.
    lifts: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "decided_at", as_utc(self.decided_at, "decided_at"))
        object.__setattr__(self, "expires_at", as_utc(self.expires_at, "expires_at"))
        object.__setattr__(
            self, "deny_group_ids", tuple(sorted({g.lower() for g in self.deny_group_ids}))
        )
        object.__setattr__(self, "lifts", tuple(sorted({s.lower() for s in self.lifts})))

    @property
    def fingerprint(self) -> str:
        return self.registration.fingerprint

    @property
    def digest(self) -> str:
        """SHA-256 of the signed payload: names this very decision in the audit log."""
        return hashlib.sha256(canonical_json(self.to_payload()).encode("utf-8")).hexdigest()

    @property
    def approved(self) -> bool:
        return self.decision == "approved"

    @property
    def effective_expires_at(self) -> datetime:
        """The signed expiry, but never later than 180 days after the decision."""
        return min(self.expires_at, self.decided_at + APPROVAL_VALIDITY)

    def is_expired(self, now: datetime) -> bool:
        """Expired from :attr:`effective_expires_at` on (exactly 180 days after the decision is expired)."""
        return as_utc(now, "now") >= self.effective_expires_at

    def is_from_the_future(self, now: datetime) -> bool:
        """Dated more than :data:`MAX_CLOCK_SKEW` after ``now``."""
        return self.decided_at > as_utc(now, "now") + MAX_CLOCK_SKEW

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
            "lifts": list(self.lifts),
        }

    @classmethod
    def from_payload(cls, payload: Any) -> Authorization:
        """Strict inverse of :meth:`to_payload`; raises ConsentError naming what is wrong."""
        if isinstance(payload, dict) and payload.get("version") != PAYLOAD_VERSION:
            raise ConsentError(
                f"payload.version {payload.get('version')!r}: written by another mgdc-pipelines version "
                f"(this one reads version {PAYLOAD_VERSION}, which pins an absolute destination); "
                "ask the admin to approve the app again"
            )
        check_keys(payload, "payload", _PAYLOAD_KEYS)
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
            lifts=strings(payload, "lifts", "payload"),
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
    lifts: tuple[str, ...] | list[str] = (),
) -> Authorization:
    """An admin's decision: the whole app, all or nothing, valid for ``validity`` (at most 180
    days) from ``now``; an approval lifts the suspensions ``lifts`` names (their ids)."""
    _check_decision(decision, tuple(deny_group_ids), validity)
    if deny_group_ids and (
        gaps := deny_list_gaps((g.short_name, g.columns) for g in registration.datasets)
    ):
        raise ConsentError(f"cannot approve with a deny list: {gaps}")
    if lifts and decision != "approved":
        raise ConsentError("only an approval lifts suspensions")
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
        lifts=tuple(lifts),
    )


def _check_decision(decision: str, deny_group_ids: tuple[str, ...], validity: timedelta) -> None:
    if decision not in DECISIONS:
        raise ConsentError(f"decision must be one of {', '.join(DECISIONS)}, got {decision!r}")
    if deny_group_ids and decision != "approved":
        raise ConsentError("a deny list only applies to an approval")
    bad = [group_id for group_id in deny_group_ids if not is_guid(group_id)]
    if bad:
        raise ConsentError(f"deny-list entries must be group object ids (GUIDs): {', '.join(bad)}")
    if not timedelta(0) < validity <= APPROVAL_VALIDITY:
        raise ConsentError(f"validity must be positive and at most {APPROVAL_VALIDITY.days} days, got {validity}")


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
    path: str | os.PathLike[str],
    trust: TrustAnchors | KeySource | Ed25519PublicKey,
    *,
    now: datetime | None = None,
) -> Authorization:
    """Verify the signature with the trusted key the file names, then parse; raises
    AuthorizationInvalid. With ``now``, a decision dated in the future is refused too.

    ``trust``: the deployment's :class:`TrustAnchors` (or one public key, for library use).
    A missing file raises FileNotFoundError: callers decide what absence means.
    """
    try:
        document = read_json(path)
    except ConsentError as error:
        raise AuthorizationInvalid(path, str(error)) from None
    return verify_authorization(document, trust, now=now, where=path)


def verify_authorization(
    document: Any,
    trust: TrustAnchors | KeySource | Ed25519PublicKey,
    *,
    now: datetime | None = None,
    where: str | os.PathLike[str] = "<authorization>",
) -> Authorization:
    """:func:`read_authorization` of a document already read (from the state database, say);
    ``where`` names it in errors."""
    path = where
    anchors = trust if isinstance(trust, TrustAnchors) else TrustAnchors.of(load_public_key(trust))
    if not isinstance(document, dict) or not document.get("signature"):
        raise AuthorizationInvalid(path, "it is not signed (no signature)")
    try:
        check_keys(document, "authorization", ("payload", "signature"), optional=("key_id",))
    except ConsentError as error:
        raise AuthorizationInvalid(path, str(error)) from None
    key = _trusted_key(path, anchors, document)
    _verify(path, key, document)
    try:
        authorization = Authorization.from_payload(document["payload"])
    except (ConsentError, ValueError) as error:
        raise AuthorizationInvalid(path, f"the signed payload is malformed: {error}") from None
    if authorization.key_id != key_id(key):
        raise AuthorizationInvalid(path, f"the payload names key {authorization.key_id}, but it is signed with {key_id(key)}")
    if now is not None and authorization.is_from_the_future(now):
        raise AuthorizationInvalid(
            path,
            f"it is dated {display(authorization.decided_at)}, more than {MAX_CLOCK_SKEW.seconds // 60} minutes "
            f"after now ({display(now)}): the admin's clock is wrong or the file is forged; ask the admin to sign again",
        )
    return authorization


def _trusted_key(path: str | os.PathLike[str], trust: TrustAnchors, document: dict) -> Ed25519PublicKey:
    """The trusted key the document names (outer ``key_id``, else the payload's); refused by name."""
    payload = document.get("payload")
    named = document.get("key_id") or (payload.get("key_id") if isinstance(payload, dict) else None)
    if not isinstance(named, str) or not named:
        raise AuthorizationInvalid(path, "it names no signing key (key_id)")
    trusted = trust.key(named)
    if trusted is None:
        if named == demo_key_id():
            raise AuthorizationInvalid(
                path, f"it is signed with the bundled DEMO key {named}, which is trusted only in demo mode "
                f"({DEMO_MODE_ENV}=1, which `make demo` and `make ui` set)",
            )
        raise AuthorizationInvalid(
            path, f"it is signed with key {named}, which this deployment does not trust ({trust.describe()})"
        )
    return trusted.public_key


def _verify(path: str | os.PathLike[str], key: Ed25519PublicKey, document: dict) -> None:
    try:
        signature = base64.b64decode(str(document["signature"]), validate=True)
        key.verify(signature, canonical_json(document["payload"]).encode("utf-8"))
    except binascii.Error:
        raise AuthorizationInvalid(path, "the signature is not base64") from None
    except InvalidSignature:
        raise AuthorizationInvalid(
            path, f"the signature does not match: the file was edited after signing, or not signed with key {key_id(key)}"
        ) from None
