"""The MGDC runtime checks: is this request inside the app's authorization?

They run before any source or sink is touched, in a fixed order, and the first failure raises
:class:`ConsentRefused` naming the check, the dataset and the offending value (reference §3.1,
"Authorization validation during pipeline runtime"; ``not_suspended`` is ours).

>>> from datetime import datetime, timezone
>>> request = AccessRequest("app", "tenant", "User_v1", ("id",), "file:///x", Scope.everyone())
>>> try:
...     check_request(None, request, now=datetime.now(timezone.utc))
... except ConsentRefused as refused:
...     print(refused.check, "|", refused.detail)
approved | pending: no authorization found for app app
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import NoReturn

from mgdc_pipelines.consent.authorization import Authorization
from mgdc_pipelines.consent.clock import display
from mgdc_pipelines.consent.errors import ConsentRefused
from mgdc_pipelines.consent.clock import utc_now
from mgdc_pipelines.consent.registration import DatasetGrant, DownstreamGrant, destination_contains
from mgdc_pipelines.consent.suspension import Suspension
from mgdc_pipelines.sources.base import Scope
from mgdc_pipelines.spec.model import EVERYONE


@dataclass(frozen=True)
class AccessRequest:
    """What one partition copy asks for."""

    app_id: str
    tenant_id: str
    dataset: str
    columns: tuple[str, ...]
    destination_uri: str
    scope: Scope
    # Every other location the write touches (the sink's staging folder): inside the grant too.
    other_locations: tuple[str, ...] = ()


def check_request(
    authorization: Authorization | None,
    request: AccessRequest,
    *,
    now: datetime,
    suspension: Suspension | None = None,
) -> DatasetGrant:
    """Run every check; return the dataset's grant, or raise ConsentRefused at the first failure.

    ``suspension``: the app's active suspension, if any (the audit log decides which is active).
    """
    authorization = _approved(authorization, request)
    if suspension is not None:
        _refuse("not_suspended", request, f"app {suspension.describe()}")
    for check in (_check_app_id, _check_tenant, _check_not_expired):
        check(authorization, request, now)
    grant = authorization.registration.dataset(request.dataset)
    if grant is None:
        authorized = ", ".join(g.short_name for g in authorization.registration.datasets) or "none"
        _refuse(
            "dataset",
            request,
            f"dataset {request.dataset} is not authorized; authorized datasets: {authorized}",
        )
    for grant_check in (_check_columns, _check_destination, _check_scope):
        grant_check(authorization, grant, request)
    return grant


def _refuse(check: str, request: AccessRequest, detail: str) -> NoReturn:
    raise ConsentRefused(check, request.dataset, detail)


def _approved(authorization: Authorization | None, request: AccessRequest) -> Authorization:
    if authorization is None:
        _refuse("approved", request, f"pending: no authorization found for app {request.app_id}")
    if not authorization.approved:
        _refuse(
            "approved",
            request,
            f"{authorization.describe()}; the app cannot run until an admin approves it",
        )
    return authorization


def _check_app_id(authorization: Authorization, request: AccessRequest, _: datetime) -> None:
    authorized = authorization.registration.app_id
    if request.app_id.lower() != authorized:
        _refuse(
            "app_id", request, f"app id {request.app_id} is not the authorized app {authorized}"
        )


def _check_tenant(authorization: Authorization, request: AccessRequest, _: datetime) -> None:
    authorized = authorization.registration.tenant_id
    if request.tenant_id.lower() != authorized:
        _refuse(
            "tenant",
            request,
            f"tenant {request.tenant_id} is not the authorized tenant {authorized}",
        )


def _check_not_expired(authorization: Authorization, request: AccessRequest, now: datetime) -> None:
    if authorization.is_expired(now):
        _refuse(
            "not_expired",
            request,
            f"the approval by {authorization.approver} expired on {display(authorization.effective_expires_at)}; "
            "an admin must re-approve the app",
        )


def _check_columns(_: Authorization, grant: DatasetGrant, request: AccessRequest) -> None:
    allowed = set(grant.columns)
    refused = list(dict.fromkeys(c for c in request.columns if c not in allowed))
    if refused:
        _refuse("columns", request, f"columns not authorized: {', '.join(refused)}")


def _check_destination(
    authorization: Authorization, _: DatasetGrant, request: AccessRequest
) -> None:
    authorized = authorization.registration.destination
    for uri in (request.destination_uri, *request.other_locations):
        if not destination_contains(authorized, uri):
            _refuse(
                "destination",
                request,
                f"destination {uri} is outside the authorized sink {authorized} (symlinks resolved)",
            )


def _check_scope(authorization: Authorization, _: DatasetGrant, request: AccessRequest) -> None:
    granted = authorization.registration.scope
    outside = granted.covers(request.scope)
    if not outside:
        return
    if outside == (EVERYONE,) and request.scope.is_everyone:
        detail = (
            f"scope {request.scope.key} requests the whole organization, but only groups "
            f"{', '.join(granted.group_ids) or '(none)'} are authorized"
        )
    else:
        detail = f"scope {request.scope.key}: groups {', '.join(outside)} are outside the authorized groups"
    _refuse("scope", request, detail)


def check_downstream(
    authorization: Authorization | None, entry: DownstreamGrant, *, action: str = "computed", now: datetime | None = None
) -> None:
    """A ``downstream:`` entry's data moves only if the grant in force holds exactly this entry.

    Under ``update_available`` the old grant keeps working for the entries it holds unchanged;
    a new or changed entry is refused by name (check ``downstream``).
    """
    what = f"downstream entry {entry.name}"
    if authorization is None or not authorization.approved:
        state = authorization.describe() if authorization else "pending: no authorization"
        raise ConsentRefused("approved", what, f"{state}; its data is not {action}")
    if authorization.is_expired(now or utc_now()):
        raise ConsentRefused("not_expired", what, f"the approval expired on {display(authorization.effective_expires_at)}")
    granted = authorization.registration.downstream_entry(entry.name)
    if granted is None:
        raise ConsentRefused(
            "downstream", what, f"it is not in the approved registration, so its data is not {action} until an admin approves it"
        )
    if granted != entry:
        changed = [field for field in ("function", "inputs", "params", "partitions") if getattr(granted, field) != getattr(entry, field)]
        raise ConsentRefused(
            "downstream", what, f"it differs from the approved entry ({', '.join(changed)}); an admin must approve the change"
        )
