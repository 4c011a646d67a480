"""Paths pinned to the spec's folder: where an app reads and writes never depends on the
directory a command (or the Dagster code server) was started from."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from mgdc_pipelines import MgdcApp
from mgdc_pipelines.defs.names import resource_keys
from mgdc_pipelines.spec import DEMO_SPEC_PATH, SpecError, load_spec, parse_spec
from mgdc_pipelines_tests.conftest import demo_spec_dict, write_spec

DEMO_GRAPH = yaml.safe_load(DEMO_SPEC_PATH.with_name("demo-graph.yaml").read_text())


@pytest.fixture
def folders(tmp_path, monkeypatch):
    """A: the spec's folder; B: the working directory, somewhere else."""
    spec_folder, working_dir = tmp_path / "a", tmp_path / "b"
    spec_folder.mkdir()
    working_dir.mkdir()
    monkeypatch.chdir(working_dir)
    return spec_folder, working_dir


def local_spec(folder: Path, **consent) -> Path:
    raw = demo_spec_dict()
    raw["sink"]["path"] = "out/data"
    raw["consent"] = {"authorization": "consent/app.authorization.json", **consent}
    return write_spec(folder, raw)


def test_relative_sink_and_consent_paths_are_under_the_spec_folder_not_the_working_directory(folders):
    spec_folder, _ = folders
    spec = load_spec(local_spec(spec_folder, state_dir="./state"))
    assert spec.sink.path == str(spec_folder / "out" / "data")
    assert spec.sink.resolved_path() == spec_folder / "out" / "data"
    assert spec.sink.root_uri() == (spec_folder / "out" / "data").as_uri()
    assert spec.consent.authorization_path() == spec_folder / "consent" / "app.authorization.json"
    assert spec.consent.state_path() == spec_folder / "state"


def test_the_consent_state_defaults_to_the_pinned_authorization_folder(folders):
    spec_folder, _ = folders
    spec = load_spec(local_spec(spec_folder))
    assert spec.consent.state_path() == spec_folder / "consent"


def test_paths_do_not_move_when_the_working_directory_changes_after_loading(folders, monkeypatch):
    spec_folder, working_dir = folders
    spec = load_spec(local_spec(spec_folder))
    monkeypatch.chdir(working_dir.parent)
    assert spec.sink.resolved_path() == spec_folder / "out" / "data"
    assert spec.consent.authorization_path() == spec_folder / "consent" / "app.authorization.json"


def test_landing_source_folder_and_quarantine_are_under_the_spec_folder(folders):
    spec_folder, _ = folders
    raw = demo_spec_dict()
    raw["source"] = {"type": "landing", "path": "landing"}
    spec = load_spec(write_spec(spec_folder, raw))
    assert spec.source.path == str(spec_folder / "landing")
    assert spec.source.quarantine_dir == str(spec_folder / "mgdc_quarantine")  # the default, pinned too

    raw["source"]["quarantine_dir"] = "../quarantine"
    spec = load_spec(write_spec(spec_folder, raw))
    assert Path(spec.source.quarantine_dir) == spec_folder / ".." / "quarantine"


def test_graph_source_state_certificate_and_ca_bundle_are_under_the_spec_folder(folders):
    spec_folder, _ = folders
    raw = copy.deepcopy(DEMO_GRAPH)
    raw["source"].update(ca_bundle="tls/ca.pem", certificate_path="tls/app.pem", client_secret_env=None,
                         certificate_thumbprint="ab" * 20)
    raw["source"].pop("state_dir")  # its default: relative, so next to the spec
    spec = load_spec(write_spec(spec_folder, raw))
    assert spec.source.ca_bundle == str(spec_folder / "tls" / "ca.pem")
    assert spec.source.certificate_path == str(spec_folder / "tls" / "app.pem")
    assert spec.source.state_dir == str(spec_folder / ".mgdc_state" / "graph")


def test_cwd_template_is_the_working_directory_and_spec_dir_the_spec_folder(folders):
    spec_folder, working_dir = folders
    raw = demo_spec_dict()
    raw["sink"]["path"] = "{{ cwd }}/mgdc_data"
    raw["consent"] = {"authorization": "{{ spec_dir }}/app.authorization.json"}
    spec = load_spec(write_spec(spec_folder, raw))
    assert spec.sink.resolved_path() == working_dir / "mgdc_data"
    assert spec.consent.authorization_path() == spec_folder / "app.authorization.json"


def test_absolute_paths_are_kept_and_a_tilde_is_the_home_folder(folders, tmp_path, monkeypatch):
    spec_folder, _ = folders
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    raw = demo_spec_dict()
    raw["sink"]["path"] = "~/mgdc_data"
    raw["consent"] = {"authorization": str(tmp_path / "elsewhere" / "app.json")}
    spec = load_spec(write_spec(spec_folder, raw))
    assert spec.sink.resolved_path() == tmp_path / "home" / "mgdc_data"
    assert spec.consent.authorization_path() == tmp_path / "elsewhere" / "app.json"


def test_a_spec_given_as_text_resolves_against_the_working_directory(folders):
    _, working_dir = folders
    raw = demo_spec_dict()
    raw["sink"]["path"] = "out"
    assert parse_spec(yaml.safe_dump(raw)).sink.resolved_path() == working_dir / "out"


def test_the_bundled_demo_writes_where_the_command_runs(folders, monkeypatch):
    """`make demo` keeps writing ./mgdc_data and ./.mgdc_state of the directory it runs from,
    for each directory (the loader's cache does not hand one directory's paths to another)."""
    _, working_dir = folders
    spec = load_spec(DEMO_SPEC_PATH)
    assert spec.sink.resolved_path() == working_dir / "mgdc_data"
    assert spec.consent.authorization_path() == working_dir / ".mgdc_state" / "demo.authorization.json"
    assert spec.consent.state_path() == working_dir / ".mgdc_state"

    monkeypatch.chdir(working_dir.parent)
    monkeypatch.setenv("MGDC_GRAPH_CA_BUNDLE", "/etc/ssl/emulator-ca.pem")
    assert load_spec(DEMO_SPEC_PATH).sink.resolved_path() == working_dir.parent / "mgdc_data"
    graph = load_spec(DEMO_SPEC_PATH.with_name("demo-graph.yaml"))
    assert graph.sink.resolved_path() == working_dir.parent / "mgdc_data_graph"  # never the synthetic demo's


@pytest.mark.parametrize(
    "path, message",
    [
        ("", "a path cannot be empty"),
        ("data\x00/x", "a path cannot contain control characters"),
        ("data\n/x", "a path cannot contain control characters"),
        ("{{ spec-dir }}/data", "unknown template in a path; use {{ spec_dir }}, {{ cwd }} or {{ env.NAME }}"),
    ],
)
def test_a_path_that_cannot_be_pinned_is_a_problem_naming_the_field(path, message):
    raw = demo_spec_dict()
    raw["sink"]["path"] = path
    with pytest.raises(SpecError) as raised:
        parse_spec(yaml.safe_dump(raw), source="my.yaml")
    [problem] = raised.value.problems
    assert str(problem).startswith(f"sink.path: {message}")


def test_a_component_resolves_relative_paths_against_its_defs_yaml_folder(tmp_path, monkeypatch, admin_keys):
    from dagster.components.testing import create_defs_folder_sandbox

    monkeypatch.chdir(tmp_path)
    raw = demo_spec_dict()
    raw["sink"]["path"] = "data"
    raw["consent"] = {"authorization": "consent/app.authorization.json"}
    with create_defs_folder_sandbox() as sandbox:
        defs_yaml = {"type": "mgdc_pipelines.MgdcApp", "attributes": raw}
        path = sandbox.scaffold_component(MgdcApp, defs_yaml_contents=defs_yaml)
        assert path.resolve() != tmp_path.resolve()
        with sandbox.load_component_and_build_defs(defs_path=path) as (component, defs):
            spec = component.spec(source=str(path / "defs.yaml"))  # what build_defs is given
            assert Path(defs.resources[resource_keys(spec).sink].path) == path / "data"
            assert spec.consent.authorization_path() == path / "consent" / "app.authorization.json"


def test_the_scaffolded_component_does_not_write_to_the_filesystem_root():
    from dagster.components.testing import create_defs_folder_sandbox

    with create_defs_folder_sandbox() as sandbox:
        path = sandbox.scaffold_component(MgdcApp)
        with sandbox.load_component_and_build_defs(defs_path=path) as (component, defs):
            sink = Path(defs.resources[resource_keys(component.spec()).sink].path)
    assert sink.parent != Path(sink.anchor), sink
