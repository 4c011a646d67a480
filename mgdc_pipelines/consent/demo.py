"""DEMO ONLY: the bundled demo admin key pair, so `make demo` runs out of the box.

The demo spec trusts ``specs/demo-admin.pub``. Its private half, ``specs/demo-admin.key``, is
published with the package, so anyone can sign with it: an authorization signed by it proves
nothing. Never point a real app's ``consent.public_key`` at it.

:func:`ensure_demo_authorization` approves a spec with that key when the spec trusts the demo
key and has no valid approval yet (first run, or the 180 days ran out).
"""

from __future__ import annotations

import datetime as dt
from importlib.resources import files
from pathlib import Path

from mgdc_pipelines.consent.audit import record_decision
from mgdc_pipelines.consent.authorization import Authorization, decide, write_authorization
from mgdc_pipelines.consent.registration import registration_for
from mgdc_pipelines.consent.store import ConsentStore
from mgdc_pipelines.spec.model import AppSpec

DEMO_PUBLIC_KEY_PATH = Path(str(files("mgdc_pipelines") / "specs" / "demo-admin.pub"))
DEMO_PRIVATE_KEY_PATH = Path(str(files("mgdc_pipelines") / "specs" / "demo-admin.key"))
DEMO_APPROVER = "demo-admin@contoso.example.com"


def trusts_demo_key(app: AppSpec) -> bool:
    if app.consent is None or not app.consent.public_key_path().exists():
        return False
    return app.consent.public_key_path().read_bytes() == DEMO_PUBLIC_KEY_PATH.read_bytes()


def ensure_demo_authorization(app: AppSpec, now: dt.datetime | None = None) -> Authorization | None:
    """Approve ``app`` with the demo key if it trusts it and lacks a current approval.

    Returns the new authorization, or None when nothing was done (not a demo-key app, or it
    already holds an approval for exactly this spec that has not expired).
    """
    if not trusts_demo_key(app):
        return None
    now = now or dt.datetime.now(dt.timezone.utc)
    store = ConsentStore(app.consent, app.name)
    registration = registration_for(app)
    current = store.authorization()
    if (
        current is not None
        and current.decision == "approved"
        and current.fingerprint == registration.fingerprint
        and not current.is_expired(now)
    ):  # a suspension is NOT lifted here: that takes an admin's deliberate re-approval
        return None
    private_key = DEMO_PRIVATE_KEY_PATH.read_bytes()
    authorization = decide(
        registration, decision="approved", approver=DEMO_APPROVER, private_key=private_key, now=now
    )
    write_authorization(app.consent.authorization_path(), authorization, private_key)
    record_decision(store.audit, authorization, note="demo-only approval with the bundled demo admin key")
    return authorization
