"""Keep the app's dynamic scope partitions in step with the admin's grant.

A scope alias of the spec is *authorized* when the app's authorization is in force (approved,
or ``update_available`` — which keeps the old grant working) and the grant's scope covers the
alias's groups. Only authorized aliases are ever added as ``scope`` partitions; a scope the grant
stops covering is removed, so nothing requests it again. While the app is pending, denied,
expired or suspended nothing changes: the sensors skip with that reason instead.

>>> from mgdc_pipelines.spec import load_spec, DEMO_SPEC_PATH
>>> unapproved = load_spec(DEMO_SPEC_PATH).model_copy(update={"consent": None})
>>> authorization = scope_authorization(unapproved)
>>> authorization.in_force, authorization.scopes
(False, ())
>>> "the spec has no `consent:` block" in authorization.reason
True
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass

import dagster as dg

from mgdc_pipelines.consent.errors import ConsentError
from mgdc_pipelines.consent.status import REFUSED, ConsentState, consent_status
from mgdc_pipelines.defs.ledger_anchor import instance_anchor
from mgdc_pipelines.defs.partitions import scope_partitions, scope_partitions_name
from mgdc_pipelines.sources.base import Scope
from mgdc_pipelines.spec.model import AppSpec

_IN_FORCE = (ConsentState.APPROVED, ConsentState.UPDATE_AVAILABLE)


@dataclass(frozen=True)
class ScopeAuthorization:
    """What the app's consent allows sensors and schedules to request right now."""

    in_force: bool
    reason: str  # the consent state's explanation (why nothing runs, when not in force)
    scopes: tuple[str, ...] = ()  # spec aliases the grant covers, in spec order
    refused_scopes: tuple[str, ...] = ()  # spec aliases beyond the grant
    refused_datasets: frozenset[str] = frozenset()  # full names the grant refuses entirely
    deny_group_ids: tuple[str, ...] = ()  # the approval's deny list (its members are never read)


def scope_authorization(
    app: AppSpec, *, now: dt.datetime | None = None, instance: dg.DagsterInstance | None = None
) -> ScopeAuthorization:
    """The approved grant's scopes ∩ the spec's scopes, or why nothing is authorized.

    ``instance``: the Dagster instance holding the audit log's anchor (sensors and schedules
    pass theirs).
    """
    try:
        status = consent_status(app, now=now, anchor=instance_anchor(instance))
    except ConsentError as error:  # a tampered authorization, a broken audit log, an untrusted key
        return ScopeAuthorization(False, f"the app's consent files cannot be trusted: {error}")
    if status.state not in _IN_FORCE:
        return ScopeAuthorization(False, f"app {app.name} is {status.state.value}: {status.reason}")
    granted = status.authorization.registration.scope
    covered = [s.key for s in app.scopes if not granted.covers(Scope(s.key, s.group_ids))]
    return ScopeAuthorization(
        in_force=True,
        reason=status.reason,
        scopes=tuple(covered),
        refused_scopes=tuple(key for key in app.scope_keys if key not in covered),
        refused_datasets=frozenset(d.dataset for d in status.datasets if d.state == REFUSED),
        deny_group_ids=tuple(status.authorization.deny_group_ids),
    )


@dataclass(frozen=True)
class ScopeSync:
    """The scope partitions to add and remove so the instance holds exactly the authorized ones."""

    authorization: ScopeAuthorization
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()

    def requests(self, app: AppSpec) -> list[dg.AddDynamicPartitionsRequest | dg.DeleteDynamicPartitionsRequest]:
        """The same changes as ``SensorResult(dynamic_partitions_requests=...)``."""
        partitions = scope_partitions(app)
        return [
            *([partitions.build_add_request(list(self.added))] if self.added else []),
            *([partitions.build_delete_request(list(self.removed))] if self.removed else []),
        ]


def plan_scope_sync(
    instance: dg.DagsterInstance, app: AppSpec, authorization: ScopeAuthorization
) -> ScopeSync:
    """Compare the instance's scope keys with the authorized ones; changes nothing."""
    if not authorization.in_force:  # keep the keys: a suspension or an expiry is temporary
        return ScopeSync(authorization)
    existing = set(instance.get_dynamic_partitions(scope_partitions_name(app)))
    wanted = set(authorization.scopes)
    return ScopeSync(
        authorization,
        added=tuple(key for key in authorization.scopes if key not in existing),
        removed=tuple(sorted(existing - wanted)),
    )


def sync_scope_partitions(
    instance: dg.DagsterInstance, app: AppSpec, *, now: dt.datetime | None = None
) -> ScopeSync:
    """Add the authorized scope partitions and remove revoked ones, on ``instance`` directly.

    For code that is not a sensor: the demo runner, schedules, tests and benchmarks.
    """
    plan = plan_scope_sync(instance, app, scope_authorization(app, now=now, instance=instance))
    name = scope_partitions_name(app)
    if plan.added:
        instance.add_dynamic_partitions(name, list(plan.added))
    for key in plan.removed:
        instance.delete_dynamic_partition(name, key)
    return plan


def sync_scopes_at_load(app: AppSpec) -> ScopeSync | None:
    """Sync the authorized scopes into the instance of ``$DAGSTER_HOME`` as a code location loads.

    Called where a code location builds its definitions (``mgdc_pipelines/definitions.py``,
    ``MgdcApp.build_defs``), not by :func:`~mgdc_pipelines.defs.build_defs`, which stays free of
    side effects. So a fresh instance already accepts ``2026-11-26|all`` for
    ``dagster asset materialize`` and the UI's Materialize button before any sensor tick. Only
    what the grant covers is added, as on a tick. Without ``DAGSTER_HOME`` there is no instance
    to sync (``None``). A failure is logged, never fatal: the code location still loads and the
    availability sensor syncs on its next tick.

    >>> import tempfile
    >>> from unittest import mock
    >>> from mgdc_pipelines.spec import load_spec, DEMO_SPEC_PATH
    >>> unapproved = load_spec(DEMO_SPEC_PATH).model_copy(update={"consent": None})
    >>> with tempfile.TemporaryDirectory() as home, mock.patch.dict(os.environ, {"DAGSTER_HOME": home}):
    ...     sync = sync_scopes_at_load(unapproved)
    >>> sync.authorization.in_force, sync.added  # nothing is granted: no scope is added
    (False, ())
    """
    if not os.environ.get("DAGSTER_HOME"):
        return None
    try:
        with dg.DagsterInstance.get() as instance:
            return sync_scope_partitions(instance, app)
    except Exception as error:  # e.g. an instance being migrated; the app's data are not touched
        dg.get_dagster_logger().warning(
            f"Could not sync the {app.name} app's scope partitions while loading: {type(error).__name__}: {error}. "
            "Its availability sensor syncs them on its next tick."
        )
        return None
