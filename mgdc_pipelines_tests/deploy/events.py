"""What the deployment's event log says happened: materializations, step overlaps, checks, run workers.

Read from the instance's (PostgreSQL) event log the way the UI reads it, after the fact: no hook
into the runs themselves.

>>> max_overlap([StepInterval("a", "s", 0.0, 2.0), StepInterval("b", "s", 1.0, 3.0), StepInterval("c", "s", 2.0, 4.0)])
2
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import dagster as dg

_FINISHED_STEP = {dg.DagsterEventType.STEP_SUCCESS, dg.DagsterEventType.STEP_FAILURE}
_WORKER_STARTED = re.compile(r"Started process for run \(pid: (\d+)\)")


def materializations_per_partition(instance: dg.DagsterInstance, asset_key: dg.AssetKey) -> Counter[str]:
    """How many ASSET_MATERIALIZATION events each partition of ``asset_key`` has, ever."""
    records = instance.fetch_materializations(asset_key, limit=10_000).records
    return Counter(record.partition_key for record in records)


@dataclass(frozen=True)
class StepInterval:
    run_id: str
    step_key: str
    start: float
    end: float  # STEP_SUCCESS or STEP_FAILURE


def step_intervals(instance: dg.DagsterInstance, run_ids: Iterable[str]) -> list[StepInterval]:
    """Every finished step of the runs, from its STEP_START to its STEP_SUCCESS / STEP_FAILURE."""
    intervals = []
    for run_id in run_ids:
        started: dict[str, float] = {}
        for entry in instance.all_logs(run_id, of_type={dg.DagsterEventType.STEP_START, *_FINISHED_STEP}):
            if entry.dagster_event.event_type is dg.DagsterEventType.STEP_START:
                started[entry.step_key] = entry.timestamp
            elif entry.step_key in started:
                intervals.append(StepInterval(run_id, entry.step_key, started.pop(entry.step_key), entry.timestamp))
    return intervals


def running_steps(instance: dg.DagsterInstance, run_id: str) -> list[str]:
    """The steps of the run that started and did not finish (so far as the event log knows)."""
    running: list[str] = []
    for entry in instance.all_logs(run_id, of_type={dg.DagsterEventType.STEP_START, *_FINISHED_STEP}):
        if entry.dagster_event.event_type is dg.DagsterEventType.STEP_START:
            running.append(entry.step_key)
        elif entry.step_key in running:
            running.remove(entry.step_key)
    return running


def max_overlap(intervals: Sequence[StepInterval]) -> int:
    """The largest number of intervals open at one instant (an end frees its place before a start at the
    same instant takes it: that is how a pool slot is handed over)."""
    edges = sorted([(i.start, 1) for i in intervals] + [(i.end, -1) for i in intervals])
    open_now = peak = 0
    for _, change in edges:
        open_now += change
        peak = max(peak, open_now)
    return peak


def check_evaluations(instance: dg.DagsterInstance, run_ids: Iterable[str]) -> list[tuple[str, str, bool]]:
    """(asset, check name, passed) of every asset check evaluated in the runs."""
    evaluations = []
    for run_id in run_ids:
        for entry in instance.all_logs(run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION):
            evaluation = entry.dagster_event.event_specific_data
            evaluations.append((evaluation.asset_key.to_user_string(), evaluation.check_name, evaluation.passed))
    return evaluations


def run_worker_pid(instance: dg.DagsterInstance, run_id: str) -> int | None:
    """The run worker's process id, from the engine event the code server writes when it starts it."""
    for entry in instance.all_logs(run_id, of_type=dg.DagsterEventType.ENGINE_EVENT):
        found = _WORKER_STARTED.search(entry.message or "")
        if found:
            return int(found.group(1))
    return None


def run_messages(instance: dg.DagsterInstance, run_id: str) -> str:
    """Every message and error text of the run's log, one per line (what the UI's run page shows)."""
    lines = []
    for entry in instance.all_logs(run_id):
        lines.append(entry.message or "")
        error = getattr(entry.dagster_event.event_specific_data, "error", None) if entry.dagster_event else None
        if error is not None:
            lines.append(error.to_string())
    return "\n".join(lines)
