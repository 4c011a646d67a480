"""How an app spec becomes Dagster definitions: translator, asset factory, resources, jobs."""

from mgdc_pipelines.defs.assets import build_mgdc_assets, copy_partitions
from mgdc_pipelines.defs.build import build_defs, copy_job_name, copy_jobs, sharepoint_job_name
from mgdc_pipelines.defs.constants import LOADER_RESOURCE_KEY, SINK_RESOURCE_KEY, SOURCE_RESOURCE_KEY
from mgdc_pipelines.defs.loader import MgdcIOManager, MgdcLoadError
from mgdc_pipelines.defs.partitions import daily_partitions, partition_ref, partitions_for
from mgdc_pipelines.defs.resources import (
    AzureSinkResource,
    ConsentResource,
    LandingSourceResource,
    LocalSinkResource,
    SyntheticTenantResource,
    sink_resource,
    source_resource,
)
from mgdc_pipelines.defs.metadata import partition_metadata, table_schema
from mgdc_pipelines.defs.translator import MgdcTranslator, MgdcTranslatorData

__all__ = [
    "LOADER_RESOURCE_KEY",
    "SINK_RESOURCE_KEY",
    "SOURCE_RESOURCE_KEY",
    "AzureSinkResource",
    "ConsentResource",
    "LandingSourceResource",
    "LocalSinkResource",
    "MgdcIOManager",
    "MgdcLoadError",
    "MgdcTranslator",
    "MgdcTranslatorData",
    "SyntheticTenantResource",
    "build_defs",
    "build_mgdc_assets",
    "copy_job_name",
    "copy_jobs",
    "copy_partitions",
    "daily_partitions",
    "partition_metadata",
    "partition_ref",
    "partitions_for",
    "sharepoint_job_name",
    "sink_resource",
    "source_resource",
    "table_schema",
]
