"""MgdcApp loaded the way `dg` loads it: Dagster's component sandbox, scaffolder and defs.yaml."""

from __future__ import annotations

import pytest
import yaml
from dagster.components.testing import create_defs_folder_sandbox

from mgdc_pipelines import MgdcApp, build_defs, parse_spec
from mgdc_pipelines.defs.component_scaffold import starter_attributes
from mgdc_pipelines.spec import SpecError
from mgdc_pipelines_tests.conftest import consent_block, demo_spec_dict


def keys_of(defs) -> set[str]:
    return {key.to_user_string() for key in defs.resolve_asset_graph().get_all_asset_keys()}


def test_a_defs_yaml_spec_gives_the_same_assets_as_build_defs(tmp_path, admin_keys):
    raw = demo_spec_dict(downstream=True)
    raw["sink"]["path"] = str(tmp_path / "data")
    raw["consent"] = consent_block(tmp_path, admin_keys)
    raw["datasets"] = raw["datasets"][:3] + [d for d in raw["datasets"] if d["name"] in ("CalendarView_v0", "User_v1", "Manager_v0", "TeamChat_v1", "SharePointSites_v1", "SharePointPermissions_v1")]
    expected = build_defs(parse_spec(yaml.safe_dump(raw)))

    with create_defs_folder_sandbox() as sandbox:
        path = sandbox.scaffold_component(MgdcApp, defs_yaml_contents={"type": "mgdc_pipelines.MgdcApp", "attributes": raw})
        with sandbox.load_component_and_build_defs(defs_path=path) as (component, defs):
            assert isinstance(component, MgdcApp)
            assert keys_of(defs) == keys_of(expected)
            assert {"mgdc/Message_v1", "demo/weekly_user_features"} <= keys_of(defs)
            assert sorted(job.name for job in defs.jobs) == sorted(job.name for job in expected.jobs)
            assert component.spec().name == "demo"


def test_dg_scaffold_writes_an_app_named_after_its_folder():
    with create_defs_folder_sandbox() as sandbox:
        path = sandbox.scaffold_component(MgdcApp, defs_path="people_analytics")
        written = yaml.safe_load((path / "defs.yaml").read_text())
        assert written["type"].endswith(".MgdcApp")  # the sandbox writes the defining module's path
        assert written["attributes"]["app"]["name"] == "people_analytics"
        with sandbox.load_component_and_build_defs(defs_path=path) as (component, defs):
            assert component.spec().name == "people_analytics"
            assert "people_analytics/Message_v1" in keys_of(defs)
            assert "people_analytics/weekly_user_features" in keys_of(defs)


def test_a_bad_attribute_is_reported_with_the_defs_yaml_and_the_field():
    raw = starter_attributes()
    raw["datasets"][0]["columns"] = ["subjcet"]
    with create_defs_folder_sandbox() as sandbox:
        path = sandbox.scaffold_component(MgdcApp, defs_yaml_contents={"type": "mgdc_pipelines.MgdcApp", "attributes": raw})
        with pytest.raises(Exception) as raised:
            with sandbox.load_component_and_build_defs(defs_path=path):
                pass
    error = raised.value
    while error is not None and not isinstance(error, SpecError):
        error = error.__cause__ or error.__context__
    assert isinstance(error, SpecError), raised.value
    assert error.source.endswith("defs.yaml")
    assert "datasets[0].columns[0]: Message_v1 has no column 'subjcet'; did you mean 'subject'?" in str(error)
