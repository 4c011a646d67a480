"""One Data Factory's objects and pipeline runs, through its REST API (api-version 2018-06-01).

:class:`FactoryClient` reads and writes linked services, datasets and pipelines by name, starts
pipeline runs and reads their status and their activities' outputs and errors.

>>> run = PipelineRun.from_json({"runId": "r-1", "pipelineName": "mgdc_demo_Message_v1",
...     "status": "Failed", "message": "Operation on target Copy failed", "durationInMs": 1500})
>>> run.terminal, run.succeeded, run.duration_s
(True, False, 1.5)
>>> activity = ActivityRun.from_json({"activityName": "Copy Message_v1", "activityType": "Copy",
...     "status": "Succeeded", "output": {"rowsRead": 12, "rowsCopied": 12, "filesWritten": 2}})
>>> activity.rows_copied, activity.files_written, activity.error
(12, 2, None)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from mgdc_pipelines.sources.mgdc.arm import ArmClient, ArmError
from mgdc_pipelines.sources.mgdc.settings import FactoryLocation

KINDS = ("linkedservices", "datasets", "pipelines")
TERMINAL_STATUSES = frozenset({"Succeeded", "Failed", "Cancelled"})
# How far back an activity-run query looks when the run's start is unknown.
ACTIVITY_LOOKBACK = dt.timedelta(days=2)


@dataclass(frozen=True)
class PipelineRun:
    """A pipeline run's status as ``GET pipelineruns/{runId}`` reports it."""

    run_id: str
    pipeline_name: str
    status: str
    message: str = ""
    run_start: str | None = None
    run_end: str | None = None
    duration_ms: int | None = None
    parameters: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_json(cls, body: Mapping[str, Any]) -> PipelineRun:
        return cls(
            run_id=str(body.get("runId", "")),
            pipeline_name=str(body.get("pipelineName", "")),
            status=str(body.get("status", "")),
            message=str(body.get("message") or ""),
            run_start=body.get("runStart"),
            run_end=body.get("runEnd"),
            duration_ms=body.get("durationInMs"),
            parameters=dict(body.get("parameters") or {}),
        )

    @property
    def terminal(self) -> bool:
        return self.status in TERMINAL_STATUSES

    @property
    def succeeded(self) -> bool:
        return self.status == "Succeeded"

    @property
    def duration_s(self) -> float | None:
        return None if self.duration_ms is None else self.duration_ms / 1000

    @property
    def started_at(self) -> dt.datetime | None:
        return dt.datetime.fromisoformat(self.run_start) if self.run_start else None


@dataclass(frozen=True)
class ActivityError:
    """What ADF says went wrong in one activity (``errorCode`` and ``message`` verbatim)."""

    error_code: str
    message: str
    failure_type: str = ""
    target: str = ""


@dataclass(frozen=True)
class ActivityRun:
    """One activity of a pipeline run, with the Copy activity's counts in ``output``."""

    name: str
    type: str
    status: str
    output: Mapping[str, Any] = field(default_factory=dict)
    error: ActivityError | None = None
    duration_ms: int | None = None

    @classmethod
    def from_json(cls, body: Mapping[str, Any]) -> ActivityRun:
        error = body.get("error") or {}
        return cls(
            name=str(body.get("activityName", "")),
            type=str(body.get("activityType", "")),
            status=str(body.get("status", "")),
            output=dict(body.get("output") or {}),
            # ADF reports an empty error (errorCode "") on activities that did not fail.
            error=ActivityError(
                str(error.get("errorCode") or ""), str(error.get("message") or ""),
                str(error.get("failureType") or ""), str(error.get("target") or ""),
            ) if error.get("errorCode") or error.get("message") else None,
            duration_ms=body.get("durationInMs"),
        )

    def _count(self, key: str) -> int:
        return int(self.output.get(key) or 0)

    @property
    def rows_read(self) -> int:
        return self._count("rowsRead")

    @property
    def rows_copied(self) -> int:
        return self._count("rowsCopied")

    @property
    def files_written(self) -> int:
        return self._count("filesWritten")


class FactoryClient:
    """Objects and runs of the factory at ``location``."""

    def __init__(self, arm: ArmClient, location: FactoryLocation) -> None:
        self.arm = arm
        self.location = location

    def __repr__(self) -> str:
        return f"FactoryClient({self.location.path!r})"

    def _path(self, *segments: str) -> str:
        return "/".join((self.location.path, *(quote(s, safe="") for s in segments)))

    # -- objects ----------------------------------------------------------------------------

    def get(self, kind: str, name: str) -> dict[str, Any] | None:
        """The object as ADF stores it (SecureStrings masked), or None if there is none.

        A missing factory or resource group (``ResourceNotFound``) is an error, not None."""
        try:
            return self.arm.request("GET", self._path(_kind(kind), name))
        except ArmError as error:
            if error.status == 404 and error.code != "ResourceNotFound":
                return None
            raise

    def list(self, kind: str) -> list[dict[str, Any]]:
        """Every object of ``kind`` in the factory, following ``nextLink``."""
        objects: list[dict[str, Any]] = []
        page: str | None = self._path(_kind(kind))
        while page:
            body = self.arm.request("GET", page)
            objects.extend(body.get("value") or [])
            page = body.get("nextLink")
        return objects

    def create_or_update(self, kind: str, name: str, properties: Mapping[str, Any]) -> dict[str, Any]:
        return self.arm.request("PUT", self._path(_kind(kind), name), {"properties": properties})

    # -- runs -------------------------------------------------------------------------------

    def create_run(self, pipeline: str, parameters: Mapping[str, Any]) -> str:
        """Start ``pipeline``; its run id. Never resent once it may have reached ADF."""
        body = self.arm.request(
            "POST", self._path("pipelines", pipeline, "createRun"), dict(parameters), idempotent=False
        )
        run_id = body.get("runId")
        if not run_id:
            raise ArmError(200, "MalformedResponse", "createRun answered without a runId", "POST",
                           self._path("pipelines", pipeline, "createRun"))
        return str(run_id)

    def get_run(self, run_id: str) -> PipelineRun:
        return PipelineRun.from_json(self.arm.request("GET", self._path("pipelineruns", run_id)))

    def activity_runs(self, run_id: str, since: dt.datetime | None = None) -> list[ActivityRun]:
        """The run's activities (updated after ``since``, the run's start when known)."""
        now = dt.datetime.now(dt.timezone.utc)
        body: dict[str, Any] = {
            "lastUpdatedAfter": _iso((since or now - ACTIVITY_LOOKBACK) - dt.timedelta(hours=1)),
            "lastUpdatedBefore": _iso(now + dt.timedelta(hours=1)),
        }
        activities: list[ActivityRun] = []
        while True:
            page = self.arm.request("POST", self._path("pipelineruns", run_id, "queryActivityruns"), body)
            activities.extend(ActivityRun.from_json(item) for item in page.get("value") or [])
            if not page.get("continuationToken"):
                return activities
            body = {**body, "continuationToken": page["continuationToken"]}

    def cancel_run(self, run_id: str, *, attempts: int | None = None) -> None:
        """Ask ADF to cancel the run (it goes Canceling, then Cancelled)."""
        self.arm.request("POST", self._path("pipelineruns", run_id, "cancel"), attempts=attempts)


def _kind(kind: str) -> str:
    if kind not in KINDS:
        raise ValueError(f"unknown factory object kind {kind!r}; expected one of {', '.join(KINDS)}")
    return kind


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
