"""Where an app stands with its admin: MGDC's app states, and what each dataset may do.

``update_available`` is MGDC's "the app changed since the admin acted": runs continue under
the previous grant for exactly what it covered, and everything beyond it is refused by name.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import Enum

from mgdc_pipelines.catalog import DATASET_PREFIX
from mgdc_pipelines.consent.authorization import Authorization
from mgdc_pipelines.consent.clock import as_utc, display, utc_now
from mgdc_pipelines.consent.registration import (
    DatasetGrant,
    Registration,
    destination_contains,
    registration_for,
)
from mgdc_pipelines.consent.ledger import LedgerAnchor
from mgdc_pipelines.consent.scrubbing import unscrubbable
from mgdc_pipelines.consent.store import ConsentStore
from mgdc_pipelines.consent.suspension import Suspension, WithheldPartition
from mgdc_pipelines.consent.trust import DEMO_MODE_NOTICE, TrustAnchors
from mgdc_pipelines.sources.base import Scope
from mgdc_pipelines.spec.model import AppSpec

AUTHORIZED, PARTLY_AUTHORIZED, REFUSED = "authorized", "partly authorized", "refused"
_COVERED = "covered by the grant"


class ConsentState(str, Enum):
    PENDING = "pending"
    APPROVED = "approved"
    DENIED = "denied"
    EXPIRED = "expired"
    UPDATE_AVAILABLE = "update_available"
    SUSPENDED = "suspended"


@dataclass(frozen=True)
class DatasetStatus:
    dataset: str
    state: str  # "authorized" | "refused" | "partly authorized"
    refused_columns: tuple[str, ...]
    message: str


@dataclass(frozen=True)
class AppConsentStatus:
    state: ConsentState
    reason: str
    fingerprint: str  # the spec's; the grant's is authorization.fingerprint
    authorization: Authorization | None
    suspension: Suspension | None
    datasets: tuple[DatasetStatus, ...]
    trust_note: str = ""  # "DEMO MODE: ..." when the grant is signed with the bundled demo key
    withheld: tuple[WithheldPartition, ...] = ()  # flagged partitions no copy replaced yet

    @property
    def approved(self) -> bool:
        """Approved for exactly this spec, every dataset of it runnable (a grant whose deny list
        cannot be enforced refuses its dataset)."""
        return self.state is ConsentState.APPROVED and all(
            dataset.state == AUTHORIZED for dataset in self.datasets
        )


def consent_status(
    spec: AppSpec,
    *,
    now: datetime | None = None,
    anchor: LedgerAnchor | None = None,
    trust: TrustAnchors | None = None,
) -> AppConsentStatus:
    """The app's state; raises a ConsentError if its consent files cannot be trusted (a bad
    signature, an untrusted key, a broken audit log, a decision the log does not hold).

    ``anchor``: the Dagster instance's ledger anchor (``defs.ledger_anchor``), when there is one.
    """
    now = as_utc(now, "now") if now is not None else utc_now()
    registration = registration_for(spec)
    store = ConsentStore.of(spec, anchor=anchor, trust=trust) if spec.consent is not None else None
    view = store.view(now) if store is not None else None
    authorization = view.authorization if view is not None else None
    suspension = view.suspension if view is not None and authorization is not None else None
    note = DEMO_MODE_NOTICE if view is not None and view.signed_with_demo_key else ""
    withheld = view.withheld if view is not None else ()
    state, reason = _blocking_state(spec, store, authorization, suspension, now)
    if state is None:
        granted = _grant_status(spec, registration, authorization)
        return replace(granted, trust_note=note, withheld=withheld)
    datasets = tuple(
        DatasetStatus(grant.dataset, REFUSED, grant.columns, f"the app is {state.value}")
        for grant in registration.datasets
    )
    return AppConsentStatus(
        state, reason, registration.fingerprint, authorization, suspension, datasets, note, withheld
    )


def _blocking_state(
    spec: AppSpec,
    store: ConsentStore | None,
    authorization: Authorization | None,
    suspension: Suspension | None,
    now: datetime,
) -> tuple[ConsentState | None, str]:
    """A state in which nothing runs, with its reason; (None, "") when a grant is in force."""
    ask = "run `mgdc-pipelines consent request` and ask an admin to approve it"
    if store is None:
        return (
            ConsentState.PENDING,
            f"the spec has no `consent:` block, so nothing can authorize it; add one, {ask}",
        )
    if authorization is None:
        return ConsentState.PENDING, f"no authorization at {store.authorization_path}; {ask}"
    granted = authorization.registration
    if (granted.app_id, granted.tenant_id) != (spec.app.app_id.lower(), spec.app.tenant_id.lower()):
        return ConsentState.PENDING, (
            f"the authorization at {store.authorization_path} is for app {granted.app_id} in tenant "
            f"{granted.tenant_id}, not this app; {ask}"
        )
    if not authorization.approved:
        return ConsentState.DENIED, authorization.describe()
    if authorization.is_expired(now):
        return ConsentState.EXPIRED, (
            f"the approval by {authorization.approver} expired on {display(authorization.effective_expires_at)}; "
            "an admin must re-approve"
        )
    if suspension is not None:
        return ConsentState.SUSPENDED, suspension.describe()
    return None, ""


def _grant_status(
    spec: AppSpec, registration: Registration, authorization: Authorization
) -> AppConsentStatus:
    """APPROVED when the spec is exactly what was approved, else UPDATE_AVAILABLE with details."""
    granted = authorization.registration
    destination_ok = destination_contains(granted.destination, spec.sink.root_uri())
    deny_list = bool(authorization.deny_group_ids)
    datasets = tuple(
        _dataset_status(wanted, granted.dataset(wanted.dataset), destination_ok, deny_list)
        for wanted in registration.datasets
    )
    expiry = f"expires {display(authorization.effective_expires_at)}"
    if registration.fingerprint == authorization.fingerprint:
        state, reason = ConsentState.APPROVED, f"{authorization.describe()}; {expiry}"
        refused = [d.dataset.removeprefix(DATASET_PREFIX) for d in datasets if d.state == REFUSED]
        if refused:  # only a deny list the grant cannot enforce refuses what it approved
            reason += f"; but its deny list cannot be enforced on {', '.join(refused)}"
    else:
        changes = _changes(spec, registration, granted, datasets, destination_ok)
        state = ConsentState.UPDATE_AVAILABLE
        reason = (
            f"the spec changed since it was {authorization.describe()}; runs continue under that grant "
            f"for what it covers ({expiry}): {changes}"
        )
    return AppConsentStatus(state, reason, registration.fingerprint, authorization, None, datasets)


def _dataset_status(
    wanted: DatasetGrant, granted: DatasetGrant | None, destination_ok: bool, deny_list: bool
) -> DatasetStatus:
    if not destination_ok:
        return DatasetStatus(
            wanted.dataset,
            REFUSED,
            wanted.columns,
            "the sink is outside the authorized destination",
        )
    if granted is None:
        return DatasetStatus(
            wanted.dataset, REFUSED, wanted.columns, "not in the grant; needs a new approval"
        )
    unread = unscrubbable(granted.short_name, granted.columns) if deny_list else ()
    if unread:  # a grant signed elsewhere: `decide` refuses to make one
        return DatasetStatus(
            wanted.dataset,
            REFUSED,
            wanted.columns,
            f"the grant's deny list cannot be enforced without {', '.join(unread)}, which it does "
            "not read; runs are refused until an admin approves a registration with them",
        )
    refused = tuple(c for c in wanted.columns if c not in granted.columns)
    if len(refused) == len(wanted.columns):
        state, message = REFUSED, f"none of its columns are in the grant: {', '.join(refused)}"
    elif refused:
        state, message = (
            PARTLY_AUTHORIZED,
            f"columns not in the grant are refused: {', '.join(refused)}",
        )
    else:
        state, message = AUTHORIZED, _COVERED
    differing = _transform_differences(wanted, granted)
    if differing:
        message += f"; transforms differ from the grant, the grant's apply: {differing}"
    return DatasetStatus(wanted.dataset, state, refused, message)


def _transform_differences(wanted: DatasetGrant, granted: DatasetGrant) -> str:
    columns = [
        c
        for c in wanted.columns
        if c in granted.columns and wanted.transform(c) != granted.transform(c)
    ]
    return ", ".join(
        f"{c} {granted.transform(c) or 'none'} (spec: {wanted.transform(c) or 'none'})"
        for c in columns
    )


def _changes(
    spec: AppSpec,
    registration: Registration,
    granted: Registration,
    datasets: tuple[DatasetStatus, ...],
    destination_ok: bool,
) -> str:
    """One line of what differs from the grant, in the words of what a run will refuse."""
    if not destination_ok:  # every dataset is refused for the same reason: say it once
        notes = [
            f"the sink {registration.destination} is outside the authorized {granted.destination}"
        ]
    else:
        notes = [
            f"{status.dataset.removeprefix(DATASET_PREFIX)} {status.state}: {status.message}"
            for status in datasets
            if status.message != _COVERED
        ]
    if registration.hash_key_env != granted.hash_key_env:
        notes.append(
            f"the spec reads the hash key from ${registration.hash_key_env or '(none)'}, the grant from "
            f"${granted.hash_key_env or '(none)'}: hashed columns are refused until an admin approves it"
        )
    for scope in spec.scopes:
        outside = granted.scope.covers(Scope(scope.key, scope.group_ids))
        if outside:
            what = "the whole organization" if scope.is_everyone else f"groups {', '.join(outside)}"
            notes.append(f"scope {scope.key} asks for {what}, beyond the grant")
    return "; ".join(notes) or "the spec asks for less than the grant, which covers all of it"
