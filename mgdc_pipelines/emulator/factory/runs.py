"""Pipeline runs: Queued → InProgress → Succeeded / Failed / Cancelled, one thread per run.

Durations are the config's (scaled down for tests). :meth:`RunEngine.hold` keeps runs
InProgress until :meth:`RunEngine.release`; a cancel moves a run to Canceling, and its thread
moves it to Cancelled at once (or after the batch being written). The work of a run (the MGDC
rules and the delivery) is the ``execute`` callable's; the engine only keeps the state.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from mgdc_pipelines.emulator.factory.deliveries import DeliveryCancelled, DeliveryOutput
from mgdc_pipelines.emulator.factory.plans import RunFailure

TERMINAL = frozenset({"Succeeded", "Failed", "Cancelled"})
# (pipeline, parameters, "cancel asked?") → (folder, output); raises RunFailure / DeliveryCancelled.
Execute = Callable[[str, Mapping[str, Any], Callable[[], bool]], tuple[str, DeliveryOutput]]
_JOIN_TIMEOUT_S = 5.0


@dataclass(frozen=True)
class RunRecord:
    """One run as a test sees it: ``rows``/``folder`` once it delivered, ``error_code`` once it failed."""

    run_id: str
    pipeline: str
    parameters: Mapping[str, Any]
    status: str
    message: str = ""
    rows: int | None = None
    folder: str | None = None
    error_code: str | None = None
    error_message: str = ""
    activity_name: str | None = None
    activity_status: str | None = None
    output: Mapping[str, Any] | None = None
    run_start: dt.datetime | None = None
    run_end: dt.datetime | None = None
    activity_start: dt.datetime | None = None
    last_updated: dt.datetime = field(default_factory=lambda: _now())
    cancel_requested: bool = False
    injected: RunFailure | None = None


class RunEngine:
    """The factory's runs (thread-safe)."""

    def __init__(self, execute: Execute, queued_seconds: float, in_progress_seconds: float) -> None:
        self._execute = execute
        self.queued_seconds, self.in_progress_seconds = queued_seconds, in_progress_seconds
        self._changed = threading.Condition()
        self._runs: dict[str, RunRecord] = {}
        self._threads: list[threading.Thread] = []
        self._held = self._stopping = False
        self._next_failures: deque[RunFailure] = deque()

    # --- controls -------------------------------------------------------------------------

    def create(self, pipeline: str, parameters: Mapping[str, Any], activity_name: str) -> str:
        run_id = str(uuid.uuid4())
        with self._changed:
            injected = self._next_failures.popleft() if self._next_failures else None
            self._runs[run_id] = RunRecord(run_id, pipeline, dict(parameters), "Queued", injected=injected,
                                           activity_name=activity_name)
            thread = threading.Thread(target=self._drive, args=(run_id,), name=f"factory-run-{run_id[:8]}",
                                      daemon=True)
            self._threads.append(thread)
        thread.start()
        return run_id

    def cancel(self, run_id: str) -> None:
        with self._changed:
            run = self._runs[run_id]
            if run.status not in TERMINAL:
                self._update(run_id, status="Canceling", cancel_requested=True)

    def fail_next_run(self, error_code: str, message: str) -> None:
        with self._changed:
            self._next_failures.append(RunFailure(error_code, message))

    def hold(self) -> None:
        with self._changed:
            self._held = True

    def release(self) -> None:
        with self._changed:
            self._held = False
            self._changed.notify_all()

    def stop(self) -> None:
        with self._changed:
            self._stopping = True
            self._changed.notify_all()
            threads, self._threads = self._threads, []
        for thread in threads:
            thread.join(_JOIN_TIMEOUT_S)

    def record(self, run_id: str) -> RunRecord:
        """The run (KeyError: unknown id)."""
        with self._changed:
            return self._runs[run_id]

    def records(self) -> list[RunRecord]:
        with self._changed:
            return list(self._runs.values())

    def wait(self, run_id: str, timeout: float) -> RunRecord:
        """The run once it is terminal (or as it is when ``timeout`` passes)."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while self._runs[run_id].status not in TERMINAL and time.monotonic() < deadline:
                self._changed.wait(deadline - time.monotonic())
            return self._runs[run_id]

    # --- the run's thread -----------------------------------------------------------------

    def _drive(self, run_id: str) -> None:
        if not self._pause(run_id, self.queued_seconds, hold=False):
            return self._cancelled(run_id)
        with self._changed:
            now = _now()
            self._update(run_id, status="InProgress", run_start=now, activity_start=now, activity_status="InProgress")
        if not self._pause(run_id, self.in_progress_seconds, hold=True):
            return self._cancelled(run_id)
        with self._changed:
            run = self._runs[run_id]
        try:
            if run.injected is not None:
                raise run.injected
            folder, output = self._execute(run.pipeline, run.parameters, lambda: self._cancel_asked(run_id))
        except DeliveryCancelled:
            return self._cancelled(run_id)
        except RunFailure as failure:
            return self._failed(run_id, failure)
        except Exception as error:  # noqa: BLE001  (an emulator bug must still end the run)
            return self._failed(run_id, RunFailure("SystemErrorOffice365DataLoaderError",
                                                   f"The copy failed in the emulator: {type(error).__name__}: {error}"))
        with self._changed:
            self._update(run_id, status="Succeeded", activity_status="Succeeded",
                         rows=output.rows, folder=folder, output=output.activity_output(), run_end=_now())

    def _pause(self, run_id: str, seconds: float, hold: bool) -> bool:
        """Wait ``seconds`` (and while runs are held); False when the run is to be cancelled."""
        deadline = time.monotonic() + seconds
        with self._changed:
            while not self._stopping and not self._runs[run_id].cancel_requested:
                left = deadline - time.monotonic()
                if left <= 0 and not (hold and self._held):
                    return True
                self._changed.wait(left if left > 0 else None)
            return not self._runs[run_id].cancel_requested and not self._stopping

    def _cancel_asked(self, run_id: str) -> bool:
        with self._changed:
            return self._runs[run_id].cancel_requested or self._stopping

    def _cancelled(self, run_id: str) -> None:
        with self._changed:
            if self._stopping and not self._runs[run_id].cancel_requested:
                return  # the emulator is going away: the run stays as it was
            message = "Operation on target was cancelled."  # ADF's wording
            self._update(run_id, status="Cancelled", message=message, run_end=_now(),
                         activity_status="Cancelled" if self._runs[run_id].activity_start else None)

    def _failed(self, run_id: str, failure: RunFailure) -> None:
        with self._changed:
            self._update(run_id, status="Failed", message=_run_message(self._runs[run_id], failure),
                         error_code=failure.error_code, error_message=failure.message,
                         activity_status="Failed", run_end=_now())

    def _update(self, run_id: str, **changes) -> None:
        """Change a run (the caller holds the lock) and wake whoever waits for it."""
        self._runs[run_id] = replace(self._runs[run_id], last_updated=_now(), **changes)
        self._changed.notify_all()


def _run_message(run: RunRecord, failure: RunFailure) -> str:
    return (f"Operation on target {run.activity_name or 'Copy'} failed: ErrorCode={failure.error_code},"
            f"'Type=Microsoft.DataTransfer.Common.Shared.HybridDeliveryException,Message={failure.message}'")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def iso(moment: dt.datetime | None) -> str | None:
    return None if moment is None else moment.isoformat(timespec="microseconds").replace("+00:00", "Z")


def duration_ms(start: dt.datetime | None, end: dt.datetime | None) -> int | None:
    return None if start is None or end is None else int((end - start).total_seconds() * 1000)


def run_body(run: RunRecord) -> dict:
    """``GET pipelineruns/{runId}``."""
    return {
        "id": run.run_id, "runId": run.run_id, "runGroupId": run.run_id, "isLatest": True,
        "pipelineName": run.pipeline,
        "parameters": {name: value if isinstance(value, str) else json.dumps(value)
                       for name, value in run.parameters.items()},
        "invokedBy": {"name": "Manual", "invokedByType": "Manual"},
        "runStart": iso(run.run_start), "runEnd": iso(run.run_end),
        "durationInMs": duration_ms(run.run_start, run.run_end),
        "status": run.status, "message": run.message, "lastUpdated": iso(run.last_updated),
        "annotations": [], "runDimension": {},
    }


def activity_body(run: RunRecord) -> dict:
    """The run's Copy activity in ``queryActivityruns``."""
    end = run.run_end if run.activity_status in TERMINAL else None
    failure_type = "UserError" if (run.error_code or "").startswith("UserError") else "SystemError"
    return {
        "activityName": run.activity_name, "activityType": "Copy", "activityRunId": f"{run.run_id}-copy",
        "pipelineName": run.pipeline, "pipelineRunId": run.run_id, "status": run.activity_status,
        "activityRunStart": iso(run.activity_start), "activityRunEnd": iso(end),
        "durationInMs": duration_ms(run.activity_start, end),
        "input": {}, "output": dict(run.output or {}),
        "error": {"errorCode": run.error_code or "", "message": run.error_message,
                  "failureType": failure_type if run.error_code else "", "target": run.activity_name or ""},
    }
