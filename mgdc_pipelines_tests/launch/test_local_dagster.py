"""A real dagster-webserver started by LocalDagster: the workspace loads, and problems are named."""

from __future__ import annotations

import pytest
import yaml

from mgdc_pipelines.launch.demo import LOCATION_NAME, WORKSPACE_YAML
from mgdc_pipelines.launch.local_dagster import LocalDagster, LocalDagsterError
from mgdc_pipelines.defs.partitions import partition_tags
from mgdc_pipelines.launch.submit import launch_run
from mgdc_pipelines_tests.conftest import demo_spec_dict, write_spec
from mgdc_pipelines_tests.test_cli_demo import REPO


def test_the_demo_launches_runs_in_the_code_location_make_ui_shows():
    assert yaml.safe_load(WORKSPACE_YAML) == yaml.safe_load((REPO / "workspace.yaml").read_text())
    assert yaml.safe_load(WORKSPACE_YAML)["load_from"][0]["python_module"]["location_name"] == LOCATION_NAME


def test_a_spec_the_code_location_cannot_load_is_named_in_the_error(tmp_path):
    raw = demo_spec_dict()
    raw["datasets"][0]["columns"] = ["subjcet"]
    bad = write_spec(tmp_path, raw)
    with pytest.raises(LocalDagsterError) as caught:
        with LocalDagster(REPO / "workspace.yaml", tmp_path / "home", cwd=tmp_path, env={"MGDC_SPEC": str(bad)}):
            pass
    assert "code location 'mgdc_pipelines' did not load" in str(caught.value)
    assert "Message_v1 has no column 'subjcet'; did you mean 'subject'?" in str(caught.value)


def test_a_launch_the_webserver_refuses_says_why_and_the_processes_stop(tmp_path):
    spec = write_spec(tmp_path, demo_spec_dict())
    dagster = LocalDagster(REPO / "workspace.yaml", tmp_path / "home", cwd=tmp_path,
                           env={"MGDC_SPEC": str(spec), "MGDC_DEMO_MODE": "1"})
    with dagster:
        assert dagster.location == (LOCATION_NAME, "__repository__")
        with pytest.raises(LocalDagsterError, match=r"the run of no_such_job was refused \(PipelineNotFoundError\)"):
            launch_run(dagster, "no_such_job", partition_tags("2026-11-22"))
        webserver = dagster._processes[0]
    assert webserver.poll() is not None  # stopped with the block
    assert (dagster.log_dir / "dagster-webserver.log").stat().st_size > 0
