"""What a new user runs: `dagster definitions validate` on workspace.yaml and the demo command."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import dagster as dg
import pyarrow.dataset as pads
import yaml

from mgdc_pipelines.consent.trust import DEMO_MODE_NOTICE
from mgdc_pipelines.launch.local_dagster import LocalDagster, free_port
from mgdc_pipelines.spec import load_spec
from mgdc_pipelines_tests.conftest import demo_spec_dict, write_spec

REPO = Path(__file__).resolve().parents[1]
DAGSTER = Path(sys.executable).with_name("dagster")


def run(command: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, env={**os.environ, **env}, timeout=600)


def test_workspace_loads_and_definitions_validate(tmp_path):
    result = run(
        [str(DAGSTER), "definitions", "validate", "-w", str(REPO / "workspace.yaml")],
        cwd=REPO,
        DAGSTER_HOME=str(tmp_path),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Validation successful" in result.stdout + result.stderr


def test_workspace_fails_validation_with_the_spec_problem_for_a_bad_mgdc_spec(tmp_path):
    raw = demo_spec_dict()
    raw["datasets"][0]["columns"] = ["subjcet"]
    bad = write_spec(tmp_path, raw)
    result = run(
        [str(DAGSTER), "definitions", "validate", "-w", str(REPO / "workspace.yaml")],
        cwd=REPO,
        DAGSTER_HOME=str(tmp_path),
        MGDC_SPEC=str(bad),
    )
    assert result.returncode == 1
    assert "datasets[0].columns[0]: Message_v1 has no column 'subjcet'; did you mean 'subject'?" in result.stdout + result.stderr


def test_demo_command_materializes_every_dataset_and_prints_a_summary(tmp_path):
    raw = demo_spec_dict(downstream=True)
    raw["source"]["users"] = 30
    spec_path = write_spec(tmp_path, raw)  # sink and consent state are under the working directory
    home = tmp_path / "dagster_home"
    result = run(
        [str(Path(sys.executable).with_name("mgdc-pipelines")), "demo", "--spec", str(spec_path)],
        cwd=tmp_path,
        DAGSTER_HOME=str(home),
        MGDC_DEMO_MODE="1",  # what `make demo` sets
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith(DEMO_MODE_NOTICE)
    assert "DEMO ONLY: approved the app with the bundled demo admin key" in result.stdout
    spec = load_spec(spec_path)

    # The last complete Sunday-to-Saturday week, progress lines as the runs end, then a summary
    # table: one line per dataset, with partitions = 7 days × scopes (× 1 for SharePoint).
    week = dg.WeeklyPartitionsDefinition(start_date="2026-01-01").get_last_partition_key()
    assert f"then the downstream week of {week}" in result.stdout
    assert re.search(rf"^  ok +demo_copy {week}\|all \.\. \S+\|all: 84 partitions materialized in \d+ s", result.stdout, re.M)
    for item in spec.datasets:
        dataset = item.dataset
        expected_partitions = 7 if dataset.scope.value == "none" else 7 * len(spec.scopes)
        line = re.search(rf"^{dataset.short_name}\s+(\d+)\s+([\d,]+)\s", result.stdout, re.M)
        assert line, f"{dataset.short_name} missing from the summary:\n{result.stdout}"
        assert int(line.group(1)) == expected_partitions

        # Parquet readable with pyarrow.dataset, with the catalog's types.
        folder = tmp_path / "mgdc_data" / dataset.name
        table = pads.dataset(folder, format="parquet", partitioning="hive").to_table()
        expected = dataset.output_schema(item.selected_columns)
        for field in expected:
            assert table.schema.field(field.name).type == field.type, (dataset.name, field.name)
    assert "make ui" in result.stdout
    assert f"Downstream assets for the week of {week}" in result.stdout
    assert re.search(r"^  demo/collaboration_personas +\d+ rows, silhouette", result.stdout, re.M)
    runs = len(spec.scopes) + 2  # one range run per scope, one for SharePoint, one for the week
    assert f"{runs} of {runs} runs succeeded" in result.stdout

    # The persistent instance holds the runs and materializations the UI will show.
    with dg.DagsterInstance.from_config(str(home)) as instance:
        runs = instance.get_runs()
        assert len(runs) == len(spec.scopes) + 2
        assert all(run.is_success for run in runs)
        key = dg.AssetKey(["mgdc", "Message_v1"])
        assert len(instance.fetch_materializations(key, limit=100).records) == 7 * len(spec.scopes)
    assert yaml.safe_load((home / "dagster.yaml").read_text()) == {"telemetry": {"enabled": False}}

    # `make ui` afterwards: a real dagster-webserver on the same DAGSTER_HOME shows them, each
    # run under its job (runs launched against the code location, not executed in process).
    nodes, runs_by_job = ui_view(home, spec_path, cwd=tmp_path)
    assert nodes["mgdc/Message_v1"]["partitionStats"]["numMaterialized"] == 7 * len(spec.scopes)
    assert nodes["mgdc/SharePointSites_v1"]["partitionStats"]["numMaterialized"] == 7
    assert nodes["demo/collaboration_personas"]["partitionStats"]["numMaterialized"] == 1
    for key, node in nodes.items():  # the blocking consent checks passed on every dataset
        if key.startswith("demo/"):
            continue
        checks = {c["name"]: (c["blocking"], c["executionForLatestMaterialization"]["status"])
                  for c in node["assetChecksOrError"]["checks"]}
        assert checks == {name: (True, "SUCCEEDED") for name in
                          ("consented_columns", "scope_compliance", "transforms_applied")}, key
    assert runs_by_job == {"demo_copy": ["SUCCESS"] * len(spec.scopes), "demo_sharepoint_copy": ["SUCCESS"],
                           "demo_downstream_weekly": ["SUCCESS"]}


UI_QUERY = """{ assetNodes { assetKey { path } partitionStats { numMaterialized }
  assetChecksOrError { ... on AssetChecks { checks { name blocking
    executionForLatestMaterialization { status } } } } } }"""
JOB_RUNS = """query($params: PipelineSelector!) { pipelineOrError(params: $params) {
  __typename ... on Pipeline { runs { status } } } }"""


def ui_view(home: Path, spec_path: Path, cwd: Path,
            jobs=("demo_copy", "demo_sharepoint_copy", "demo_downstream_weekly")):
    """Asset nodes by key, and each job's runs (as its page in the UI lists them), from a real
    dagster-webserver's GraphQL API."""
    env = {"MGDC_SPEC": str(spec_path), "MGDC_DEMO_MODE": "1"}
    with LocalDagster(REPO / "workspace.yaml", home, cwd=cwd, env=env) as dagster:
        nodes = dagster.graphql(UI_QUERY)["assetNodes"]
        location, repository = dagster.location
        runs_by_job = {}
        for job in jobs:
            params = {"pipelineName": job, "repositoryName": repository, "repositoryLocationName": location}
            found = dagster.graphql(JOB_RUNS, params=params)["pipelineOrError"]
            runs_by_job[job] = [run["status"] for run in found["runs"]]
    return {"/".join(n["assetKey"]["path"]): n for n in nodes}, runs_by_job
