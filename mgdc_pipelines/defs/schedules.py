"""Daily schedules: the cron-driven alternative to the availability sensor.

One schedule per copy job (``<app>_daily``, ``<app>_sharepoint_daily``), declared in the spec's
``dagster.schedule`` (cron, timezone, default status — stopped, since the sensor is on by
default; run one of the two). Each tick requests the latest *available* day (closed + the
dataset's lag, so SharePoint's is two days back) for every authorized scope, skipping
partitions already copied. A suspended or unauthorized app gets a ``SkipReason`` and no run.

>>> from mgdc_pipelines.spec import load_spec, DEMO_SPEC_PATH
>>> from mgdc_pipelines.defs.build import build_defs
>>> sorted(s.name for s in build_defs(load_spec(DEMO_SPEC_PATH)).schedules)
['demo_daily', 'demo_delta_maintenance_schedule', 'demo_sharepoint_daily']
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

import dagster as dg

from mgdc_pipelines.consent.clock import as_utc, utc_now
from mgdc_pipelines.defs.availability import DuePartition, Lane, build_lanes, last_available_day, missing_run_requests
from mgdc_pipelines.defs.names import daily_schedule_name
from mgdc_pipelines.defs.pools import ensure_pool_limit
from mgdc_pipelines.defs.scopes import sync_scope_partitions
from mgdc_pipelines.defs.sensors import TENANT_WIDE, TRIGGER_TAG
from mgdc_pipelines.spec.model import AppSpec, ScheduleSpec


def evaluate_daily(
    instance: dg.DagsterInstance, app: AppSpec, lanes: Sequence[Lane], tick_time: dt.datetime
) -> list[dg.RunRequest] | dg.SkipReason:
    """The run requests of one tick at ``tick_time`` for the lanes of one job."""
    sync = sync_scope_partitions(instance, app, now=tick_time)  # schedules cannot return requests
    authorization = sync.authorization
    if not authorization.in_force:
        return dg.SkipReason(f"Not copying: {authorization.reason}")
    ensure_pool_limit(instance, app)
    requests: list[dg.RunRequest] = []
    for lane in lanes:
        day = last_available_day(tick_time, lane.lag)
        if day < app.partitions.start_date:
            continue
        scopes = authorization.scopes if lane.scoped else (TENANT_WIDE,)
        due = [DuePartition(day, scope or None) for scope in scopes]
        requests += missing_run_requests(
            instance, lane, due, refused_datasets=authorization.refused_datasets,
            tags={TRIGGER_TAG: "daily_schedule"},
        )
    if not requests:
        return dg.SkipReason("The latest available day is already copied for every authorized scope.")
    return requests


def daily_schedules(
    app: AppSpec,
    assets: Sequence[dg.AssetsDefinition],
    jobs: Sequence[dg.UnresolvedAssetJobDefinition],
    *,
    clock: Callable[[], dt.datetime] = utc_now,
) -> list[dg.ScheduleDefinition]:
    lanes = build_lanes(app, assets)
    return [_daily_schedule(app, job, [lane for lane in lanes if lane.job_name == job.name], clock) for job in jobs]


def _daily_schedule(
    app: AppSpec, job: dg.UnresolvedAssetJobDefinition, lanes: list[Lane], clock: Callable[[], dt.datetime]
) -> dg.ScheduleDefinition:
    settings = app.dagster.schedule

    @dg.schedule(
        name=daily_schedule_name(job.name),
        job=job,
        cron_schedule=settings.cron,
        execution_timezone=settings.timezone,
        default_status=default_schedule_status(settings),
        description=f"Daily copy of the latest available day of {job.name}, for every authorized scope.",
    )
    def _daily(context: dg.ScheduleEvaluationContext) -> list[dg.RunRequest] | dg.SkipReason:
        tick_time = context.scheduled_execution_time or clock()
        return evaluate_daily(context.instance, app, lanes, as_utc(tick_time, "scheduled time"))

    return _daily


def default_schedule_status(settings: ScheduleSpec) -> dg.DefaultScheduleStatus:
    """The spec's ``default_status`` (``running`` or ``stopped``) as Dagster's enum."""
    return dg.DefaultScheduleStatus.RUNNING if settings.default_status == "running" else dg.DefaultScheduleStatus.STOPPED
