"""mgdc-pipelines: declarative, consent-governed Microsoft Graph Data Connect pipelines on Dagster.

>>> from mgdc_pipelines import build_defs, load_spec, DEMO_SPEC_PATH
>>> defs = build_defs(load_spec(DEMO_SPEC_PATH))
>>> defs.resolve_assets_def(["mgdc", "Message_v1"]).key.to_user_string()
'mgdc/Message_v1'
"""

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
from mgdc_pipelines.sinks import AzureBlobSink, CommitInfo, LocalSink, PartitionRef, PartitionWriter, Sink
from mgdc_pipelines.sources import ExtractRequest, Scope, Source, TimeWindow
from mgdc_pipelines.sources.landing import LandingSource
from mgdc_pipelines.spec import DEMO_SPEC_PATH, AppSpec, DatasetSpec, SpecError, load_spec, parse_spec
from mgdc_pipelines.transfer import copy_partition, request_for
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
