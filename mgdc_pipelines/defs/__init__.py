"""How an app spec becomes Dagster definitions: translator, asset factory, resources, jobs."""

from mgdc_pipelines.defs.assets import build_mgdc_assets, copy_partitions
from mgdc_pipelines.defs.apps import AppsCollide, build_apps_defs, check_apps_apart
from mgdc_pipelines.defs.build import build_defs, copy_jobs
from mgdc_pipelines.defs.names import ResourceKeys, asset_key_prefix, copy_job_name, resource_keys, sharepoint_job_name
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
from mgdc_pipelines.defs.change_sensor import change_sensors
from mgdc_pipelines.defs.pools import ensure_pool_limit, pool_name
from mgdc_pipelines.defs.schedules import daily_schedules
from mgdc_pipelines.defs.scopes import scope_authorization, sync_scope_partitions
from mgdc_pipelines.defs.sensors import availability_sensor

__all__ = [
    "AppsCollide",
    "AzureSinkResource",
    "ConsentResource",
    "LandingSourceResource",
    "LocalSinkResource",
    "MgdcIOManager",
    "MgdcLoadError",
    "MgdcTranslator",
    "MgdcTranslatorData",
    "ResourceKeys",
    "SyntheticTenantResource",
    "asset_key_prefix",
    "availability_sensor",
    "build_apps_defs",
    "build_defs",
    "check_apps_apart",
    "change_sensors",
    "daily_schedules",
    "ensure_pool_limit",
    "pool_name",
    "scope_authorization",
    "sync_scope_partitions",
    "build_mgdc_assets",
    "copy_job_name",
    "copy_jobs",
    "copy_partitions",
    "daily_partitions",
    "partition_metadata",
    "partition_ref",
    "partitions_for",
    "resource_keys",
    "sharepoint_job_name",
    "sink_resource",
    "source_resource",
    "table_schema",
]
