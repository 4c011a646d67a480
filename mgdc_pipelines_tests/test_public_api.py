"""The package's public names: each resolves to its module's object, on first use.

``mgdc_pipelines`` imports them lazily, so that importing one part (the catalog, the spec, the
synthetic tenant, the emulators) does not load Dagster and the other parts' libraries; these
tests keep that promise and keep the lazy names the same objects an eager import gave.
"""

from __future__ import annotations

import ast
import importlib
import json
import subprocess
import sys
from pathlib import Path

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


def test_the_imports_type_checkers_read_name_the_same_modules_as_the_lazy_ones():
    """The ``if TYPE_CHECKING:`` imports are what editors resolve: they must not drift from
    ``_MODULES``."""
    tree = ast.parse(Path(mgdc_pipelines.__file__).read_text(encoding="utf-8"))
    ifs = [node for node in tree.body if isinstance(node, ast.If)]
    (guarded,) = [node for node in ifs if ast.unparse(node.test) == "TYPE_CHECKING"]
    imported = {node.module: sorted(alias.name for alias in node.names) for node in guarded.body}
    assert imported == {module: sorted(names) for module, names in _MODULES.items()}


def test_a_star_import_and_dir_see_every_public_name():
    namespace: dict = {}
    exec("from mgdc_pipelines import *", namespace)
    assert set(mgdc_pipelines.__all__) <= set(namespace)
    assert set(mgdc_pipelines.__all__) <= set(dir(mgdc_pipelines))


def test_a_name_the_package_does_not_export_is_an_attribute_error_naming_it():
    with pytest.raises(AttributeError, match="has no attribute 'build_def'"):
        mgdc_pipelines.build_def  # noqa: B018 (a misspelling of build_defs)


# What a part of the package must not load: Dagster and the other parts' heavy libraries.
HEAVY = ["dagster", "dagster_azure", "sqlalchemy", "azure.storage.blob", "deltalake", "msal"]


@pytest.mark.parametrize("module", [
    "mgdc_pipelines", "mgdc_pipelines.catalog", "mgdc_pipelines.spec",
    "mgdc_pipelines.sources.synthetic", "mgdc_pipelines.emulator",
])
def test_importing_one_part_of_the_package_does_not_load_dagster_or_the_others(module):
    loaded = f"[m for m in {HEAVY} if m in sys.modules]"
    probe = f"import json, sys, {module}; print(json.dumps({loaded}))"
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert json.loads(run.stdout) == []
