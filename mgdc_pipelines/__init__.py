"""mgdc-pipelines: declarative, consent-governed Microsoft Graph Data Connect pipelines on Dagster.

>>> from mgdc_pipelines import build_defs, load_spec, DEMO_SPEC_PATH
>>> defs = build_defs(load_spec(DEMO_SPEC_PATH))
>>> defs.resolve_assets_def(["mgdc", "Message_v1"]).key.to_user_string()
'mgdc/Message_v1'

The names below are imported on first use, not with the package: a process that needs one part
(``mgdc_pipelines.catalog`` in a notebook, a copy worker, the synthetic tenant) does not import
Dagster and every source and sink before its first line.

>>> import subprocess, sys
>>> probe = "import sys, mgdc_pipelines.catalog; print('dagster' in sys.modules)"
>>> subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True).stdout.strip()
'False'
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mgdc_pipelines.lazy_exports import lazy_exports
from mgdc_pipelines.version import __version__

__all__ = [
    "DEMO_SPEC_PATH",
    "AppSpec",
    "AzureBlobSink",
    "AzureSinkResource",
    "LandingSource",
    "CommitInfo",
    "Dataset",
    "DatasetSpec",
    "ExtractRequest",
    "LocalSink",
    "LocalSinkResource",
    "MgdcApp",
    "MgdcIOManager",
    "MgdcTranslator",
    "MgdcTranslatorData",
    "PartitionRef",
    "PartitionWriter",
    "Scope",
    "Sink",
    "Source",
    "SpecError",
    "SyntheticTenantResource",
    "TimeWindow",
    "__version__",
    "build_defs",
    "build_mgdc_assets",
    "copy_partition",
    "downstream_asset_key",
    "get_dataset",
    "list_datasets",
    "load_spec",
    "parse_spec",
    "request_for",
]

# Where each public name lives (the imports under TYPE_CHECKING below, for type checkers).
_MODULES = {
    "mgdc_pipelines.catalog": ("Dataset", "get_dataset", "list_datasets"),
    "mgdc_pipelines.defs": (
        "AzureSinkResource", "LocalSinkResource", "MgdcIOManager", "MgdcTranslator",
        "MgdcTranslatorData", "SyntheticTenantResource", "build_defs", "build_mgdc_assets",
    ),
    "mgdc_pipelines.defs.component": ("MgdcApp",),
    "mgdc_pipelines.defs.downstream": ("downstream_asset_key",),
    "mgdc_pipelines.sinks": (
        "AzureBlobSink", "CommitInfo", "LocalSink", "PartitionRef", "PartitionWriter", "Sink",
    ),
    "mgdc_pipelines.sources": ("ExtractRequest", "Scope", "Source", "TimeWindow"),
    "mgdc_pipelines.sources.landing": ("LandingSource",),
    "mgdc_pipelines.spec": (
        "DEMO_SPEC_PATH", "AppSpec", "DatasetSpec", "SpecError", "load_spec", "parse_spec",
    ),
    "mgdc_pipelines.transfer": ("copy_partition", "request_for"),
}
# Dagster's component discovery (the `dagster_dg_cli.registry_modules` entry point) lists
# `dir()`, which names them before they are loaded.
__getattr__, __dir__ = lazy_exports(globals(), _MODULES, __all__)


if TYPE_CHECKING:  # what type checkers and editors resolve the names to
    from mgdc_pipelines.catalog import Dataset, get_dataset, list_datasets
    from mgdc_pipelines.defs import (
        AzureSinkResource,
        LocalSinkResource,
        MgdcIOManager,
        MgdcTranslator,
        MgdcTranslatorData,
        SyntheticTenantResource,
        build_defs,
        build_mgdc_assets,
    )
    from mgdc_pipelines.defs.component import MgdcApp
    from mgdc_pipelines.defs.downstream import downstream_asset_key
    from mgdc_pipelines.sinks import (
        AzureBlobSink,
        CommitInfo,
        LocalSink,
        PartitionRef,
        PartitionWriter,
        Sink,
    )
    from mgdc_pipelines.sources import ExtractRequest, Scope, Source, TimeWindow
    from mgdc_pipelines.sources.landing import LandingSource
    from mgdc_pipelines.spec import (
        DEMO_SPEC_PATH,
        AppSpec,
        DatasetSpec,
        SpecError,
        load_spec,
        parse_spec,
    )
    from mgdc_pipelines.transfer import copy_partition, request_for
