"""Run one ADF pipeline to its end: start it, poll it with backoff, report or explain its outcome.

:func:`run_pipeline` never leaves a run behind: when polling times out, or anything at all
interrupts the wait (a Dagster run being terminated raises inside ``sleep``), the ADF run is
cancelled (best effort, a few attempts) before the exception goes on. A Failed or Cancelled run
raises :class:`MgdcRunFailed` with ADF's own words and what to do about them.

>>> print(failure_message("mgdc_demo_Message_v1", "run-1", "Failed", "Operation on target Copy failed",
...     ActivityError("UserErrorOffice365DataLoaderError", "The app is pending approval.")))
ADF pipeline mgdc_demo_Message_v1 run run-1 Failed: Operation on target Copy failed
Activity error UserErrorOffice365DataLoaderError: The app is pending approval.
What to do: An admin must approve the app in the Microsoft 365 admin center: Settings → Org settings → Security & privacy → Microsoft Graph Data Connect applications (a global administrator who is not the app's owner). Approval covers the whole app and lasts 180 days.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from mgdc_pipelines.sources.mgdc.factory import ActivityError, ActivityRun, FactoryClient, PipelineRun
from mgdc_pipelines.sources.mgdc.hints import what_to_do
from mgdc_pipelines.sources.mgdc.settings import PollPolicy

log = logging.getLogger("mgdc_pipelines.sources.mgdc")

CANCEL_ATTEMPTS = 3  # a cancel while stopping must not hold the stop up for long
CANCELLED_ADVICE = "The run was cancelled in the factory (not by this run); run the partition again."


class MgdcRunFailed(RuntimeError):
    """An ADF pipeline run ended Failed or Cancelled (or was cancelled after a timeout)."""

    def __init__(self, message: str, *, pipeline: str, run_id: str, status: str,
                 error: ActivityError | None = None) -> None:
        super().__init__(message)
        self.pipeline, self.run_id, self.status, self.error = pipeline, run_id, status, error


class MgdcRunTimedOut(MgdcRunFailed):
    """The run did not end within the poll policy's timeout; it was cancelled."""


@dataclass(frozen=True)
class PipelineRunResult:
    """A succeeded run: its Copy activity's counts (``rows_copied`` is what MGDC bills)."""

    run_id: str
    status: str
    duration_s: float
    rows_read: int
    rows_copied: int
    files_written: int
    activity: ActivityRun | None


def run_pipeline(
    client: FactoryClient,
    pipeline: str,
    parameters: Mapping[str, Any],
    poll: PollPolicy,
    *,
    on_update: Callable[[PipelineRun], object] | None = None,
    sleep: Callable[[float], object] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> PipelineRunResult:
    """Start ``pipeline`` with ``parameters`` and wait for its end; ``on_update`` sees every poll."""
    run_id = client.create_run(pipeline, parameters)
    log.info("started ADF pipeline %s: run %s", pipeline, run_id)
    started = clock()
    try:
        run = _wait(client, run_id, poll, on_update, sleep, lambda: clock() - started)
    except BaseException:
        _cancel(client, run_id)
        raise
    if run is None:
        _cancel(client, run_id)
        raise MgdcRunTimedOut(
            f"ADF pipeline {pipeline} run {run_id} did not end within {poll.timeout_s:g} s; cancelled it.\n"
            "What to do: MGDC runs take at least about 45 minutes, more for large tenants: raise the "
            "poll timeout, or copy a shorter date range per run.",
            pipeline=pipeline, run_id=run_id, status="TimedOut",
        )
    activities = _activities(client, run)
    if not run.succeeded:
        raise _failure(pipeline, run, activities)
    copy = next((a for a in activities if a.type == "Copy"), activities[0] if activities else None)
    return PipelineRunResult(
        run_id=run_id, status=run.status,
        duration_s=run.duration_s if run.duration_s is not None else clock() - started,
        rows_read=copy.rows_read if copy else 0, rows_copied=copy.rows_copied if copy else 0,
        files_written=copy.files_written if copy else 0, activity=copy,
    )


def _wait(
    client: FactoryClient, run_id: str, poll: PollPolicy, on_update: Callable[[PipelineRun], object] | None,
    sleep: Callable[[float], object], elapsed: Callable[[], float],
) -> PipelineRun | None:
    """The run once terminal; None when the timeout passed first."""
    polls = 0
    while True:
        run = client.get_run(run_id)
        if on_update is not None:
            on_update(run)
        if run.terminal:
            return run
        remaining = poll.timeout_s - elapsed()
        if remaining <= 0:
            return None
        sleep(min(poll.interval(polls), remaining))
        polls += 1


def _cancel(client: FactoryClient, run_id: str) -> None:
    """Cancel the run; a failure to do so is logged, never raised over the real reason."""
    try:
        client.cancel_run(run_id, attempts=CANCEL_ATTEMPTS)
        log.warning("cancelled ADF pipeline run %s", run_id)
    except Exception as error:  # noqa: BLE001 - best effort: the original exception matters more
        log.error("could not cancel ADF pipeline run %s (cancel it in the factory): %s", run_id, error)


def _activities(client: FactoryClient, run: PipelineRun) -> list[ActivityRun]:
    try:
        return client.activity_runs(run.run_id, since=run.started_at)
    except Exception as error:  # noqa: BLE001 - the run's own status still says what happened
        if run.succeeded:
            raise
        log.error("could not read the activities of failed ADF run %s: %s", run.run_id, error)
        return []


def _failure(pipeline: str, run: PipelineRun, activities: list[ActivityRun]) -> MgdcRunFailed:
    error = next((a.error for a in activities if a.error is not None), None)
    message = failure_message(pipeline, run.run_id, run.status, run.message, error)
    return MgdcRunFailed(message, pipeline=pipeline, run_id=run.run_id, status=run.status, error=error)


def failure_message(
    pipeline: str, run_id: str, status: str, run_message: str, error: ActivityError | None
) -> str:
    """ADF's run message and the activity's error code and message verbatim, then what to do."""
    lines = [f"ADF pipeline {pipeline} run {run_id} {status}: {run_message or '(no message)'}"]
    if error is not None:
        lines.append(f"Activity error {error.error_code}: {error.message}")
    if status == "Cancelled" and error is None:
        advice = CANCELLED_ADVICE
    else:
        advice = what_to_do(error.error_code if error else "", error.message if error else run_message)
    lines.append(f"What to do: {advice}")
    return "\n".join(lines)
