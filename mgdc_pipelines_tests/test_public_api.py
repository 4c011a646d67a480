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
import mgdc_pipelines.consent
import mgdc_pipelines.launch
import mgdc_pipelines.sinks
import mgdc_pipelines.sources.mgdc
import mgdc_pipelines.state

# The packages whose public names load on first use.
LAZY_PACKAGES = [
    mgdc_pipelines, mgdc_pipelines.consent, mgdc_pipelines.launch, mgdc_pipelines.sinks,
    mgdc_pipelines.sources.mgdc, mgdc_pipelines.state,
]
lazy = pytest.mark.parametrize("package", LAZY_PACKAGES, ids=lambda package: package.__name__)


@lazy
def test_every_public_name_is_exported_from_one_module_and_is_that_modules_object(package):
    listed = [name for names in package._MODULES.values() for name in names]
    assert len(listed) == len(set(listed))
    assert set(package.__all__) - {"__version__"} == set(listed)
    for module, names in package._MODULES.items():
        for name in names:
            assert getattr(package, name) is getattr(importlib.import_module(module), name)


@lazy
def test_the_imports_type_checkers_read_name_the_same_modules_as_the_lazy_ones(package):
    """The ``if TYPE_CHECKING:`` imports are what editors resolve: they must not drift from
    ``_MODULES``."""
    tree = ast.parse(Path(package.__file__).read_text(encoding="utf-8"))
    ifs = [node for node in tree.body if isinstance(node, ast.If)]
    (guarded,) = [node for node in ifs if ast.unparse(node.test) == "TYPE_CHECKING"]
    imported = {node.module: sorted(alias.name for alias in node.names) for node in guarded.body}
    assert imported == {module: sorted(names) for module, names in package._MODULES.items()}


@lazy
def test_a_star_import_and_dir_see_every_public_name(package):
    namespace: dict = {}
    exec(f"from {package.__name__} import *", namespace)
    assert set(package.__all__) <= set(namespace)
    assert set(package.__all__) <= set(dir(package))


def test_a_name_the_package_does_not_export_is_an_attribute_error_naming_it():
    with pytest.raises(AttributeError, match="has no attribute 'build_def'"):
        mgdc_pipelines.build_def  # noqa: B018 (a misspelling of build_defs)


# What a part of the package must not load: Dagster and the other parts' heavy libraries.
HEAVY = ["dagster", "dagster_azure", "sqlalchemy", "azure.storage.blob", "deltalake", "msal"]


@pytest.mark.parametrize("module", [
    "mgdc_pipelines", "mgdc_pipelines.catalog", "mgdc_pipelines.spec",
    "mgdc_pipelines.sources.synthetic", "mgdc_pipelines.emulator", "mgdc_pipelines.launch",
    # The consent errors and the verification of written rows load neither the audit log's
    # database nor the sinks; a local folder sink loads neither Azure nor delta-rs.
    "mgdc_pipelines.consent", "mgdc_pipelines.consent.errors", "mgdc_pipelines.consent.verify",
    "mgdc_pipelines.sinks", "mgdc_pipelines.sinks.local",
    # Naming the state database's setting, or its error, does not open SQLAlchemy: the trusted
    # keys' settings and the checks before any I/O read only the setting.
    "mgdc_pipelines.state", "mgdc_pipelines.consent.trust", "mgdc_pipelines.consent.checks",
    "mgdc_pipelines.cli",
    # A copy from a local landing folder (every copy worker of the bench) loads neither the
    # MGDC source's Resource Manager client, MSAL and SQLAlchemy (for SharePoint delta states)
    # nor the Azure SDK (for the landing source's blob store).
    "mgdc_pipelines.transfer", "mgdc_pipelines.sources.mgdc.sharepoint_state",
    "mgdc_pipelines.sources.landing", "mgdc_pipelines.sinks.azure_account",
])
def test_importing_one_part_of_the_package_does_not_load_dagster_or_the_others(module):
    loaded = f"[m for m in {HEAVY} if m in sys.modules]"
    probe = f"import json, sys, {module}; print(json.dumps({loaded}))"
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert json.loads(run.stdout) == []


def test_the_command_line_loads_dagster_only_for_a_command_that_needs_it():
    probe = "import sys, mgdc_pipelines.cli; print('dagster' in sys.modules)"
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "False"
