"""The control plane on one storage: an availability-sensor tick and a backfill's planning.

One competitor for ``harness.run_isolated``, :func:`control_plane`: in a fresh process, on a
fresh instance of the production profile (``benchmarks/instances.py``), the demo app with
``scopes`` group scopes, first the sensor, then a backfill.

``sensor_ticks``: ``history_days`` of ``Message_v1`` history loaded the way
``benchmarks/sensor_tick.py`` loads it (one batch insert), then the availability sensor's
evaluation: the first tick ever (cold: no cursor, first in the process), the same tick again
``warm_ticks`` times (median: ``tick_s``), idle ticks (nothing new) and the tick when a new day
closes. ``statements_per_tick``/``connections_per_tick``: the SQL statements the warm tick sends
to the storage and the connections it opens; ``connection_ms``: opening one (and ``SELECT 1``).

``backfill_plan``: a backfill of ``Message_v1`` over the last ``backfill_days`` × ``scopes``
submitted the way the UI submits it (the webserver's ``launchPartitionBackfill`` mutation), then
the backfill daemon's first iteration (``execute_backfill_iteration``, code loaded from a gRPC
code server as the daemon loads it), which cuts the backfill by the spec's backfill policy and
queues its runs. ``backfill_plan_s`` = the mutation + the iteration's planning
(``execute_asset_backfill_iteration_inner``, timed where the daemon calls it); ``runs`` and
``partitions`` what the planning asked for; ``submit_s_per_run`` the time to queue one of those
runs, from a sample (see :func:`observed_iteration`), and ``submit_all_estimate_s`` that × runs.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import shutil
import statistics
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.instances import bench_instance, use_database

MESSAGES = ["mgdc", "Message_v1"]
SAMPLE_RUNS = 5  # runs queued for the submission's per-run time (see observed_iteration)
RUN_CHUNK_ENV = "DAGSTER_ASSET_BACKFILL_RUN_CHUNK_SIZE"
LAUNCH_BACKFILL = """mutation($params: LaunchBackfillParams!) { launchPartitionBackfill(backfillParams: $params) {
  __typename ... on LaunchBackfillSuccess { backfillId } ... on Error { message } } }"""


class StatementCounter:
    """Counts the SQL statements every SQLAlchemy engine of this process sends while active, and
    the database connections it opens (dagster-postgres opens one per storage call: ``NullPool``).

    >>> import sqlalchemy as db
    >>> with StatementCounter() as counter, db.create_engine("sqlite://").connect() as conn:
    ...     _ = conn.execute(db.text("select 1"))
    >>> counter.statements, counter.connections
    (1, 1)
    """

    def __init__(self) -> None:
        self.statements = 0
        self.connections = 0

    def _statement(self, *_args: Any) -> None:
        self.statements += 1

    def _connection(self, *_args: Any) -> None:
        self.connections += 1

    def __enter__(self) -> StatementCounter:
        import sqlalchemy as db

        db.event.listen(db.engine.Engine, "before_cursor_execute", self._statement)
        db.event.listen(db.pool.Pool, "connect", self._connection)
        return self

    def __exit__(self, *exc_info: Any) -> None:
        import sqlalchemy as db

        db.event.remove(db.engine.Engine, "before_cursor_execute", self._statement)
        db.event.remove(db.pool.Pool, "connect", self._connection)


def measured(work: Callable[[], Any]) -> tuple[Any, float, StatementCounter]:
    """``work()``'s result, its seconds and what it sent to the databases."""
    with StatementCounter() as counter:
        start = time.perf_counter()
        result = work()
        seconds = time.perf_counter() - start
    return result, seconds, counter


def fresh_folder(folder: str) -> Path:
    work = Path(folder)
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    return work


def control_plane(storage: str, history_days: int, backfill_days: int, scopes: int, folder: str,
                  database: str | None = None, warm_ticks: int = 5, sample_runs: int = SAMPLE_RUNS) -> dict[str, Any]:
    """Both measurements on one deployment of the demo app with ``scopes`` scopes: the sensor's
    ticks over ``history_days`` of history, then a backfill of its last ``backfill_days``."""
    import os

    from benchmarks import sensor_tick

    if backfill_days > history_days:
        raise ValueError(f"a backfill of {backfill_days} days over {history_days} days of partitions")
    use_database(storage, database)
    os.environ[RUN_CHUNK_ENV] = str(sample_runs)  # the daemon looks for a cancel every `sample_runs` runs
    now, _ = sensor_tick.tick_instants()
    history = sensor_tick.history_days(now, history_days)
    work = fresh_folder(folder)
    app = sensor_tick.make_app(work, scopes, history[0])
    os.environ["MGDC_SPEC"] = str(work / "mgdc.yaml")  # the code location serves this app
    with bench_instance(storage, work / "home") as instance:
        ticks = sensor_ticks(instance, app, history, warm_ticks)  # first: the cold tick is this process's first
        with daemon_workspace(instance) as process_context:
            backfill = backfill_plan(instance, process_context, app, history[-backfill_days:])
    return {"seconds": ticks["tick_s"], "scopes": scopes, **ticks, **backfill}


def sensor_ticks(instance, app, history: list[dt.date], warm_ticks: int) -> dict[str, Any]:
    """Load ``history`` of ``Message_v1`` materializations, then time the sensor's ticks."""
    import dagster as dg

    from benchmarks.sensor_tick import seed_history, tick_instants, wired_lanes
    from mgdc_pipelines.defs.sensors import evaluate_availability

    now, yesterday = tick_instants()
    load_start = time.perf_counter()
    events = seed_history(instance, dg.AssetKey(MESSAGES), history, app.scope_keys)
    load_s = time.perf_counter() - load_start
    lanes = wired_lanes(instance, app)

    def tick(cursor: str | None, at: dt.datetime) -> Callable[[], Any]:
        return lambda: evaluate_availability(instance, cursor, app, lanes, at)

    first, first_s, _ = measured(tick(None, yesterday))
    warm = [measured(tick(None, yesterday)) for _ in range(warm_ticks)]
    idle = [measured(tick(first.cursor, yesterday)) for _ in range(warm_ticks)]
    new_day, new_day_s, _ = measured(tick(first.cursor, now))
    return {
        "connection_ms": 1000 * connection_seconds(instance),
        "history_days": len(history),
        "history_events": events,
        "history_load_s": load_s,
        "first_tick_s": first_s,
        "tick_s": statistics.median(seconds for _, seconds, _ in warm),
        "ticks": warm_ticks,
        "statements_per_tick": statistics.median(counter.statements for _, _, counter in warm),
        "connections_per_tick": statistics.median(counter.connections for _, _, counter in warm),
        "idle_tick_s": statistics.median(seconds for _, seconds, _ in idle),
        "statements_per_idle_tick": statistics.median(counter.statements for _, _, counter in idle),
        "new_day_tick_s": new_day_s,
        "run_requests": len(first.run_requests),
        "new_day_run_requests": len(new_day.run_requests),
    }


def connection_seconds(instance, samples: int = 10) -> float:
    """Median time to open a connection to the event log's database and run ``SELECT 1``: what
    each storage call pays on top of its SQL (the storages keep no connection open)."""
    import sqlalchemy as db

    def one() -> float:
        start = time.perf_counter()
        with instance.event_log_storage.index_connection() as conn:
            conn.execute(db.text("SELECT 1"))
        return time.perf_counter() - start

    return statistics.median(one() for _ in range(samples))


def backfill_plan(instance, process_context, app, days: list[dt.date]) -> dict[str, Any]:
    """Launch a backfill of ``Message_v1`` over ``days`` × every scope as the UI does; run the
    daemon's first iteration; time its planning and the queueing of a sample of its runs."""
    first, last = days[0], days[-1]
    ranges = [{"start": f"{first}|{scope}", "end": f"{last}|{scope}"} for scope in app.scope_keys]
    params = {"partitionsByAssets": [{"assetKey": {"path": MESSAGES}, "partitions": {"ranges": ranges}}],
              "title": "bench"}
    backfill_id, launch_s, launch_sql = measured(lambda: launch_backfill(process_context, params))
    with observed_iteration(instance, backfill_id) as observed:
        _, iteration_s, iteration_sql = measured(lambda: first_daemon_iteration(process_context))
    planned = planned_partitions(app, instance, observed.run_requests)
    plan_s = launch_s + observed.planning_s
    return {
        "backfill_days": len(days),
        "backfill_plan_s": plan_s,
        "launch_s": launch_s,
        "planning_s": observed.planning_s,
        "runs": len(planned),
        "partitions": sum(len(keys) for keys in planned),
        "distinct_partitions": len({key for keys in planned for key in keys}),
        "max_partitions_in_a_run": max(len(keys) for keys in planned),
        "max_partitions_per_run": app.dagster.max_partitions_per_run,
        "sampled_runs_queued": len(instance.get_run_records(filters=_runs_of(backfill_id))),
        "submit_s_per_run": observed.submit_s / observed.submitted,
        "submit_all_estimate_s": observed.submit_s / observed.submitted * len(planned),
        "connections_per_queued_run": observed.submit_connections / observed.submitted,
        "first_iteration_s": iteration_s,
        "backfill_statements": launch_sql.statements + iteration_sql.statements,
    }


@contextlib.contextmanager
def daemon_workspace(instance) -> Iterator[Any]:
    """The daemon's view of the code: ``workspace.yaml``'s module, loaded in a gRPC code server."""
    from dagster._core.test_utils import create_test_daemon_workspace_context
    from dagster._core.workspace.load_target import ModuleTarget

    target = ModuleTarget("mgdc_pipelines.definitions", "defs", None, "mgdc_pipelines")
    with create_test_daemon_workspace_context(target, instance) as process_context:
        entries = process_context.create_request_context().get_code_location_entries().values()
        errors = [entry.load_error for entry in entries if entry.load_error]
        if errors:
            raise RuntimeError(f"the code location did not load: {errors[0].to_string()}")
        yield process_context


def launch_backfill(process_context, params: dict) -> str:
    """The UI's Launch backfill: the webserver's GraphQL mutation, in process. The backfill id."""
    from dagster_graphql.test.utils import execute_dagster_graphql

    with process_context.create_request_context() as request_context:  # entered, as the webserver does
        result = execute_dagster_graphql(request_context, LAUNCH_BACKFILL, {"params": params})
    launched = result.data["launchPartitionBackfill"] if result.data else None
    if not launched or "backfillId" not in launched:
        raise RuntimeError(f"the backfill was refused: {launched or result.errors}")
    return launched["backfillId"]


def first_daemon_iteration(process_context) -> None:
    """One pass of the backfill daemon over the requested backfills; raises what it reports."""
    from dagster._daemon.backfill import execute_backfill_iteration

    errors = [error for error in execute_backfill_iteration(process_context, logging.getLogger("bench.backfill"))
              if error is not None]
    if errors:
        raise RuntimeError(f"the backfill daemon failed: {errors[0].to_string()}")


@dataclass
class ObservedIteration:
    planning_s: float = 0.0
    run_requests: list = field(default_factory=list)
    submit_s: float = 0.0
    submitted: int = 0
    submit_connections: int = 0


@contextlib.contextmanager
def observed_iteration(instance, backfill_id: str) -> Iterator[ObservedIteration]:
    """Watch the daemon's iteration from inside, Dagster's functions running unchanged.

    ``execute_asset_backfill_iteration_inner`` (the planning: which partitions, cut into which
    runs) is timed and its run requests kept. Queueing the runs writes one planned-materialization
    event per partition (a year of 200 scopes: 73,000 events), far too slow to bench whole, so
    only the first chunk is queued: the first submission cancels the backfill (what the UI's
    Cancel does) and the daemon stops at the end of the chunk (``DAGSTER_ASSET_BACKFILL_RUN_CHUNK_SIZE``).
    """
    from dagster._core.execution import asset_backfill
    from dagster._core.execution.backfill import BulkActionStatus

    observed = ObservedIteration()
    plan, submit = asset_backfill.execute_asset_backfill_iteration_inner, asset_backfill.submit_asset_run

    def timed_plan(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        result = plan(*args, **kwargs)
        observed.planning_s += time.perf_counter() - start
        observed.run_requests += result.run_requests
        return result

    async def timed_submit(*args: Any, **kwargs: Any) -> Any:
        if not observed.submitted:
            instance.update_backfill(instance.get_backfill(backfill_id).with_status(BulkActionStatus.CANCELING))
        with StatementCounter() as counter:
            start = time.perf_counter()
            result = await submit(*args, **kwargs)
            observed.submit_s += time.perf_counter() - start
        observed.submitted += 1
        observed.submit_connections += counter.connections
        return result

    asset_backfill.execute_asset_backfill_iteration_inner = timed_plan
    asset_backfill.submit_asset_run = timed_submit
    try:
        yield observed
    finally:
        asset_backfill.execute_asset_backfill_iteration_inner, asset_backfill.submit_asset_run = plan, submit


def _runs_of(backfill_id: str):
    import dagster as dg
    from dagster._core.storage.tags import BACKFILL_ID_TAG

    return dg.RunsFilter(tags={BACKFILL_ID_TAG: backfill_id})


def planned_partitions(app, instance, run_requests) -> list[list[str]]:
    """The partitions each planned run will materialize: its partition range (or partition) tags."""
    import dagster as dg
    from dagster._core.definitions.partitions.context import partition_loading_context
    from dagster._core.instance.types import CachingDynamicPartitionsLoader
    from dagster._core.storage.tags import (
        ASSET_PARTITION_RANGE_END_TAG,
        ASSET_PARTITION_RANGE_START_TAG,
        PARTITION_NAME_TAG,
    )

    from mgdc_pipelines.catalog import get_dataset
    from mgdc_pipelines.defs.partitions import partitions_for

    partitions = partitions_for(app, get_dataset(MESSAGES[-1]))

    def of(tags: dict[str, str]) -> list[str]:
        if ASSET_PARTITION_RANGE_START_TAG not in tags:
            return [tags[PARTITION_NAME_TAG]]
        key_range = dg.PartitionKeyRange(tags[ASSET_PARTITION_RANGE_START_TAG], tags[ASSET_PARTITION_RANGE_END_TAG])
        return list(partitions.get_partition_keys_in_range(key_range))

    # The scopes are read once, not once per run.
    with partition_loading_context(dynamic_partitions_store=CachingDynamicPartitionsLoader(instance)):
        return [of(request.tags) for request in run_requests]
