"""End to end: a UI backfill of the demo app through a real dagster-webserver and dagster-daemon.

The instance is configured by the shipped ``deploy/dagster.yaml`` (queued runs, pools, tag limits
per backfill). The backfill is launched through the webserver's GraphQL API the way the UI does
it; the daemon's backfill loop cuts it into runs by the assets' backfill policy and its run queue
launches them as subprocesses. Then: every run succeeded, every blocking consent check passed,
and every (day, scope) partition is in the sink.
"""

from __future__ import annotations

import shutil
import time

import dagster as dg
import pyarrow.dataset as pads

from mgdc_pipelines.defs.pools import ensure_pool_limit, pool_name
from mgdc_pipelines.defs.scopes import sync_scope_partitions
from mgdc_pipelines.launch.local_dagster import LocalDagster
from mgdc_pipelines.runner import closed_days
from mgdc_pipelines.spec import load_spec
from mgdc_pipelines_tests.conftest import approve, consent_block, demo_spec_dict, write_spec
from mgdc_pipelines_tests.test_cli_demo import REPO

DATASETS = ("Message_v1", "User_v1", "SharePointSites_v1")
CHECKS = {"consented_columns", "scope_compliance", "transforms_applied"}

LAUNCH = """mutation($params: LaunchBackfillParams!) { launchPartitionBackfill(backfillParams: $params) {
  __typename ... on LaunchBackfillSuccess { backfillId } ... on Error { message } } }"""
STATUS = """query($id: String!) { partitionBackfillOrError(backfillId: $id) {
  __typename ... on PartitionBackfill { status } ... on Error { message } } }"""
RUNS = """query($id: String!) { runsOrError(filter: {tags: [{key: "dagster/backfill", value: $id}]}) {
  ... on Runs { results { runId status tags { key value } } } } }"""
NODES = """{ assetNodes { assetKey { path } partitionStats { numMaterialized }
  assetChecksOrError { ... on AssetChecks { checks { name blocking executionForLatestMaterialization { status } } } } } }"""


def test_a_ui_backfill_runs_to_completion_with_passing_checks_and_files_in_the_sink(tmp_path, admin_keys):
    raw = demo_spec_dict()
    raw["source"]["users"] = 25
    raw["sink"]["path"] = str(tmp_path / "mgdc_data")
    raw["consent"] = consent_block(tmp_path, admin_keys)
    raw["datasets"] = [d for d in raw["datasets"] if d["name"] in DATASETS]
    raw.pop("downstream", None)
    raw["dagster"]["sensor"] = {"default_status": "stopped"}  # only the backfill makes runs here
    spec_path = write_spec(tmp_path, raw)
    app = load_spec(spec_path)
    approve(app, admin_keys)
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(REPO / "deploy" / "dagster.yaml", home / "dagster.yaml")
    with dg.DagsterInstance.from_config(str(home)) as instance:  # what the sensor does on its first tick
        assert sync_scope_partitions(instance, app).added == app.scope_keys
        ensure_pool_limit(instance, app)

    first, last = (day.isoformat() for day in closed_days(2))
    scoped = [{"assetKey": {"path": ["mgdc", name]},
               "partitions": {"ranges": [{"start": f"{first}|{s}", "end": f"{last}|{s}"} for s in app.scope_keys]}}
              for name in ("Message_v1", "User_v1")]
    tenant_wide = [{"assetKey": {"path": ["mgdc", "SharePointSites_v1"]},
                    "partitions": {"range": {"start": first, "end": last}}}]

    with LocalDagster(REPO / "workspace.yaml", home, cwd=tmp_path, env={"MGDC_SPEC": str(spec_path)}) as dagster:
        launched = dagster.graphql(LAUNCH, params={"partitionsByAssets": scoped + tenant_wide, "title": "e2e"})
        backfill_id = launched["launchPartitionBackfill"].get("backfillId")
        assert backfill_id, launched
        dagster.start_daemon()  # after the launch: its first backfill iteration picks it up at once
        deadline = time.monotonic() + 300
        while (status := dagster.graphql(STATUS, id=backfill_id)["partitionBackfillOrError"]["status"]) in (
                "REQUESTED", "CANCELING"):
            dagster.check_alive()
            assert time.monotonic() < deadline, "timed out waiting for the backfill"
            time.sleep(0.5)
        assert status == "COMPLETED_SUCCESS"
        runs = dagster.graphql(RUNS, id=backfill_id)["runsOrError"]["results"]
        nodes = {"/".join(n["assetKey"]["path"]): n for n in dagster.graphql(NODES)["assetNodes"]}

    # multi_run(31): one run for the tenant-wide dataset; the date × scope ranges hold the smaller
    # dimension constant (here the 2 days: one run per day, over every scope).
    assert len(runs) == 1 + min(2, len(app.scope_keys))
    assert {run["status"] for run in runs} == {"SUCCESS"}
    for name in DATASETS:
        node = nodes[f"mgdc/{name}"]
        expected = 2 if name.startswith("SharePoint") else 2 * len(app.scope_keys)
        assert node["partitionStats"]["numMaterialized"] == expected, name
        checks = {c["name"]: (c["blocking"], c["executionForLatestMaterialization"]["status"])
                  for c in node["assetChecksOrError"]["checks"]}
        assert checks == {name: (True, "SUCCEEDED") for name in CHECKS}, name
        table = pads.dataset(tmp_path / "mgdc_data" / f"BasicDataSet_v0.{name}", format="parquet",
                             partitioning="hive").to_table()
        written = {(str(d), s) for d, s in zip(table.column("date").to_pylist(),
                                               table.column("scope").to_pylist() if "scope" in table.column_names
                                               else [None] * table.num_rows)}
        scopes = [None] if name.startswith("SharePoint") else list(app.scope_keys)
        assert written == {(day, scope) for day in (first, last) for scope in scopes}, name
    with dg.DagsterInstance.from_config(str(home)) as instance:  # the ops claimed slots in the app's pool
        assert instance.event_log_storage.get_concurrency_info(pool_name(app)).slot_count == app.dagster.pool.limit
