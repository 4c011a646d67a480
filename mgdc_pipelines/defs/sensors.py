"""The availability sensor: copy each (day, scope) partition once its data can be copied.

On every tick, for each :class:`~mgdc_pipelines.defs.availability.Lane` of the app:

1. the consent state decides: not in force (pending, denied, expired, suspended, tampered) →
   ``SkipReason`` saying why; otherwise the authorized scopes are synced into the dynamic
   ``scope`` dimension through ``SensorResult(dynamic_partitions_requests=...)``;
2. the days that became available since the cursor (closed + the lane's lag) × the authorized
   scopes are the *due* partitions — a scope seen for the first time starts ``lookback_days``
   back; older history is a backfill's job;
3. the due partitions some dataset lacks are requested, one run each, keyed by
   ``<lane>:<partition>`` so that a repeated request is a no-op.

The cursor remembers, per lane, the last day requested and the scopes it was requested for, so
a tick looks at new partitions only: its cost does not grow with the history.

>>> cursor = AvailabilityCursor.parse(None)
>>> cursor = cursor.advanced("demo_copy+0h", LaneProgress(dt.date(2026, 11, 26), frozenset({"sales"})))
>>> AvailabilityCursor.parse(cursor.to_json()) == cursor
True
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import dagster as dg

from mgdc_pipelines.consent.clock import utc_now
from mgdc_pipelines.defs.availability import (
    DuePartition,
    Lane,
    build_lanes,
    days,
    last_available_day,
    missing_run_requests,
)
from mgdc_pipelines.defs.names import availability_sensor_name
from mgdc_pipelines.defs.pools import ensure_pool_limit
from mgdc_pipelines.defs.scopes import ScopeAuthorization, plan_scope_sync, scope_authorization
from mgdc_pipelines.spec.model import AppSpec

# A lane far behind (the sensor was stopped, the app suspended) catches up this many days per tick.
MAX_DAYS_PER_TICK = 7
TENANT_WIDE = ""  # the one "scope" of lanes that are partitioned by date alone
TRIGGER_TAG = "mgdc/trigger"


@dataclass(frozen=True)
class LaneProgress:
    """Partitions through ``through`` are requested for each of ``scopes``."""

    through: dt.date
    scopes: frozenset[str]


@dataclass(frozen=True)
class AvailabilityCursor:
    lanes: dict[str, LaneProgress] = field(default_factory=dict)

    @classmethod
    def parse(cls, text: str | None) -> AvailabilityCursor:
        if not text:
            return cls()
        raw = json.loads(text)
        return cls({
            lane: LaneProgress(dt.date.fromisoformat(p["through"]), frozenset(p["scopes"]))
            for lane, p in raw.get("lanes", {}).items()
        })

    def to_json(self) -> str:
        lanes = {
            lane: {"through": p.through.isoformat(), "scopes": sorted(p.scopes)}
            for lane, p in sorted(self.lanes.items())
        }
        return json.dumps({"lanes": lanes}, separators=(",", ":"))

    def advanced(self, lane_id: str, progress: LaneProgress | None) -> AvailabilityCursor:
        if progress is None:
            return self
        return AvailabilityCursor({**self.lanes, lane_id: progress})


def due_partitions(
    app: AppSpec, lane: Lane, progress: LaneProgress | None, scopes: Sequence[str], now: dt.datetime
) -> tuple[list[DuePartition], LaneProgress | None]:
    """The partitions of ``lane`` that became due since ``progress``, and the progress after them."""
    last = last_available_day(now, lane.lag)
    start = app.partitions.start_date
    if last < start:
        return [], progress
    fresh = max(start, last - dt.timedelta(days=app.dagster.sensor.lookback_days - 1))
    if progress is not None and progress.through >= last:
        through = progress.through
    elif progress is not None:
        through = min(last, progress.through + dt.timedelta(days=MAX_DAYS_PER_TICK))
    else:
        through = last
    due = []
    for scope in scopes:
        known = progress is not None and scope in progress.scopes
        first = progress.through + dt.timedelta(days=1) if known else fresh
        due += [DuePartition(day, scope or None) for day in days(first, through)]
    due.sort(key=lambda p: (p.day, p.scope or ""))
    return due, LaneProgress(through, frozenset(scopes))


def evaluate_availability(
    instance: dg.DagsterInstance, cursor: str | None, app: AppSpec, lanes: Sequence[Lane], now: dt.datetime
) -> dg.SensorResult | dg.SkipReason:
    """One tick of the availability sensor (see the module docstring)."""
    authorization = scope_authorization(app, now=now, instance=instance)
    if not authorization.in_force:
        return dg.SkipReason(f"Not copying: {authorization.reason}")
    ensure_pool_limit(instance, app)
    sync = plan_scope_sync(instance, app, authorization)
    state = AvailabilityCursor.parse(cursor)
    requests: list[dg.RunRequest] = []
    for lane in lanes:
        scopes = authorization.scopes if lane.scoped else (TENANT_WIDE,)
        due, progress = due_partitions(app, lane, state.lanes.get(lane.id), scopes, now)
        state = state.advanced(lane.id, progress)
        requests += missing_run_requests(
            instance, lane, due, refused_datasets=authorization.refused_datasets,
            tags={TRIGGER_TAG: "availability_sensor"},
        )
    return dg.SensorResult(
        run_requests=requests,
        dynamic_partitions_requests=sync.requests(app),
        cursor=state.to_json(),
        skip_reason=None if requests else _nothing_due(authorization, lanes),
    )


def _nothing_due(authorization: ScopeAuthorization, lanes: Sequence[Lane]) -> dg.SkipReason:
    notes = []
    if authorization.refused_scopes:
        notes.append(f"scopes beyond the grant, never requested: {', '.join(authorization.refused_scopes)}")
    if authorization.refused_datasets:
        notes.append(f"datasets the grant refuses: {', '.join(sorted(authorization.refused_datasets))}")
    if any(lane.scoped for lane in lanes) and not authorization.scopes:
        notes.append("the grant covers none of the spec's scopes")
    return skip_reason("No newly available partition is missing", notes)


def skip_reason(message: str, notes: Sequence[str]) -> dg.SkipReason:
    """``message (note; note).``: what a tick did not do, and what it saw instead."""
    detail = f" ({'; '.join(notes)})" if notes else ""
    return dg.SkipReason(f"{message}{detail}.")


def availability_sensor(
    app: AppSpec,
    assets: Sequence[dg.AssetsDefinition],
    jobs: Sequence[dg.UnresolvedAssetJobDefinition],
    *,
    clock: Callable[[], dt.datetime] = utc_now,
) -> dg.SensorDefinition:
    """``<app>_availability``, on by default; ``clock`` is for tests that move time forward."""
    lanes = build_lanes(app, assets)

    @dg.sensor(
        name=availability_sensor_name(app),
        jobs=list(jobs),
        **sensor_settings(app),
        description=(
            f"Copies each (day, scope) partition of the {app.name} app once its day has closed plus "
            "the dataset's availability lag, for the scopes the admin's grant covers."
        ),
    )
    def _availability(context: dg.SensorEvaluationContext) -> dg.SensorResult | dg.SkipReason:
        return evaluate_availability(context.instance, context.cursor, app, lanes, clock())

    return _availability


def sensor_settings(app: AppSpec) -> dict:
    """The spec's ``dagster.sensor`` block as ``@dg.sensor`` arguments (every sensor of the app)."""
    settings = app.dagster.sensor
    running = settings.default_status == "running"
    return {
        "default_status": dg.DefaultSensorStatus.RUNNING if running else dg.DefaultSensorStatus.STOPPED,
        "minimum_interval_seconds": settings.minimum_interval_seconds,
    }
