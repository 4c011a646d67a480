"""The catalog spec: every MGDC dataset of the catalog, copied from the synthetic tenant by
`make demo-catalog`, every consent check passing."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pyarrow.dataset as pads
import pytest
import yaml

from mgdc_pipelines.catalog import ScopeKind, list_datasets
from mgdc_pipelines.catalog.viva import is_viva_query
from mgdc_pipelines.spec import load_spec
from mgdc_pipelines_tests.conftest import write_spec

REPO = Path(__file__).resolve().parents[1]
CATALOG_SPEC = REPO / "mgdc_pipelines" / "specs" / "catalog.yaml"
MAKEFILE_TARGET = "MGDC_DEMO_MODE=1 $(BIN)/mgdc-pipelines demo --spec mgdc_pipelines/specs/catalog.yaml --days 1"


def test_the_catalog_spec_asks_for_every_dataset_the_catalog_knows():
    spec = load_spec(CATALOG_SPEC)
    declared = {item.dataset.name for item in spec.datasets}
    assert {ds.name for ds in list_datasets()} <= declared
    assert any(is_viva_query(name) for name in declared)  # and shows how to declare a Viva query
    assert all(item.columns == "all" for item in spec.datasets)


def test_make_demo_catalog_runs_the_catalog_spec():
    assert MAKEFILE_TARGET in (REPO / "Makefile").read_text()


@pytest.fixture(scope="module")
def catalog_demo(tmp_path_factory):
    """`make demo-catalog` on a 20-person tenant: one day of every dataset."""
    folder = tmp_path_factory.mktemp("catalog-demo")
    raw = yaml.safe_load(CATALOG_SPEC.read_text())
    raw["source"]["users"] = 20
    spec_path = write_spec(folder, raw)
    home = folder / "dagster_home"
    env = {**os.environ, "DAGSTER_HOME": str(home), "MGDC_DEMO_MODE": "1"}
    command = [str(Path(sys.executable).with_name("mgdc-pipelines")), "demo", "--spec", str(spec_path), "--days", "1"]
    result = subprocess.run(command, cwd=folder, env=env, capture_output=True, text=True, timeout=900)
    return result, load_spec(spec_path), home, folder


def test_every_dataset_is_materialized_and_passes_its_consent_checks(catalog_demo):
    result, spec, home, _ = catalog_demo
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 of 2 runs succeeded" in result.stdout
    for item in spec.datasets:
        line = re.search(rf"^{re.escape(item.dataset.short_name)}\s+(\d+)\s+([\d,]+)\s", result.stdout, re.M)
        assert line and int(line.group(1)) == 1, f"{item.name} missing from the summary:\n{result.stdout}"
    with dg.DagsterInstance.from_config(str(home)) as instance:
        evaluations = [
            record.get_dagster_event().asset_check_evaluation_data
            for run in instance.get_runs()
            for record in instance.all_logs(run.run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION)
        ]
    checked = {evaluation.asset_key.path[-1] for evaluation in evaluations}
    assert checked == {item.dataset.short_name for item in spec.datasets}
    assert all(evaluation.passed for evaluation in evaluations)


def test_rows_carry_the_scope_column_of_their_kind(catalog_demo):
    """User-scoped rows name their user, group-scoped rows their group, tenant-wide rows neither."""
    _, spec, _, cwd = catalog_demo
    folder = cwd / "mgdc_data_catalog"  # the spec's sink: {{ cwd }}/mgdc_data_catalog
    for item in spec.datasets:
        table = pads.dataset(folder / item.dataset.name, format="parquet", partitioning="hive").to_table()
        names = set(table.schema.names)
        kind = item.dataset.scope
        assert ("puser" in names) == (kind is ScopeKind.USER or "puser" in item.dataset.column_names), item.name
        assert ("pObjectId" in names) == (kind is ScopeKind.GROUP), item.name
        assert table.column("ptenant").unique().to_pylist() in ([], [spec.app.tenant_id]), item.name
