"""The production profile end to end: PostgreSQL storage, the real daemon, run workers, and faults.

One stack for the module (:mod:`mgdc_pipelines_tests.deploy.stack`): its own PostgreSQL cluster,
``deploy/production/dagster.yaml`` with two test settings (see :func:`tune`), a webserver and a
daemon. Each test uses days of its own, so what one test copies never counts in another's
assertions; they run in file order and share the sensor's progress.
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

from mgdc_pipelines.consent.store import ConsentStore
from mgdc_pipelines.defs.assets import build_mgdc_assets
from mgdc_pipelines.defs.availability import build_lanes, last_available_day
from mgdc_pipelines.defs.ledger_anchor import InstanceLedgerAnchor
from mgdc_pipelines.defs.names import copy_job_name
from mgdc_pipelines.defs.partitions import partition_ref, partition_tags, scoped_key
from mgdc_pipelines.defs.resources import source_resource
from mgdc_pipelines.defs.sensors import TRIGGER_TAG, AvailabilityCursor, LaneProgress
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
from mgdc_pipelines_tests.deploy.stack import SCOPES, ProductionStack, production_stack, wait_for
from mgdc_pipelines_tests.deploy.workers import kill, pause_in_step, resume, staging_attempts

POOL_LIMIT = 2
LOOKBACK_DAYS = 2
HOLD_TAG = "e2e/hold"  # a run tagged `e2e/hold: hold` stays queued until the tag changes (see tune)
SCOPED = ("Message_v1", "User_v1")
CHECKS_PER_ASSET = 3
RUN_TIMEOUT = 240.0


def tune(config: dict) -> None:
    """The test's settings on top of the shipped production yaml."""
    # A small pool, so that the six runs of the first sensor tick want more slots than it has.
    config["concurrency"]["pools"]["default_limit"] = POOL_LIMIT
    # A way to keep runs QUEUED while the daemon runs (test 3): a limit of 0 for one tag value.
    config["concurrency"]["runs"]["tag_concurrency_limits"].append({"key": HOLD_TAG, "value": "hold", "limit": 0})


def weekdays_before(day: dt.date, count: int) -> list[dt.date]:
    """``count`` working days on or before ``day``, newest first (the synthetic tenant mails on weekdays)."""
    found = []
    while len(found) < count:
        if day.weekday() < 5:
            found.append(day)
        day -= dt.timedelta(days=1)
    return found


TODAY = dt.datetime.now(dt.timezone.utc).date()
# The sensor's tests use the last 6 days (test 1: the lookback; test 4a: one day more per lane, and
# SharePoint lags 2 days); the runs launched by hand use older working days, one per test.
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


def sensor_runs(stack: ProductionStack) -> list[dg.DagsterRun]:
    return list(stack.instance.get_runs(dg.RunsFilter(tags={TRIGGER_TAG: "availability_sensor"})))


def finished(stack: ProductionStack, run_ids: Sequence[str]) -> list[dg.DagsterRun] | None:
    runs = list(stack.instance.get_runs(dg.RunsFilter(run_ids=list(run_ids))))
    return runs if len(runs) == len(run_ids) and all(run.is_finished for run in runs) else None


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
    table = pads.dataset(folder, format="parquet", partitioning="hive").to_table(columns=["id", "date", "scope"])
    return [row_id for row_id, date, row_scope in zip(*(table.column(c).to_pylist() for c in ("id", "date", "scope")))
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
    expected = {name: partition_keys(name, sensor_days(stack, name, now)) for name in (*SCOPED, "SharePointSites_v1")}
    stack.start_sensor()
    wait_for(lambda: materialized_once(stack, expected) and finished(stack, [r.run_id for r in sensor_runs(stack)]),
             "the sensor's runs", timeout=RUN_TIMEOUT, dagster=stack.dagster)

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
    run_id = launch_run(stack.dagster, copy_job_name(stack.app), partition_tags(key), IN_PROCESS)
    pid = wait_for(lambda: run_worker_pid(stack.instance, run_id), "the run worker", timeout=RUN_TIMEOUT,
                   dagster=stack.dagster, every=0.05)
    step = pause_in_step(stack.instance, run_id, pid)
    print(f"\n[kill] run worker {pid} killed in step {step}; write attempts in staging: {staging_attempts(stack.sink_root)}")
    kill(pid)

    (killed,) = wait_for(lambda: finished(stack, [run_id]), "the killed run to be marked failed",
                         timeout=RUN_TIMEOUT, dagster=stack.dagster)
    assert killed.status == dg.DagsterRunStatus.FAILURE
    retries = wait_for(lambda: list(stack.instance.get_runs(dg.RunsFilter(tags={"dagster/parent_run_id": run_id}))),
                       "the retry", timeout=RUN_TIMEOUT, dagster=stack.dagster)
    (retry,) = wait_for(lambda: finished(stack, [r.run_id for r in retries]), "the retry to finish",
                        timeout=RUN_TIMEOUT, dagster=stack.dagster)
    assert retry.status == dg.DagsterRunStatus.SUCCESS
    assert_one_copy_on_disk(stack, KILL_DAY, "all")
    audit_chain_verifies(stack)
