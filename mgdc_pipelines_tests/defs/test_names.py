"""Per-app names, and the import cycle they broke: sensors and schedules never import build.py."""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path

import pytest

from mgdc_pipelines.defs.names import daily_schedule_name, resource_keys
from mgdc_pipelines.spec import DEMO_SPEC_PATH, load_spec

BUILT_BY_BUILD = ("availability", "change_sensor", "schedules", "sensors", "names")


def imported_modules(module: str) -> set[str]:
    """Every module ``module`` imports, at the top or inside a function."""
    tree = ast.parse(Path(importlib.util.find_spec(module).origin).read_text())
    return {
        node.module if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(tree)
        if isinstance(node, (ast.Import, ast.ImportFrom))
        for alias in node.names
    }


@pytest.mark.parametrize("module", BUILT_BY_BUILD)
def test_what_build_py_imports_does_not_import_it_back(module):
    imports = imported_modules(f"mgdc_pipelines.defs.{module}")
    assert "mgdc_pipelines.defs.build" not in imports and "mgdc_pipelines.defs" not in imports


def test_resource_keys_are_the_apps_own():
    app = load_spec(DEMO_SPEC_PATH)
    other = app.model_copy(update={"app": app.app.model_copy(update={"name": "people"})})
    assert set(vars(resource_keys(app)).values()).isdisjoint(vars(resource_keys(other)).values())
    assert vars(resource_keys(other)) == {
        "source": "people_mgdc_source", "sink": "people_mgdc_sink", "consent": "people_mgdc_consent",
        "loader": "people_mgdc_loader", "downstream_io": "people_mgdc_downstream_io",
    }


def test_a_schedule_is_named_after_its_job_even_when_the_app_name_holds_copy():
    assert daily_schedule_name("copy_of_hr_copy") == "copy_of_hr_daily"
    assert daily_schedule_name("hr_copy_sharepoint_copy") == "hr_copy_sharepoint_daily"
