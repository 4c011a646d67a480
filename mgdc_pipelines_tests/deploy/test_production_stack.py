"""The production profile end to end: PostgreSQL storage, the real daemon, run workers, and faults.

One stack for the module (:mod:`mgdc_pipelines_tests.deploy.stack`): its own PostgreSQL cluster,
``deploy/production/dagster.yaml`` with three test settings (see :func:`tune`), a webserver and a
daemon. Each test uses days of its own, so what one test copies never counts in another's
assertions; they share the sensor's progress, and each also runs on its own (``-k``).

Each test prints its wall time (``-s``); the first prints the most copy steps that ran at once.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import dagster as dg
import pyarrow.dataset as pads
import pytest
from dagster._core.storage.tags import PARENT_RUN_ID_TAG as PARENT_RUN_TAG
from dagster._core.storage.tags import WILL_RETRY_TAG  # the daemon's verdict on retrying a failed run

from mgdc_pipelines.consent.store import ConsentStore
from mgdc_pipelines.defs.assets import build_mgdc_assets
from mgdc_pipelines.defs.availability import build_lanes, last_available_day
from mgdc_pipelines.defs.ledger_anchor import InstanceLedgerAnchor
from mgdc_pipelines.defs.names import copy_job_name
from mgdc_pipelines.defs.partitions import partition_ref, partition_tags, scoped_key
from mgdc_pipelines.defs.resources import source_resource
from mgdc_pipelines.defs.sensors import TENANT_WIDE, TRIGGER_TAG, AvailabilityCursor, LaneProgress
from mgdc_pipelines.launch.demo import IN_PROCESS
from mgdc_pipelines.launch.submit import launch_run
from mgdc_pipelines.transfer import request_for
from mgdc_pipelines_tests.conftest import approve
from mgdc_pipelines_tests.deploy.events import (
    check_evaluations,
    materializations_per_partition,
    max_overlap,
    run_messages,
    run_worker_pid,
    step_intervals,
)
from mgdc_pipelines_tests.deploy.stack import (
    SCOPES,
    SENSOR_INTERVAL,
    ProductionStack,
    production_stack,
    reexecute_from_failure,
    wait_for,
)
from mgdc_pipelines_tests.deploy.workers import kill, pause_in_step, resume, staging_attempts

POOL_LIMIT = 2
LOOKBACK_DAYS = 1  # the first tick: yesterday (copy lane) and 3 days ago (SharePoint lags 48 h)
HOLD_TAG = "e2e/hold"  # a run tagged `e2e/hold: hold` stays queued until the tag changes (see tune)
SCOPED = ("Message_v1", "User_v1")
CHECKS_PER_ASSET = 3
RUN_TIMEOUT = 240.0
# Shorter than dagster-postgres's connection retries (6 tries, exponential backoff from 0.2 s, about
# 12 s in all), so the run worker outlives the outage: its step either rides it out or fails on a
# statement the shutdown cut off (an event write), the worker records the failure once the database
# is back; the daemon does not retry a step failure (`retry_on_asset_or_op_failure: false`), so the
# operator re-executes it from failure. A longer outage is
# not tested here: when the worker gives up and dies while the database is still away, the daemon's
# code server's watcher of run processes (its only watcher under DefaultRunLauncher) dies on the
# same error (Dagster 1.13: the thread running `_check_for_orphaned_runs` in dagster/_grpc/server.py
# ends on the first exception), and only the profile's `max_runtime_seconds` fails the run.
OUTAGE_SECONDS = 5
TENANT_WIDE_DATASET = "SharePointSites_v1"
ALL_DATASETS = (*SCOPED, TENANT_WIDE_DATASET)
# How the daemon's log says it lost its database (psycopg2 through SQLAlchemy).
LOST_DATABASE = ("OperationalError", "Connection refused", "could not connect")


def tune(config: dict) -> None:
    """The test's settings on top of the shipped production yaml."""
    # A small pool, so that the runs of the first sensor tick want more slots than it has...
    config["concurrency"]["pools"]["default_limit"] = POOL_LIMIT
    # (the shipped `op_granularity_run_buffer` lets more runs out of the queue than there are free
    # slots, so several runs compete and only the slots throttle them).
    assert config["concurrency"]["pools"]["op_granularity_run_buffer"] > POOL_LIMIT
    # A way to keep runs QUEUED while the daemon runs (test 3): a limit of 0 for one tag value.
    hold = {"key": HOLD_TAG, "value": "hold", "limit": 0}
    config["concurrency"]["runs"]["tag_concurrency_limits"].append(hold)


def weekdays_before(day: dt.date, count: int) -> list[dt.date]:
    """``count`` working days on or before ``day``, newest first (the synthetic tenant mails on weekdays)."""
    found = []
    while len(found) < count:
        if day.weekday() < 5:
            found.append(day)
        day -= dt.timedelta(days=1)
    return found


TODAY = dt.datetime.now(dt.timezone.utc).date()
# The sensor's tests use the last 4 days (test 1: yesterday, and 3 days ago for SharePoint, which lags
# 2 days; test 4a: one day before that); the runs launched by hand use older working days, one each.
KILL_DAY, SUSPEND_DAY, OUTAGE_DAY = weekdays_before(TODAY - dt.timedelta(days=7), 3)


@pytest.fixture(scope="module")
def stack(tmp_path_factory, admin_keys):
    with production_stack(tmp_path_factory.mktemp("production"), admin_keys, tune=tune,
                          pool_limit=POOL_LIMIT, lookback_days=LOOKBACK_DAYS) as running:
        yield running


@pytest.fixture(autouse=True)
def wall_time(request):
    started = time.monotonic()
    yield
    print(f"\n[wall time] {request.node.name}: {time.monotonic() - started:.1f} s")


# -- what to expect ----------------------------------------------------------------------------------------


def asset_key(name: str) -> dg.AssetKey:
    return dg.AssetKey(["mgdc", name])


def sensor_days(stack: ProductionStack, name: str, now: dt.datetime) -> list[dt.date]:
    """The days the sensor's first tick requests for ``name``: the lookback before its lag."""
    item = next(item for item in stack.app.datasets if item.dataset.short_name == name)
    last = last_available_day(now, item.availability_lag)
    return [last - dt.timedelta(days=n) for n in range(LOOKBACK_DAYS)]


def partition_keys(name: str, days: Sequence[dt.date]) -> set[str]:
    scopes = SCOPES if name in SCOPED else (None,)
    return {scoped_key(day, scope) for day in days for scope in scopes}


def materialized_once(stack: ProductionStack, expected: dict[str, set[str]]) -> bool:
    return all(set(materializations_per_partition(stack.instance, asset_key(name))) >= keys
               for name, keys in expected.items())


def assert_each_materialized_once(stack: ProductionStack, expected: dict[str, set[str]]) -> None:
    for name, keys in expected.items():
        counts = materializations_per_partition(stack.instance, asset_key(name))
        assert {key: counts[key] for key in keys} == {key: 1 for key in keys}, name


def sensor_done(stack: ProductionStack, expected: dict[str, set[str]]) -> bool:
    """Every expected partition has a materialization and every run the sensor asked for has ended."""
    runs = sensor_runs(stack)
    return materialized_once(stack, expected) and bool(finished(stack, [run.run_id for run in runs]))


def sensor_runs(stack: ProductionStack) -> list[dg.DagsterRun]:
    return runs_with_tag(stack, TRIGGER_TAG, "availability_sensor")


def finished(stack: ProductionStack, run_ids: Sequence[str]) -> list[dg.DagsterRun] | None:
    runs = runs_of(stack, run_ids)
    return runs if len(runs) == len(run_ids) and all(run.is_finished for run in runs) else None


def runs_of(stack: ProductionStack, run_ids: Sequence[str]) -> list[dg.DagsterRun]:
    return list(stack.instance.get_runs(dg.RunsFilter(run_ids=list(run_ids))))


def sink_files(root: Path) -> dict[str, tuple[int, int]]:
    """(size, mtime) of every file under the sink's root, staging and manifests included."""
    return {str(path.relative_to(root)): (path.stat().st_size, path.stat().st_mtime_ns)
            for path in root.rglob("*") if path.is_file()}


def completed_tick(stack: ProductionStack) -> float | None:
    """When the sensor's latest tick started, once that tick is over."""
    tick = stack.latest_tick()
    return tick["timestamp"] if tick and tick["status"] != "STARTED" else None


def cursor_one_day_back(stack: ProductionStack, now: dt.datetime) -> str:
    """The sensor's cursor as if its first tick had requested one day less of the tenant-wide lane:
    one run to catch up (enough to see the catch-up, and cheap); the scoped lane as it is."""
    progress = {}
    for lane in build_lanes(stack.app, build_mgdc_assets(stack.app)):
        requested = sensor_days(stack, lane.datasets[0].asset_key.path[-1], now)
        if lane.scoped:
            progress[lane.id] = LaneProgress(max(requested), frozenset(SCOPES))
        else:
            progress[lane.id] = LaneProgress(min(requested) - dt.timedelta(days=2), frozenset({TENANT_WIDE}))
    return AvailabilityCursor(progress).to_json()


def logged_since(log: Path, offset: int) -> list[str]:
    with log.open("rb") as handle:
        handle.seek(offset)
        return handle.read().decode(errors="replace").splitlines()


def sensor_daemon_errors(log: Path, offset: int) -> list[str]:
    """The errors the daemon's sensor loop logged since ``offset`` (once its connection retries gave up)."""
    return [line for line in logged_since(log, offset) if "SensorDaemon" in line and "ERROR" in line]


def settle(stack: ProductionStack, run_id: str) -> list[dg.DagsterRun]:
    """The run and what followed it, to the end: the daemon's retries of a failed run, and, when the
    daemon does not retry it, one re-execution from failure (the UI's button an operator presses)."""
    chain: list[dg.DagsterRun] = []
    current, reexecuted = run_id, False
    while True:
        try:
            run = wait_for(lambda: retry_decided(stack, current), f"run {current} to end", timeout=RUN_TIMEOUT,
                           dagster=stack.dagster)
        except AssertionError as stuck:
            (run,) = runs_of(stack, [current])
            raise AssertionError(f"{stuck}: it is {run.status.value}, tags {run.tags}; its log:\n"
                                 f"{run_messages(stack.instance, current)[-3000:]}") from None
        chain.append(run)
        if run.status == dg.DagsterRunStatus.SUCCESS or (reexecuted and run.tags.get(WILL_RETRY_TAG) != "true"):
            return chain
        if run.tags.get(WILL_RETRY_TAG) == "true":
            retries = wait_for(lambda: runs_with_tag(stack, PARENT_RUN_TAG, current), "the retry",
                               timeout=RUN_TIMEOUT, dagster=stack.dagster)
            current = retries[0].run_id
        else:
            current, reexecuted = reexecute_from_failure(stack.dagster, current), True


def describe(run: dg.DagsterRun) -> str:
    verdict = {"true": " (retried by the daemon)", "false": " (not retried)"}.get(run.tags.get(WILL_RETRY_TAG, ""))
    return f"{run.status.value}{verdict or ''}"


def retry_decided(stack: ProductionStack, run_id: str) -> dg.DagsterRun | None:
    """The run once it ended and, if it failed, once the daemon tagged whether it will retry it."""
    (run,) = runs_of(stack, [run_id])
    if not run.is_finished or (run.status == dg.DagsterRunStatus.FAILURE and WILL_RETRY_TAG not in run.tags):
        return None
    return run


def runs_with_tag(stack: ProductionStack, key: str, value: str) -> list[dg.DagsterRun]:
    return list(stack.instance.get_runs(dg.RunsFilter(tags={key: value})))


def launch_copy(stack: ProductionStack, key: str) -> tuple[str, int]:
    """Launch a run copying partition ``key``; the run's id and its worker's pid.

    In-process execution: the copy then runs in the worker itself, so killing (or stopping) the
    worker kills (or stops) the copy. Under the multiprocess executor the step would be a process
    of its own, which outlives a killed worker.
    """
    run_id = launch_run(stack.dagster, copy_job_name(stack.app), partition_tags(key), IN_PROCESS)
    pid = wait_for(lambda: run_worker_pid(stack.instance, run_id), "the run worker", timeout=RUN_TIMEOUT,
                   dagster=stack.dagster, every=0.05)
    return run_id, pid


def audit_chain_verifies(stack: ProductionStack) -> None:
    cli = Path(sys.executable).with_name("mgdc-pipelines")
    result = subprocess.run([str(cli), "audit", "verify", "--spec", str(stack.spec_path)], env=stack.env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "chain intact" in result.stdout


def source_rows(stack: ProductionStack, name: str, key: str) -> tuple[int, set[str]]:
    """(rows, distinct ids) the source holds for one partition: what one copy of it must hold."""
    item = next(item for item in stack.app.datasets if item.dataset.short_name == name)
    source = source_resource(stack.app).get_source()
    ids: list[str] = []
    for batch in source.extract(request_for(stack.app, item, partition_ref(item.dataset, key))):
        ids += batch.column("id").to_pylist()
    return len(ids), set(ids)


def rows_on_disk(stack: ProductionStack, name: str, day: dt.date, scope: str) -> list[str]:
    """The ``id`` of every row a plain Parquet reader sees in one partition of the dataset's folder."""
    folder = next(stack.sink_root.glob(f"*.{name}"))
    columns = ("id", "date", "scope")
    table = pads.dataset(folder, format="parquet", partitioning="hive").to_table(columns=list(columns))
    return [row_id for row_id, date, row_scope in zip(*(table.column(c).to_pylist() for c in columns))
            if str(date) == day.isoformat() and row_scope == scope]


def assert_one_copy_on_disk(stack: ProductionStack, day: dt.date, scope: str) -> None:
    for name in SCOPED:
        on_disk = rows_on_disk(stack, name, day, scope)
        rows, ids = source_rows(stack, name, scoped_key(day, scope))
        assert rows > 0, f"{name} {day}: the test needs a partition with rows"
        assert (len(on_disk), set(on_disk)) == (rows, ids), name


# -- the tests ------------------------------------------------------------------------------------------


def test_the_daemon_copies_every_due_partition_once_within_the_pool_limit_and_the_checks_pass(stack):
    now = dt.datetime.now(dt.timezone.utc)
    expected = {name: partition_keys(name, sensor_days(stack, name, now)) for name in ALL_DATASETS}
    stack.start_sensor()
    wait_for(lambda: sensor_done(stack, expected), "the sensor's runs", timeout=RUN_TIMEOUT, dagster=stack.dagster)

    runs = sensor_runs(stack)
    assert {run.status for run in runs} == {dg.DagsterRunStatus.SUCCESS}
    assert len(runs) == len(expected["Message_v1"]) + len(expected["SharePointSites_v1"])  # one run per key
    assert_each_materialized_once(stack, expected)
    intervals = step_intervals(stack.instance, [run.run_id for run in runs])
    assert len(intervals) == sum(len(keys) for keys in expected.values())  # one copy step per partition
    peak = max_overlap(intervals)
    print(f"\n[pool] at most {peak} copy steps ran at once (pool limit {POOL_LIMIT}, {len(intervals)} steps)")
    assert 1 <= peak <= POOL_LIMIT
    evaluations = check_evaluations(stack.instance, [run.run_id for run in runs])
    assert len(evaluations) == CHECKS_PER_ASSET * len(intervals)
    assert all(passed for _, _, passed in evaluations), [e for e in evaluations if not e[2]]
    audit_chain_verifies(stack)


def test_a_run_worker_killed_mid_copy_is_failed_retried_and_leaves_one_copy(stack):
    key = scoped_key(KILL_DAY, "all")
    run_id, pid = launch_copy(stack, key)
    # Mid-partition: a write attempt is open in the sink's staging area.
    step = pause_in_step(stack.instance, run_id, pid, also=lambda: staging_attempts(stack.sink_root))
    abandoned = staging_attempts(stack.sink_root)
    print(f"\n[kill] run worker {pid} killed in step {step} with write attempt(s) {abandoned} open")
    kill(pid)

    # Under DefaultRunLauncher it is the daemon's code server, which started the worker, that sees it
    # die and fails the run (run monitoring cannot ask this launcher about a worker's health).
    (killed,) = wait_for(lambda: finished(stack, [run_id]), "the killed run to be marked failed",
                         timeout=RUN_TIMEOUT, dagster=stack.dagster)
    assert killed.status == dg.DagsterRunStatus.FAILURE
    assert "was terminated by signal 9 (SIGKILL)" in run_messages(stack.instance, run_id)
    retries = wait_for(lambda: runs_with_tag(stack, PARENT_RUN_TAG, run_id), "the daemon's retry",
                       timeout=RUN_TIMEOUT, dagster=stack.dagster)
    (retry,) = wait_for(lambda: finished(stack, [r.run_id for r in retries]), "the retry to finish",
                        timeout=RUN_TIMEOUT, dagster=stack.dagster)
    assert retry.status == dg.DagsterRunStatus.SUCCESS
    assert not set(abandoned) & set(staging_attempts(stack.sink_root))  # the retry removed the dead attempt
    assert_one_copy_on_disk(stack, KILL_DAY, "all")
    audit_chain_verifies(stack)


def test_runs_queued_when_the_app_is_suspended_fail_at_the_consent_gate_before_any_io(stack, admin_keys):
    keys = [scoped_key(SUSPEND_DAY, scope) for scope in SCOPES]
    before = sink_files(stack.sink_root)
    job = copy_job_name(stack.app)
    run_ids = [launch_run(stack.dagster, job, {**partition_tags(key), HOLD_TAG: "hold"}, IN_PROCESS) for key in keys]
    assert {run.status for run in runs_of(stack, run_ids)} == {dg.DagsterRunStatus.QUEUED}
    store = ConsentStore.of(stack.app, anchor=InstanceLedgerAnchor(stack.instance))
    suspension = store.suspend("e2e: suspended while runs wait in the queue", dataset="BasicDataSet_v0.Message_v1",
                               partitions=[], fingerprint=store.authorization().fingerprint)
    try:
        for run_id in run_ids:  # the queue lets them out now
            stack.instance.add_run_tags(run_id, {HOLD_TAG: "release"})
        runs = wait_for(lambda: finished(stack, run_ids), "the released runs", timeout=RUN_TIMEOUT,
                        dagster=stack.dagster)
        assert {run.status for run in runs} == {dg.DagsterRunStatus.FAILURE}
        for run_id in run_ids:
            assert f"suspension {suspension.short_id}" in run_messages(stack.instance, run_id)
        assert sink_files(stack.sink_root) == before  # not a partition, not a staging attempt, not a manifest
        for name in SCOPED:
            assert not set(materializations_per_partition(stack.instance, asset_key(name))) & set(keys)
    finally:
        approve(stack.app, admin_keys, lifts=(suspension.id,))


def test_the_daemon_survives_postgresql_going_away_during_sensor_ticks_and_catches_up(stack):
    now = dt.datetime.now(dt.timezone.utc)
    first_tick = {name: partition_keys(name, sensor_days(stack, name, now)) for name in ALL_DATASETS}
    caught_up = {name: partition_keys(name, [min(sensor_days(stack, name, now)) - dt.timedelta(days=1)])
                 if name == TENANT_WIDE_DATASET else set() for name in ALL_DATASETS}
    stack.start_sensor()  # already on after the first test; on its own, this test needs it too
    wait_for(lambda: sensor_done(stack, first_tick), "the first tick's runs", timeout=RUN_TIMEOUT,
             dagster=stack.dagster)
    tick = wait_for(lambda: completed_tick(stack), "a completed sensor tick", timeout=RUN_TIMEOUT,
                    dagster=stack.dagster)
    stack.set_sensor_cursor(cursor_one_day_back(stack, now))  # the next tick has one SharePoint day to copy
    time.sleep(max(0.0, tick + SENSOR_INTERVAL - 2 - time.time()))  # the outage covers the next tick
    log = stack.dagster.log_dir / "dagster-daemon.log"
    seen = log.stat().st_size
    stack.postgres.stop()
    try:
        # Down until the sensor's tick came due and its loop gave up retrying the connection.
        wait_for(lambda: time.time() > tick + SENSOR_INTERVAL and sensor_daemon_errors(log, seen),
                 "the sensor daemon to log the lost database", timeout=90, dagster=stack.dagster)
    finally:
        stack.postgres.start()
    logged = logged_since(log, seen)
    print("\n[outage] the daemon logged:", *sorted({line[:160] for line in logged if "ERROR" in line}), sep="\n  ")
    assert any(sign in line for line in logged for sign in LOST_DATABASE)  # and says why
    assert stack.postgres.password not in log.read_text(errors="replace")
    refused = stack.wait_until_the_webserver_answers()
    print(f"[outage] the webserver refused {refused} call(s) after PostgreSQL came back",
          *(refusal[:200] for refusal in stack.refusals[:1]))

    expected = {name: first_tick[name] | caught_up[name] for name in ALL_DATASETS}
    wait_for(lambda: sensor_done(stack, expected), "the catch-up runs", timeout=RUN_TIMEOUT, dagster=stack.dagster)
    stack.dagster.check_alive()
    assert {run.status for run in sensor_runs(stack)} == {dg.DagsterRunStatus.SUCCESS}
    assert_each_materialized_once(stack, expected)
    audit_chain_verifies(stack)


def test_a_run_that_loses_postgresql_mid_copy_never_commits_a_partition_twice(stack):
    key = scoped_key(OUTAGE_DAY, "all")
    run_id, pid = launch_copy(stack, key)
    step = pause_in_step(stack.instance, run_id, pid)
    stack.postgres.stop()
    try:
        resume(pid)  # the step goes on without its database
        time.sleep(OUTAGE_SECONDS)
    finally:
        stack.postgres.start()
    stack.wait_until_the_webserver_answers()

    outcome = settle(stack, run_id)
    print(f"\n[outage] run paused in {step}, then: {' -> '.join(describe(run) for run in outcome)}")
    assert outcome[-1].status == dg.DagsterRunStatus.SUCCESS
    for name in SCOPED:
        assert materializations_per_partition(stack.instance, asset_key(name))[key] == 1, name
    assert_one_copy_on_disk(stack, OUTAGE_DAY, "all")
    audit_chain_verifies(stack)
