"""Launch runs through the webserver's GraphQL API, and follow them to the end.

These are the calls the Dagster UI makes when a person launches a run of a job (for one
partition, or a range of partitions like a backfill run), then watches its status and
materialization count. The queued runs are launched by the daemon.

Why not a job backfill: Dagster 1.13's job backfills copy the first partition's dimension tags
(``dagster/partition/date``, ``.../scope``) onto every range run of a multi-partitioned job, so
each such run materializes that one partition only. Range runs launched directly do not.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from mgdc_pipelines.defs.partitions import PARTITION_TAG, RANGE_END_TAG, RANGE_START_TAG
from mgdc_pipelines.launch.local_dagster import LocalDagster, LocalDagsterError

_ERROR_FIELDS = "__typename ... on Error { message } ... on PythonError { message }"
LAUNCH_RUN = f"""mutation($params: ExecutionParams!) {{ launchRun(executionParams: $params) {{
  {_ERROR_FIELDS} ... on LaunchRunSuccess {{ run {{ runId }} }} }} }}"""
RUNS = """query($filter: RunsFilter!) { runsOrError(filter: $filter) { ... on Runs { results {
  runId jobName status startTime endTime tags { key value }
  stats { ... on RunStatsSnapshot { materializations } } } } } }"""

POLL_SECONDS = 1.0
FINISHED = frozenset({"SUCCESS", "FAILURE", "CANCELED"})


@dataclass(frozen=True)
class RunState:
    """One run as the UI shows it: job, status, partition (range), materializations so far."""

    run_id: str
    job_name: str
    status: str
    partitions: str
    materializations: int
    seconds: float | None

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    @property
    def success(self) -> bool:
        return self.status == "SUCCESS"


def _checked(result: dict, what: str) -> dict:
    if "message" in result or result["__typename"].endswith(("Error", "Invalid")):
        raise LocalDagsterError(f"{what} was refused ({result['__typename']}): {result.get('message', '').strip()}")
    return result


def repository_selector(dagster: LocalDagster) -> dict:
    location, repository = dagster.location
    return {"repositoryLocationName": location, "repositoryName": repository}


def launch_run(dagster: LocalDagster, job_name: str, tags: dict[str, str], run_config: dict | None = None) -> str:
    """Queue a run of ``job_name`` in the workspace's code location (the UI's Launch button); its id."""
    params = {"selector": {**repository_selector(dagster), "jobName": job_name},
              "executionMetadata": {"tags": [{"key": key, "value": value} for key, value in tags.items()]},
              "runConfigData": run_config or {}}
    launched = dagster.graphql(LAUNCH_RUN, params=params)["launchRun"]
    return _checked(launched, f"the run of {job_name}")["run"]["runId"]


def runs(dagster: LocalDagster, run_ids: Sequence[str]) -> list[RunState]:
    """The runs with the given ids, oldest first."""
    results = dagster.graphql(RUNS, filter={"runIds": list(run_ids)})["runsOrError"]["results"]
    return [_run_state(result) for result in reversed(results)]


def _run_state(result: dict) -> RunState:
    tags = {tag["key"]: tag["value"] for tag in result["tags"]}
    start, end = tags.get(RANGE_START_TAG), tags.get(RANGE_END_TAG)
    partitions = f"{start} .. {end}" if start and start != end else (start or tags.get(PARTITION_TAG, ""))
    stats = result.get("stats") or {}
    seconds = (result["endTime"] or time.time()) - result["startTime"] if result["startTime"] else None
    return RunState(result["runId"], result["jobName"], result["status"], partitions,
                    stats.get("materializations") or 0, seconds)


def follow_runs(dagster: LocalDagster, run_ids: Sequence[str], on_change: Callable[[RunState], None]) -> list[RunState]:
    """Poll the runs until every one of them finished, reporting each change of status or count."""
    seen: dict[str, RunState] = {}
    while True:
        dagster.check_alive()
        current = runs(dagster, run_ids)
        for state in current:
            before = seen.get(state.run_id)
            if before is None or (before.status, before.materializations) != (state.status, state.materializations):
                on_change(state)
            seen[state.run_id] = state
        if len(current) == len(run_ids) and all(state.finished for state in current):
            return current
        time.sleep(POLL_SECONDS)
