"""The package's public names: each resolves to its module's object, on first use.

``mgdc_pipelines`` imports them lazily, so that importing one part (the catalog, a source, a
sink) does not load Dagster and everything else; these tests keep that promise and keep the
lazy names the same objects an eager import gave.
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys

import pytest

import mgdc_pipelines
from mgdc_pipelines import _MODULES


def test_every_public_name_is_exported_from_one_module_and_is_that_modules_object():
    listed = [name for names in _MODULES.values() for name in names]
    assert len(listed) == len(set(listed))
    assert set(mgdc_pipelines.__all__) == {*listed, "__version__"}
    for module, names in _MODULES.items():
        for name in names:
            assert getattr(mgdc_pipelines, name) is getattr(importlib.import_module(module), name)


def test_a_star_import_and_dir_see_every_public_name():
    namespace: dict = {}
    exec("from mgdc_pipelines import *", namespace)
    assert set(mgdc_pipelines.__all__) <= set(namespace)
    assert set(mgdc_pipelines.__all__) <= set(dir(mgdc_pipelines))


def test_a_name_the_package_does_not_export_is_an_attribute_error_naming_it():
    with pytest.raises(AttributeError, match="has no attribute 'build_def'"):
        mgdc_pipelines.build_def  # noqa: B018 (a misspelling of build_defs)


LOADED = "import sys, {module}; print(json.dumps(sorted(m for m in {heavy} if m in sys.modules)))"


@pytest.mark.parametrize("module, allowed", [
    ("mgdc_pipelines", []),
    ("mgdc_pipelines.catalog", []),
    ("mgdc_pipelines.spec", []),
    ("mgdc_pipelines.sources.synthetic", []),
    ("mgdc_pipelines.emulator", []),
])
def test_importing_one_part_of_the_package_does_not_load_dagster_or_the_other_parts(module, allowed):
    heavy = ["dagster", "dagster_azure", "sqlalchemy", "azure.storage.blob", "deltalake", "msal"]
    probe = "import json\n" + LOADED.format(module=module, heavy=heavy)
    printed = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert json.loads(printed) == allowed
