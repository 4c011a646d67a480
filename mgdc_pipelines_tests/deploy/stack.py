"""The production profile on this machine: a PostgreSQL cluster, a DAGSTER_HOME, a webserver and a daemon.

:func:`production_stack` builds what an operator deploys with ``deploy/production/dagster.yaml``:
Dagster's storage and the consent state (``MGDC_STATE_DATABASE``) in one PostgreSQL database, the
daemon's run queue and one process per run, and a small approved app on the synthetic source.
The cluster is the stack's own (not the test session's), so a test may stop and start it.

>>> production_yaml(lambda config: config["concurrency"]["pools"].update(default_limit=2))["concurrency"]["pools"]
{'default_limit': 2, 'granularity': 'op', 'op_granularity_run_buffer': 4}
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg
import yaml

from mgdc_pipelines.defs.names import availability_sensor_name
from mgdc_pipelines.launch.local_dagster import LocalDagster, LocalDagsterError
from mgdc_pipelines.launch.postgres import LocalPostgres, exported
from mgdc_pipelines.launch.submit import repository_selector
from mgdc_pipelines.spec import AppSpec, load_spec
from mgdc_pipelines.state import STATE_DATABASE_ENV
from mgdc_pipelines_tests.conftest import (
    SMALL_TENANT_USERS,
    AdminKeys,
    approve,
    consent_block,
    demo_spec_dict,
    write_spec,
)
from mgdc_pipelines_tests.test_cli_demo import REPO

PRODUCTION_YAML = REPO / "deploy" / "production" / "dagster.yaml"
DATASETS = ("Message_v1", "User_v1", "SharePointSites_v1")  # two scoped datasets, one tenant-wide
SCOPES = ("all", "sales")
SENSOR_INTERVAL = 30  # seconds between two ticks of the sensor: the spec's minimum

_SENSOR = """{repositoryLocationName repositoryName sensorName}"""
START_SENSOR = """mutation($selector: SensorSelector!) { startSensor(sensorSelector: $selector) {
  __typename ... on Sensor { sensorState { status } } ... on PythonError { message } } }"""
LATEST_TICK = """query($selector: SensorSelector!) { sensorOrError(sensorSelector: $selector) {
  __typename ... on Sensor { sensorState { ticks(limit: 1) { timestamp status } } } } }"""
# Reads each of the webserver's three storages: runs, the event log (assets), schedules (ticks).
EVERY_STORAGE = """query($selector: SensorSelector!) { runsOrError(limit: 1) { ... on Runs { results { runId } } }
  assetsOrError(limit: 1) { ... on AssetConnection { nodes { id } } }
  sensorOrError(sensorSelector: $selector) { __typename ... on Sensor { sensorState { ticks(limit: 1) { status } } } } }"""
REEXECUTE = """mutation($params: ReexecutionParams!) { launchRunReexecution(reexecutionParams: $params) {
  __typename ... on LaunchRunSuccess { run { runId } } ... on PythonError { message } } }"""
SET_SENSOR_CURSOR = """mutation($selector: SensorSelector!, $cursor: String) {
  setSensorCursor(sensorSelector: $selector, cursor: $cursor) { __typename ... on PythonError { message } } }"""


def production_yaml(tune: Callable[[dict], None] | None = None) -> dict:
    """The shipped ``deploy/production/dagster.yaml``, edited by ``tune`` (a test's intervals and limits)."""
    config = yaml.safe_load(PRODUCTION_YAML.read_text())
    if tune:
        tune(config)
    return config


def small_production_spec(folder: Path, keys: AdminKeys, *, pool_limit: int, lookback_days: int) -> AppSpec:
    """The demo app cut down to :data:`DATASETS` and :data:`SCOPES` on a small tenant, approved.

    The sensor is stopped until a test turns it on, as an operator would.
    """
    raw = demo_spec_dict()
    raw["app"]["name"] = "e2e"
    raw["source"]["users"] = SMALL_TENANT_USERS
    raw["sink"]["path"] = str(folder / "mgdc_data")
    raw["consent"] = consent_block(folder, keys)
    raw["scopes"] = {alias: group for alias, group in raw["scopes"].items() if alias in SCOPES}
    raw["datasets"] = [d for d in raw["datasets"] if d["name"] in DATASETS]
    raw["partitions"]["start_date"] = (dt.date.today() - dt.timedelta(days=60)).isoformat()
    raw["dagster"]["sensor"] = {"default_status": "stopped", "lookback_days": lookback_days,
                                "minimum_interval_seconds": SENSOR_INTERVAL}
    raw["dagster"]["pool"] = {"limit": pool_limit}
    app = load_spec(write_spec(folder, raw))
    approve(app, keys)
    return app


@dataclass
class ProductionStack:
    folder: Path
    app: AppSpec
    postgres: LocalPostgres
    dagster: LocalDagster
    instance: dg.DagsterInstance  # this process's view of the same PostgreSQL storage
    refusals: list[str] = field(default_factory=list)  # see wait_until_the_webserver_answers

    @property
    def spec_path(self) -> Path:
        return Path(self.app.spec_path)

    @property
    def sink_root(self) -> Path:
        return self.folder / "mgdc_data"

    @property
    def env(self) -> dict[str, str]:
        """What every Dagster process of the deployment (and the operator's CLI) runs with."""
        return self.dagster.env

    def sensor_selector(self, name: str | None = None) -> dict:
        return {**repository_selector(self.dagster), "sensorName": name or availability_sensor_name(self.app)}

    def start_sensor(self) -> None:
        """Switch the availability sensor on, as the UI's toggle does."""
        result = self.dagster.graphql(START_SENSOR, selector=self.sensor_selector())["startSensor"]
        if result["__typename"] != "Sensor" or result["sensorState"]["status"] != "RUNNING":
            raise LocalDagsterError(f"the sensor did not start: {result}")

    def latest_tick(self) -> dict | None:
        """The sensor's latest tick: ``{"timestamp": ..., "status": ...}``, or None before the first."""
        sensor = self.dagster.graphql(LATEST_TICK, selector=self.sensor_selector())["sensorOrError"]
        ticks = sensor["sensorState"]["ticks"]
        return ticks[0] if ticks else None

    def wait_until_the_webserver_answers(self, timeout: float = 60.0) -> int:
        """After a database restart: how many calls the webserver refused before it answered again.

        dagster-webserver keeps one pooled connection per storage open (Dagster's
        ``optimize_for_webserver``: ``pool_size=1``, no pre-ping), so the first call on each one
        after PostgreSQL restarts fails with "server closed the connection unexpectedly"; SQLAlchemy
        then drops the dead connection and the next call reconnects. The refusals are kept in
        :attr:`refusals`.
        """
        self.refusals.clear()
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.dagster.graphql(EVERY_STORAGE, selector=self.sensor_selector())
                return len(self.refusals)
            except LocalDagsterError as refused:
                self.refusals.append(str(refused))
            if time.monotonic() > deadline:
                raise AssertionError(f"the webserver did not answer again after {timeout:.0f} s: {self.refusals[-1]}")
            time.sleep(0.5)

    def set_sensor_cursor(self, cursor: str) -> None:
        result = self.dagster.graphql(SET_SENSOR_CURSOR, selector=self.sensor_selector(), cursor=cursor)
        if result["setSensorCursor"]["__typename"] != "Sensor":
            raise LocalDagsterError(f"the sensor's cursor was not set: {result}")


@contextmanager
def production_stack(
    folder: Path, keys: AdminKeys, *, tune: Callable[[dict], None], pool_limit: int, lookback_days: int
) -> Iterator[ProductionStack]:
    """A running production deployment in ``folder`` (its own PostgreSQL cluster); stopped at the end.

    The PostgreSQL and state variables are set in this process's environment for the duration,
    so that the test's own ``DagsterInstance``, consent store and CLI calls see what the daemon sees.
    """
    with LocalPostgres.temporary() as postgres:
        env = {**postgres.dagster_env(), STATE_DATABASE_ENV: postgres.url, "MGDC_SPEC": str(folder / "mgdc.yaml")}
        with exported(env):
            app = small_production_spec(folder, keys, pool_limit=pool_limit, lookback_days=lookback_days)
            home = folder / "dagster_home"
            home.mkdir()
            (home / "dagster.yaml").write_text(yaml.safe_dump(production_yaml(tune), sort_keys=False))
            with LocalDagster(REPO / "workspace.yaml", home, cwd=folder, env=env) as dagster, \
                    dg.DagsterInstance.from_config(str(home)) as instance:
                dagster.start_daemon()
                yield ProductionStack(folder, app, postgres, dagster, instance)


def reexecute_from_failure(dagster: LocalDagster, run_id: str) -> str:
    """Re-execute a failed run from its failed steps (the UI's "Re-execute from failure"); the new run's id."""
    result = dagster.graphql(REEXECUTE, params={"parentRunId": run_id, "strategy": "FROM_FAILURE"})["launchRunReexecution"]
    if result["__typename"] != "LaunchRunSuccess":
        raise LocalDagsterError(f"re-execution of {run_id} was refused: {result}")
    return result["run"]["runId"]


def wait_for(condition: Callable[[], object], what: str, *, timeout: float, dagster: LocalDagster | None = None,
             every: float = 0.5):
    """Poll ``condition`` until it returns something truthy (that value); fail naming ``what``."""
    deadline = time.monotonic() + timeout
    while True:
        if dagster is not None:
            dagster.check_alive()
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(every)
