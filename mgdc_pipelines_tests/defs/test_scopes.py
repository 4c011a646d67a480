"""Scopes exist when the code location loads: `dagster asset materialize` on a fresh instance.

The code location (``mgdc_pipelines.definitions``) syncs the authorized scopes into the instance
of ``$DAGSTER_HOME`` as it loads, so ``<day>|<scope>`` keys are accepted before any sensor tick;
a scope beyond the grant is still never added.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import dagster as dg
import yaml
from dagster.components.testing import create_defs_folder_sandbox

from mgdc_pipelines.consent.demo import ensure_demo_authorization
from mgdc_pipelines.consent.trust import DEMO_MODE_ENV
from mgdc_pipelines.defs.component import MgdcApp
from mgdc_pipelines.defs.ledger_anchor import InstanceLedgerAnchor
from mgdc_pipelines.defs.partitions import scope_partitions_name
from mgdc_pipelines.spec import DEMO_SPEC_PATH, SPEC_ENV_VAR, load_spec
from mgdc_pipelines_tests.defs.sensor_helpers import ENGINEERING, MARKETING, SALES, small_app

DAGSTER = Path(sys.executable).with_name("dagster")
DAY = "2026-11-26"


def materialize(asset: str, partition: str, cwd: Path, **env: str) -> subprocess.CompletedProcess:
    """`dagster asset materialize` against the code location, as a user types it."""
    command = [str(DAGSTER), "asset", "materialize", "-m", "mgdc_pipelines.definitions",
               "--select", asset, "--partition", partition]
    environment = {key: value for key, value in os.environ.items() if key != SPEC_ENV_VAR}
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, env={**environment, **env}, timeout=600)


def test_the_approved_demo_materializes_a_partition_on_a_fresh_instance_before_any_tick(tmp_path, monkeypatch):
    home = tmp_path / "dagster_home"
    home.mkdir()
    monkeypatch.chdir(tmp_path)  # the demo keeps its consent state and data in ./
    monkeypatch.setenv(DEMO_MODE_ENV, "1")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    app = load_spec(DEMO_SPEC_PATH)
    with dg.DagsterInstance.get() as instance:
        assert ensure_demo_authorization(app, anchor=InstanceLedgerAnchor(instance)) is not None
        assert instance.get_dynamic_partitions(scope_partitions_name(app)) == []  # no sensor ever ticked

    result = materialize("mgdc/User_v1", f"{DAY}|all", tmp_path)

    assert result.returncode == 0, result.stdout + result.stderr
    with dg.DagsterInstance.get() as instance:
        assert instance.get_dynamic_partitions(scope_partitions_name(app)) == ["all", "sales", "engineering"]
        assert instance.get_materialized_partitions(dg.AssetKey(["mgdc", "User_v1"])) == {f"{DAY}|all"}
    assert (tmp_path / "mgdc_data" / "BasicDataSet_v0.User_v1" / f"date={DAY}" / "scope=all").is_dir()


def test_a_scope_beyond_the_grant_is_not_added_at_load_and_cannot_be_materialized(small_spec_factory, tmp_path):
    small_spec_factory(small_app)  # the admin approves sales and engineering
    grown = small_spec_factory(lambda raw: small_app(raw, {"sales": [SALES], "engineering": [ENGINEERING],
                                                           "marketing": [MARKETING]}), approved=False)
    home = tmp_path / "dagster_home"
    home.mkdir()

    result = materialize("mgdc/User_v1", f"{DAY}|marketing", tmp_path,
                         DAGSTER_HOME=str(home), MGDC_SPEC=grown.spec_path)

    assert result.returncode != 0
    assert f"Could not find a partition with key `{DAY}|marketing`" in result.stdout + result.stderr
    with dg.instance_for_test(temp_dir=str(home)) as instance:
        assert instance.get_dynamic_partitions(scope_partitions_name(grown)) == ["sales", "engineering"]
        assert not instance.get_materialized_partitions(dg.AssetKey(["mgdc", "User_v1"]))


def test_an_mgdc_app_component_syncs_its_scopes_as_it_loads(small_spec, monkeypatch, tmp_path):
    (tmp_path / "dagster_home").mkdir()
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    attributes = yaml.safe_load(Path(small_spec.spec_path).read_text())
    with create_defs_folder_sandbox() as sandbox:
        path = sandbox.scaffold_component(MgdcApp, defs_yaml_contents={"type": "mgdc_pipelines.MgdcApp", "attributes": attributes})
        with sandbox.load_component_and_build_defs(defs_path=path):
            pass
    with dg.DagsterInstance.get() as instance:
        assert sorted(instance.get_dynamic_partitions(scope_partitions_name(small_spec))) == sorted(small_spec.scope_keys)
