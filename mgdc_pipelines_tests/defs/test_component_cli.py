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
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from dagster_shared.yaml_utils import parse_yamls_with_source_position
from jsonschema import Draft202012Validator

from mgdc_pipelines.spec import DEMO_SPEC_PATH, parse_spec
from mgdc_pipelines_tests.conftest import SMALL_TENANT_USERS

DG = Path(sys.executable).with_name("dg")

PYPROJECT = """\
[project]
name = "my_project"
version = "0.1.0"
requires-python = ">=3.11,<3.14"
dependencies = ["dagster", "mgdc-pipelines[dg]"]

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


def run_dg(project: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    home = project.parent / "dagster_home"  # a throwaway instance; no telemetry from tests
    home.mkdir(exist_ok=True)
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    environment = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(project / "src"), os.environ.get("PYTHONPATH")])),
        "DAGSTER_HOME": str(home),
        "DG_CLI_CONFIG": str(project.parent / "no-user-dg.toml"),  # the developer's own dg.toml stays out
        "NO_COLOR": "1",
        **(env or {}),
    }
    return subprocess.run([str(DG), *args], cwd=project, capture_output=True, text=True, env=environment, timeout=180)


def scaffold(project: Path, name: str) -> Path:
    """`dg scaffold defs mgdc_pipelines.MgdcApp <name>`; returns the defs.yaml it wrote."""
    result = run_dg(project, "scaffold", "defs", "mgdc_pipelines.MgdcApp", name)
    assert result.returncode == 0, result.stdout + result.stderr
    return project / "src" / "my_project" / "defs" / name / "defs.yaml"


def shrink(defs_yaml: Path, datasets: tuple[str, ...] = ("Message_v1", "User_v1", "SharePointSites_v1")) -> dict:
    """The scaffolded app cut to a few datasets on a small tenant (quick to load); its attributes."""
    document = yaml.safe_load(defs_yaml.read_text())
    attributes = document["attributes"]
    attributes.pop("downstream")
    attributes["source"]["users"] = SMALL_TENANT_USERS
    attributes["datasets"] = [d for d in attributes["datasets"] if d["name"] in datasets]
    defs_yaml.write_text(yaml.safe_dump(document, sort_keys=False))
    return attributes


def listed_assets(project: Path) -> list[dict]:
    listed = run_dg(project, "list", "defs", "--json")
    assert listed.returncode == 0, listed.stdout + listed.stderr
    return json.loads(listed.stdout)["assets"]


@pytest.fixture
def project(tmp_path) -> Path:
    root = tmp_path / "my_project"
    write_dg_project(root)
    return root


@pytest.fixture(scope="module")
def scaffolded(tmp_path_factory) -> str:
    """The defs.yaml `dg scaffold defs mgdc_pipelines.MgdcApp people_analytics` writes (`dg`
    starts in seconds: the tests that only edit the scaffold share one)."""
    root = tmp_path_factory.mktemp("scaffold") / "my_project"
    write_dg_project(root)
    return scaffold(root, "people_analytics").read_text()


def with_app(project: Path, text: str, name: str = "people_analytics") -> Path:
    """The scaffolded defs.yaml placed in ``project`` (as `dg scaffold` would write it there)."""
    defs_yaml = project / "src" / "my_project" / "defs" / name / "defs.yaml"
    defs_yaml.parent.mkdir(parents=True)
    defs_yaml.write_text(text)
    return defs_yaml


def edit(defs_yaml: Path, change) -> None:
    document = yaml.safe_load(defs_yaml.read_text())
    change(document["attributes"])
    defs_yaml.write_text(yaml.safe_dump(document, sort_keys=False))


def test_dg_scaffold_writes_an_app_of_the_given_name_with_the_demo_comments_and_relative_paths(project, scaffolded):
    defs_yaml = with_app(project, scaffolded)
    text = defs_yaml.read_text()
    attributes = yaml.safe_load(text)["attributes"]
    assert yaml.safe_load(text)["type"] == "mgdc_pipelines.MgdcApp"
    assert attributes["app"]["name"] == "people_analytics"
    assert attributes["dagster"]["key_prefix"] == ["people_analytics"]

    demo_comments = {line.strip() for line in DEMO_SPEC_PATH.read_text().splitlines() if line.strip().startswith("# ")}
    kept = {line.strip() for line in text.splitlines() if line.strip().startswith("# ")} & demo_comments
    assert len(kept) >= len(demo_comments) - 12, "the demo's comments explain the fields: keep them"
    assert "# Mail: metadata and previews only; message bodies and attachment contents stay in Exchange." in kept
    assert re.search(r"^    name: people_analytics +# Dagster asset group", text, re.MULTILINE)

    assert "/tmp" not in text and "{{ cwd }}" not in text  # relative paths: the project can move
    assert "admin_key" not in text and "demo-admin" not in text  # trusted keys are the deployment's
    spec = parse_spec(yaml.safe_dump(attributes), source=str(defs_yaml))
    assert normalized(spec.sink.resolved_path()) == project / "mgdc_data" / "people_analytics"
    assert normalized(spec.consent.authorization_path()) == project / ".mgdc_state" / "people_analytics.authorization.json"
    assert normalized(spec.consent.state_path()) == project / ".mgdc_state"

    checked = run_dg(project, "check", "yaml")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "All component YAML validated successfully." in checked.stdout

    # The schema `dg utils configure-editor` installs in VS Code / Cursor: it knows the fields.
    schema_path = project / "component-schema.json"
    generated = run_dg(project, "utils", "generate-component-schema", "--output-path", str(schema_path))
    assert generated.returncode == 0, generated.stdout + generated.stderr
    editor = Draft202012Validator(json.loads(schema_path.read_text()))
    document = parse_yamls_with_source_position(text, filename=str(defs_yaml))[0].value
    assert editor.is_valid(document)
    document["attributes"]["sink"]["compresion"] = document["attributes"]["sink"].pop("compression")
    assert not editor.is_valid(document)


def normalized(path: Path) -> Path:
    return Path(os.path.normpath(path))


def test_dg_check_defs_and_list_defs_show_the_scaffolded_apps_assets(project, scaffolded):
    attributes = shrink(with_app(project, scaffolded))

    checked = run_dg(project, "check", "defs")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "All definitions loaded successfully." in checked.stdout

    assets = listed_assets(project)
    assert {asset["asset_key"] for asset in assets} == {
        "people_analytics/Message_v1", "people_analytics/User_v1", "people_analytics/SharePointSites_v1"
    }
    assert len(attributes["datasets"]) == 3
    assert {asset["source"] for asset in assets} == {"src/my_project/defs/people_analytics/defs.yaml:1"}


# (path of a field in the attributes, a misspelling of its name)
MISSPELLINGS = [
    (("app", "owner"), "ownr"),
    (("sink", "compression"), "compresion"),  # inside the sink's type-tagged union
    (("source", "seed"), "sede"),  # a synthetic tenant option (TenantConfig's fields)
    (("datasets", 0, "date_filter_column"), "date_filter_colum"),
    (("consent", "state_dir"), "statedir"),  # inside an optional block
    (("dagster", "max_partitions_per_run"), "max_partition_per_run"),
    (("downstream", 1, "inputs"), "input"),
    (("partitions",), "partition"),
]


def misspell(attributes: dict) -> None:
    for path, wrong in MISSPELLINGS:
        parent = attributes
        for part in path[:-1]:
            parent = parent[part]
        parent[wrong] = parent.pop(path[-1])


def test_dg_check_yaml_names_every_misspelled_field(project, scaffolded):
    defs_yaml = with_app(project, scaffolded)
    edit(defs_yaml, misspell)

    checked = run_dg(project, "check", "yaml")
    output = checked.stdout + checked.stderr
    assert checked.returncode == 1, output
    for path, wrong in MISSPELLINGS:
        where = ".".join(map(str, ("attributes", *path[:-1], wrong)))
        assert f"{where} Additional properties are not allowed ('{wrong}' was unexpected)" in output, where
    assert "not valid under any of the given schemas" not in output
    assert str(defs_yaml) in output  # which file to fix

    defs_checked = run_dg(project, "check", "defs")  # checks the YAML first, loads nothing broken
    assert defs_checked.returncode == 1
    assert "'sede' was unexpected" in defs_checked.stdout + defs_checked.stderr


def break_values(attributes: dict) -> None:
    attributes["datasets"][0]["name"] = "Message_v9"
    attributes["datasets"][1]["columns"] = ["subjcet"]
    attributes["scopes"]["sales"] = [f"{i:08d}-0000-0000-0000-000000000000" for i in range(11)]


BAD_VALUE_PROBLEMS = [
    "datasets[0].name: unknown MGDC dataset 'Message_v9'; did you mean 'Message_v1'",
    "datasets[1].columns[0]: SentItem_v1 has no column 'subjcet'; did you mean 'subject'?",
    "scopes.sales: 11 groups; MGDC allows at most 10 per scope",
]


def test_dg_check_defs_names_the_field_of_every_bad_value(project, scaffolded):
    """Values are the spec's to check (one code path with `mgdc-pipelines validate`)."""
    defs_yaml = with_app(project, scaffolded)
    edit(defs_yaml, break_values)

    assert run_dg(project, "check", "yaml").returncode == 0  # values, not shapes: the schema lets them by
    checked = run_dg(project, "check", "defs")
    output = checked.stdout + checked.stderr
    assert checked.returncode != 0
    for problem in BAD_VALUE_PROBLEMS:
        assert problem in output
    assert str(defs_yaml) in output  # which file to fix


def test_env_templates_are_rendered_by_the_spec_loader(project, scaffolded):
    """`{{ env.NAME }}` works in any field, numbers included; unset, the error names the field."""
    defs_yaml = with_app(project, scaffolded)
    shrink(defs_yaml)

    def templated(attributes: dict) -> None:
        attributes["app"]["tenant_id"] = "{{ env.MGDC_TEST_TENANT_ID }}"
        attributes["dagster"]["max_partitions_per_run"] = "{{ env.MGDC_TEST_RUN_SIZE }}"

    edit(defs_yaml, templated)
    tenant = "0f3c1d52-7f45-4c59-9a1e-2a6f0e6f8d11"
    checked = run_dg(project, "check", "defs", env={"MGDC_TEST_TENANT_ID": tenant, "MGDC_TEST_RUN_SIZE": "7"})
    assert checked.returncode == 0, checked.stdout + checked.stderr  # the YAML check included

    unset = run_dg(project, "check", "defs", env={"MGDC_TEST_RUN_SIZE": "7"})
    assert unset.returncode != 0
    assert "app.tenant_id: environment variable MGDC_TEST_TENANT_ID is not set" in unset.stdout + unset.stderr


def test_two_mgdc_apps_load_side_by_side_in_one_project(project):
    """Two MgdcApp components, different names and sinks, in one code location."""
    first, second = scaffold(project, "people_analytics"), scaffold(project, "sales_pilot")
    shrink(first)
    shrink(second, datasets=("User_v1", "Manager_v0"))

    checked = run_dg(project, "check", "defs")
    assert checked.returncode == 0, checked.stdout + checked.stderr

    keys = {asset["asset_key"] for asset in listed_assets(project)}
    assert keys == {
        "people_analytics/Message_v1", "people_analytics/User_v1", "people_analytics/SharePointSites_v1",
        "sales_pilot/User_v1", "sales_pilot/Manager_v0",
    }
