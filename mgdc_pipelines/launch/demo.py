"""``mgdc-pipelines demo``: copy an app's last complete week and build it, the Dagster way.

The copies are range runs (one per scope, cut as a backfill would cut them) and the week is a run
of the app's weekly downstream job, all launched through a local ``dagster-webserver`` and
executed by a ``dagster-daemon`` against the code location the workspace loads. So ``make ui``
afterwards lists them under their jobs and on the Overview timeline, like runs launched from the
UI. Progress is printed as the runs go.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg

from mgdc_pipelines.defs.names import downstream_job_name
from mgdc_pipelines.defs.pools import ensure_pool_limit
from mgdc_pipelines.defs.partitions import partition_tags
from mgdc_pipelines.launch.local_dagster import LocalDagster
from mgdc_pipelines.launch.submit import RunState, follow_runs, launch_run
from mgdc_pipelines.runner import (
    DatasetSummary,
    DownstreamOutcome,
    add_to_summary,
    authorized_scopes,
    closed_days,
    headline,
    planned_runs,
)
from mgdc_pipelines.spec.model import AppSpec

# The code location `make ui` loads (workspace.yaml at the repository's root says the same): the
# demo's runs must carry this location's name for the UI to list them under their jobs.
LOCATION_NAME = "mgdc_pipelines"
WORKSPACE_YAML = f"""load_from:
  - python_module:
      module_name: mgdc_pipelines.definitions
      location_name: {LOCATION_NAME}
"""
PROGRESS_EVERY_SECONDS = 10.0
# Steps of one run share its process: a process per step would import the code location again
# for each of the app's datasets, which costs more than it parallelizes on a laptop.
IN_PROCESS = {"execution": {"config": {"in_process": {}}}}
DEMO_TAGS = {"mgdc/launched_by": "mgdc-pipelines demo"}


@dataclass(frozen=True)
class DemoPlan:
    """What the demo launches: range runs (job, first key, last key), then the week to build."""

    first: dt.date
    last: dt.date
    copies: list[tuple[str, str, str]]
    week: str | None

    def describe(self) -> str:
        days = (self.last - self.first).days + 1
        text = f"{len(self.copies)} range runs over {self.first} .. {self.last} ({days} days)"
        return text + (f", then the downstream week of {self.week}" if self.week else "")


DEFAULT_DAYS = 7


def plan_demo(app: AppSpec, scopes: tuple[str, ...], days: int | None, today: dt.date | None = None) -> DemoPlan:
    """One run per scope covering every day, as a backfill would cut it, and one for the
    tenant-wide datasets, over: the last complete Sunday-to-Saturday week when the app has weekly
    downstream assets (``days`` given: the last ``days`` closed days, stretched back to that
    week's start), else the last ``days`` (default 7) closed days."""
    week = last_complete_week(today) if any(e.partitions == "weekly" for e in app.downstream) else None
    if week is not None and days is None:
        first = dt.date.fromisoformat(week)
        last = first + dt.timedelta(days=6)
    else:
        first, last = closed_days(days or DEFAULT_DAYS, today)
        if week is not None:
            first = min(first, dt.date.fromisoformat(week))
    if first < app.partitions.start_date:
        raise ValueError(
            f"the demo's days start on {first}, before partitions.start_date {app.partitions.start_date} of "
            f"app {app.name}; lower --days or move the start date"
        )
    return DemoPlan(first, last, list(planned_runs(app, scopes, first, last)), week)


def last_complete_week(today: dt.date | None = None) -> str:
    """The key of the last Sunday-to-Saturday UTC week that has ended (the app's weekly partitions)."""
    today = today or dt.datetime.now(dt.timezone.utc).date()
    this_sunday = today - dt.timedelta(days=(today.weekday() + 1) % 7)
    return (this_sunday - dt.timedelta(days=7)).isoformat()


@dataclass
class DemoOutcome:
    """The demo's runs (copies, then the downstream week) and the datasets they materialized."""

    runs: list[RunState] = field(default_factory=list)
    summaries: dict[dg.AssetKey, DatasetSummary] = field(default_factory=dict)
    week: DownstreamOutcome | None = None

    @property
    def success(self) -> bool:
        return bool(self.runs) and all(run.success for run in self.runs)


def run_demo(
    app: AppSpec, spec_path: Path, days: int | None, dagster_home: Path, out: Callable[[str], None] = print
) -> DemoOutcome:
    """Launch the demo's copy runs, then its week run, on a local webserver + daemon and follow them."""
    with dg.DagsterInstance.get() as instance:
        plan = plan_demo(app, authorized_scopes(instance, app), days)
        ensure_pool_limit(instance, app)
    workspace = dagster_home / "workspace.yaml"
    workspace.write_text(WORKSPACE_YAML)
    outcome = DemoOutcome()
    progress = ProgressPrinter(out)
    dagster = LocalDagster(workspace, dagster_home, env={"MGDC_SPEC": str(spec_path.absolute())})
    out(f"Starting dagster-webserver and dagster-daemon (logs in {dagster.log_dir}) ...")
    started = time.monotonic()
    with dagster:
        out(f"Code location {dagster.location[0]!r} loaded in {time.monotonic() - started:.0f} s. "
            f"Launching {plan.describe()}:")
        dagster.start_daemon()  # it launches the queued runs
        copies = [launch_run(dagster, job, {**DEMO_TAGS, **partition_tags(start, end)}, IN_PROCESS)
                  for job, start, end in plan.copies]
        outcome.runs += follow_runs(dagster, copies, progress)
        if plan.week and outcome.success:
            out(f"Building the downstream assets for the week of {plan.week}:")
            week = launch_run(dagster, downstream_job_name(app), {**DEMO_TAGS, **partition_tags(plan.week)}, IN_PROCESS)
            outcome.runs += follow_runs(dagster, [week], progress)
    with dg.DagsterInstance.get() as instance:
        for run in outcome.runs:
            materialized = instance.all_logs(run.run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION)
            if run.job_name == downstream_job_name(app):
                outcome.week = _week_outcome(instance, run, plan.week, materialized)
            else:
                for record in materialized:
                    add_to_summary(outcome.summaries, record.asset_materialization)
    return outcome


def _week_outcome(instance: dg.DagsterInstance, run: RunState, week: str, materialized) -> DownstreamOutcome:
    """What the week's run built (rows, model metrics) and how each of its checks ended."""
    built = {record.asset_materialization.asset_key.to_user_string(): headline(record.asset_materialization.metadata)
             for record in materialized}
    evaluations = instance.all_logs(run.run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION)
    checks = {e.dagster_event.event_specific_data.check_name: e.dagster_event.event_specific_data.passed
              for e in evaluations}
    return DownstreamOutcome(week, run.run_id, run.success, built, checks)


class ProgressPrinter:
    """A line when a run's status changes, and its partition count every few seconds while it runs."""

    def __init__(self, out: Callable[[str], None]):
        self.out = out
        self._printed: dict[str, tuple[str, float]] = {}  # run id → (status, when) of its last line

    def __call__(self, run: RunState) -> None:
        now = time.monotonic()
        status, when = self._printed.get(run.run_id, ("", 0.0))
        if run.status == status and (run.status != "STARTED" or now - when < PROGRESS_EVERY_SECONDS):
            return
        self._printed[run.run_id] = (run.status, now)
        label = {"SUCCESS": "ok", "FAILURE": "FAILED", "CANCELED": "CANCELED"}.get(run.status, run.status.lower())
        elapsed = f" in {run.seconds:.0f} s" if run.finished and run.seconds is not None else ""
        self.out(f"  {label:<9} {run.job_name} {run.partitions}: {run.materializations} partitions "
                 f"materialized{elapsed} (run {run.run_id[:8]})")
