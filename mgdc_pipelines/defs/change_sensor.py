"""The change sensor: re-copy exactly the already-copied partitions a Graph delta says changed.

Only for apps on the Graph source, and only for datasets with a Graph delta query (users,
groups, mail). Each tick asks :meth:`GraphSource.changes` for every (dataset, authorized scope):
the source keeps the delta link per (dataset, scope) in its ``state_dir``, so the delta links are
this sensor's cursor. The first call per (dataset, scope) only records a baseline. After that,
the partitions the changes fall into that are *already materialized* are requested again — one
run per partition key, for the datasets that changed in it; partitions not copied yet are the
availability sensor's job. Graph reports deletions without a date: the source places them by
the day it last saw each id (its index per dataset and scope). What still cannot be placed (a
deletion older than the baseline, or a dataset whose date column the app may not read) is
counted in the tick's message with the reason, never silently ignored.

>>> from mgdc_pipelines.spec import load_spec, DEMO_SPEC_PATH
>>> from mgdc_pipelines.defs import build_mgdc_assets, copy_jobs
>>> app = load_spec(DEMO_SPEC_PATH)  # the synthetic source has no delta: no change sensor
>>> assets = build_mgdc_assets(app)
>>> change_sensors(app, assets, copy_jobs(app, assets))
[]
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import dagster as dg

from mgdc_pipelines.consent.clock import utc_now
from mgdc_pipelines.defs.availability import Lane, LaneDataset, build_lanes, materialized_among, run_request
from mgdc_pipelines.defs.names import change_sensor_name, resource_keys
from mgdc_pipelines.defs.partitions import scoped_key
from mgdc_pipelines.defs.scopes import scope_authorization
from mgdc_pipelines.defs.sensors import TRIGGER_TAG, sensor_settings, skip_reason
from mgdc_pipelines.sources.base import Scope
from mgdc_pipelines.spec.model import AppSpec, GraphSourceSpec


def changeable_datasets() -> frozenset[str]:
    """Short names of the datasets the Graph source has a delta query for."""
    from mgdc_pipelines.sources.graph.delta import DIRECTORY_DELTAS, MESSAGE_DATASETS

    return frozenset((*DIRECTORY_DELTAS, *MESSAGE_DATASETS))


@dataclass
class _Tally:
    """What one tick saw: re-copies by (lane, key), baselines and changes without a date."""

    recopy: dict[tuple[Lane, str], dict[LaneDataset, set[str]]] = field(default_factory=dict)
    baselines: int = 0
    changed_not_copied: int = 0
    undated: int = 0
    undated_reasons: dict[str, None] = field(default_factory=dict)

    def add(self, lane: Lane, key: str, entry: LaneDataset, ids: Sequence[str]) -> None:
        self.recopy.setdefault((lane, key), {}).setdefault(entry, set()).update(ids)


def evaluate_changes(
    instance: dg.DagsterInstance, app: AppSpec, lanes: Sequence[Lane], source, now: dt.datetime
) -> dg.SensorResult | dg.SkipReason:
    """One tick: read the deltas, request the materialized partitions they touch."""
    authorization = scope_authorization(app, now=now, instance=instance)
    if not authorization.in_force:
        return dg.SkipReason(f"Not reading changes: {authorization.reason}")
    tally = _Tally()
    unread = _deny_listed(source, authorization.deny_group_ids)
    for lane in (lane for lane in lanes if lane.scoped):
        for entry in _changeable(lane, authorization.refused_datasets):
            for scope_key in authorization.scopes:
                _read_changes(instance, app, lane, entry, scope_key, source, now, tally, unread)
    requests = [_recopy_request(lane, key, entries) for (lane, key), entries in sorted(
        tally.recopy.items(), key=lambda item: (item[0][0].id, item[0][1]))]
    return dg.SensorResult(run_requests=requests, skip_reason=None if requests else _nothing(tally))


def _changeable(lane: Lane, refused_datasets: frozenset[str] = frozenset()) -> list[LaneDataset]:
    supported = changeable_datasets()
    return [
        entry for entry in lane.datasets
        if entry.dataset.split(".")[-1] in supported and entry.dataset not in refused_datasets
    ]


def _deny_listed(source, deny_group_ids: Sequence[str]) -> frozenset[str]:
    """The deny list's members (lower-case ids), looked up once a tick: their mailboxes' changes
    are not read, as the copy does not read the mailboxes (every row they own is scrubbed)."""
    if not deny_group_ids:
        return frozenset()
    return frozenset(user_id.lower() for user_id in source.member_ids(list(deny_group_ids)))


def _read_changes(
    instance, app: AppSpec, lane: Lane, entry: LaneDataset, scope_key: str, source, now, tally: _Tally,
    unread: frozenset[str],
) -> None:
    declared = app.scope(scope_key)
    item = app.dataset(entry.dataset)
    owned = item.dataset.scope_column == "puser"
    changes = source.changes(entry.dataset, Scope(declared.key, declared.group_ids), now=now,
                             date_column=item.date_filter_column, columns=item.selected_columns,
                             unread_owners=unread if owned else frozenset())
    if changes.initial:  # the first delta lists everything: a baseline, not a change
        tally.baselines += 1
        return
    if changes.undated_ids:
        tally.undated += len(changes.undated_ids)
        tally.undated_reasons[changes.undated_reason] = None
    keys = [scoped_key(day, scope_key) for day in changes.partition_dates]
    copied = materialized_among(instance, entry.asset_key, keys)
    tally.changed_not_copied += len(keys) - len(copied)
    for key in keys:
        if key in copied:
            tally.add(lane, key, entry, (*changes.changed_ids, *changes.removed_ids))


def _recopy_request(lane: Lane, key: str, entries: dict[LaneDataset, set[str]]) -> dg.RunRequest:
    # The run key names the change itself: the same changes never launch two re-copies.
    digest = hashlib.sha256("\n".join(sorted(i for ids in entries.values() for i in ids)).encode()).hexdigest()[:16]
    ordered = sorted(entries, key=lambda e: e.dataset)
    return run_request(lane, key, ordered, {TRIGGER_TAG: "change_sensor"}, run_key=f"changes:{lane.id}:{key}:{digest}")


def _nothing(tally: _Tally) -> dg.SkipReason:
    notes = [f"{tally.baselines} delta baselines recorded"] if tally.baselines else []
    if tally.changed_not_copied:
        notes.append(f"{tally.changed_not_copied} changed partitions not copied yet (the availability sensor's)")
    if tally.undated:
        reasons = "; ".join(reason for reason in tally.undated_reasons if reason)
        notes.append(f"{tally.undated} changes without a date, not placed in any partition ({reasons})")
    return skip_reason("No change touches a copied partition", notes)


def change_sensors(
    app: AppSpec,
    assets: Sequence[dg.AssetsDefinition],
    jobs: Sequence[dg.UnresolvedAssetJobDefinition],
    *,
    clock: Callable[[], dt.datetime] = utc_now,
) -> list[dg.SensorDefinition]:
    """``[<app>_changes]`` for an app on the Graph source with a changeable dataset, else ``[]``."""
    if not isinstance(app.source, GraphSourceSpec):
        return []
    lanes = build_lanes(app, assets)
    if not any(_changeable(lane) for lane in lanes if lane.scoped):
        return []

    source_key = resource_keys(app).source

    @dg.sensor(
        name=change_sensor_name(app),
        jobs=list(jobs),
        **sensor_settings(app),
        required_resource_keys={source_key},
        description=f"Re-copies the {app.name} app's copied partitions that a Graph delta reports as changed.",
    )
    def _changes(context: dg.SensorEvaluationContext) -> dg.SensorResult | dg.SkipReason:
        source = getattr(context.resources, source_key).get_source()
        return evaluate_changes(context.instance, app, lanes, source, clock())

    return [_changes]
