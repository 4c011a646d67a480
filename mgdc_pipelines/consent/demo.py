"""DEMO ONLY: the bundled demo admin key pair, so `make demo` runs out of the box.

``specs/demo-admin.key`` is published with the package, so anyone can sign with it: an
authorization signed by it proves nothing. The runtime therefore trusts the matching public key
only in DEMO MODE, which the deployment's operator turns on explicitly (``MGDC_DEMO_MODE=1``;
`make demo` and `make ui` do), and then says so in `consent status`, every run's log and every
partition's metadata (:data:`~mgdc_pipelines.consent.trust.DEMO_MODE_NOTICE`).

:func:`ensure_demo_authorization` approves a spec with that key in demo mode when it has no
valid approval yet (first run, the spec changed, or the 180 days ran out).
"""

from __future__ import annotations

import datetime as dt
from importlib.resources import files
from pathlib import Path

from mgdc_pipelines.consent.authorization import Authorization, decide, write_authorization
from mgdc_pipelines.consent.errors import AuthorizationInvalid
from mgdc_pipelines.consent.ledger import LedgerAnchor
from mgdc_pipelines.consent.registration import registration_for
from mgdc_pipelines.consent.store import ConsentStore
from mgdc_pipelines.consent.trust import DEMO_PUBLIC_KEY_PATH
from mgdc_pipelines.spec.model import AppSpec

DEMO_PRIVATE_KEY_PATH = Path(str(files("mgdc_pipelines") / "specs" / "demo-admin.key"))
DEMO_APPROVER = "demo-admin@contoso.example.com"

__all__ = ["DEMO_APPROVER", "DEMO_PRIVATE_KEY_PATH", "DEMO_PUBLIC_KEY_PATH", "ensure_demo_authorization"]


def ensure_demo_authorization(
    app: AppSpec, now: dt.datetime | None = None, *, anchor: LedgerAnchor | None = None
) -> Authorization | None:
    """In demo mode, approve ``app`` with the demo key if it lacks a current approval.

    Returns the new authorization, or None when nothing was done: not in demo mode, no consent
    block, an approval for exactly this spec that has not expired, or one signed by a real
    (non-demo) trusted admin key, which is never replaced. A suspension is NOT lifted here:
    that takes an admin's deliberate approval naming it.
    """
    if app.consent is None:
        return None
    store = ConsentStore.of(app, anchor=anchor)
    if not store.trust.demo_mode:
        return None
    now = now or dt.datetime.now(dt.timezone.utc)
    registration = registration_for(app)
    try:
        current = store.authorization(now)
    except AuthorizationInvalid:
        current = None  # e.g. written by an older version: replaced below
    if current is not None and not store.trust.key(current.key_id).is_demo:
        return None
    if current is not None and current.approved and current.fingerprint == registration.fingerprint and not current.is_expired(now):
        store.record_decision(now)  # a no-op unless a fresh state folder lacks it
        return None
    private_key = DEMO_PRIVATE_KEY_PATH.read_bytes()
    authorization = decide(registration, decision="approved", approver=DEMO_APPROVER, private_key=private_key, now=now)
    write_authorization(store.authorization_path, authorization, private_key)
    store.record_decision(now, note="demo-only approval with the bundled demo admin key")
    return authorization
