"""MgdcApp through the real `dg` executable, in a dg project laid out as `dg scaffold project` lays it out.

The project is written by hand so that no `uv` download is needed: `pyproject.toml` with
`[tool.dg]`, `src/my_project/definitions.py` loading the `defs/` folder. `dg` runs from this
venv, where mgdc-pipelines is installed (its `dagster_dg_cli.registry_modules` entry point is
what makes `mgdc_pipelines.MgdcApp` a known type). `PYTHONPATH=src` stands in for the
editable install of the user's own package that `uv sync` would make.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from mgdc_pipelines import build_defs, parse_spec
from mgdc_pipelines.defs.component import starter_attributes
from mgdc_pipelines_tests.conftest import SMALL_TENANT_USERS, consent_block
from mgdc_pipelines_tests.defs.test_component import keys_of

DG = Path(sys.executable).with_name("dg")

PYPROJECT = """\
[project]
name = "my_project"
version = "0.1.0"
requires-python = ">=3.11,<3.14"
dependencies = ["dagster", "mgdc-pipelines"]

[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"

[tool.dg]
directory_type = "project"

[tool.dg.project]
root_module = "my_project"
registry_modules = ["my_project.components.*"]
"""

DEFINITIONS_PY = """\
from pathlib import Path

from dagster import definitions, load_from_defs_folder


@definitions
def defs():
    return load_from_defs_folder(path_within_project=Path(__file__).parent)
"""


def write_dg_project(root: Path) -> Path:
    """The files `dg scaffold project my_project` writes that `dg` reads; returns the defs folder."""
    package = root / "src" / "my_project"
    (package / "defs").mkdir(parents=True)
    (root / "pyproject.toml").write_text(PYPROJECT)
    (package / "__init__.py").write_text("")
    (package / "definitions.py").write_text(DEFINITIONS_PY)
    (package / "defs" / "__init__.py").write_text("")
    return package / "defs"


def run_dg(project: Path, *args: str) -> subprocess.CompletedProcess:
    home = project.parent / "dagster_home"  # a throwaway instance; no telemetry from tests
    home.mkdir(exist_ok=True)
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(project / "src"), os.environ.get("PYTHONPATH")])),
        "DAGSTER_HOME": str(home),
        "DG_CLI_CONFIG": str(project.parent / "no-user-dg.toml"),  # the developer's own dg.toml stays out
        "NO_COLOR": "1",
    }
    return subprocess.run([str(DG), *args], cwd=project, capture_output=True, text=True, env=env, timeout=120)


def small_app(folder: Path, keys) -> dict:
    """The demo app cut to three datasets on a small tenant; consent pending (never approved)."""
    attributes = starter_attributes()
    attributes.pop("downstream")
    attributes["source"]["users"] = SMALL_TENANT_USERS
    attributes["sink"]["path"] = str(folder / "data")
    attributes["consent"] = consent_block(folder, keys)
    attributes["datasets"] = [d for d in attributes["datasets"] if d["name"] in ("Message_v1", "User_v1", "SharePointSites_v1")]
    return attributes


@pytest.fixture
def scaffolded_app(tmp_path) -> tuple[Path, Path]:
    """`dg scaffold defs mgdc_pipelines.MgdcApp my_app` run in a fresh dg project."""
    project = tmp_path / "my_project"
    defs_folder = write_dg_project(project)
    result = run_dg(project, "scaffold", "defs", "mgdc_pipelines.MgdcApp", "my_app")
    assert result.returncode == 0, result.stdout + result.stderr
    return project, defs_folder / "my_app" / "defs.yaml"


def test_dg_scaffold_then_check_and_list_show_the_apps_assets(scaffolded_app, tmp_path, admin_keys):
    project, defs_yaml = scaffolded_app
    scaffolded = yaml.safe_load(defs_yaml.read_text())
    assert scaffolded == {"type": "mgdc_pipelines.MgdcApp", "attributes": starter_attributes()}

    attributes = small_app(tmp_path, admin_keys)
    defs_yaml.write_text(yaml.safe_dump({"type": "mgdc_pipelines.MgdcApp", "attributes": attributes}, sort_keys=False))
    assert not Path(attributes["consent"]["authorization"]).exists()  # pending: assets load all the same

    checked = run_dg(project, "check", "defs")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "All definitions loaded successfully." in checked.stdout

    listed = run_dg(project, "list", "defs", "--json")
    assert listed.returncode == 0, listed.stdout + listed.stderr
    assets = json.loads(listed.stdout)["assets"]
    expected = keys_of(build_defs(parse_spec(yaml.safe_dump(attributes))))
    assert {asset["asset_key"] for asset in assets} == expected
    assert {"mgdc/Message_v1", "mgdc/User_v1", "mgdc/SharePointSites_v1"} <= expected
    assert {asset["source"] for asset in assets} == {"src/my_project/defs/my_app/defs.yaml:1"}


@pytest.mark.parametrize(
    ("break_it", "problem"),
    [
        (
            lambda attributes: attributes["datasets"][0].update(name="Message_v9"),
            "datasets[0].name: unknown MGDC dataset 'Message_v9'; did you mean 'Message_v1'",
        ),
        (
            lambda attributes: attributes.update(dataset=attributes.pop("datasets")),
            "attributes.dataset Additional properties are not allowed ('dataset' was unexpected)",
        ),
    ],
    ids=["unknown-dataset", "misspelled-attribute"],
)
def test_dg_check_defs_fails_naming_the_field_of_a_broken_defs_yaml(scaffolded_app, tmp_path, admin_keys, break_it, problem):
    project, defs_yaml = scaffolded_app
    attributes = small_app(tmp_path, admin_keys)
    break_it(attributes)
    defs_yaml.write_text(yaml.safe_dump({"type": "mgdc_pipelines.MgdcApp", "attributes": attributes}, sort_keys=False))

    checked = run_dg(project, "check", "defs")
    assert checked.returncode != 0
    output = checked.stdout + checked.stderr
    assert problem in output
    assert str(defs_yaml) in output  # which file to fix
