"""The names an app gives its Dagster objects, all derived from the app's name.

Several apps load side by side in one code location (``dg.Definitions.merge`` of their
``build_defs``, or several ``MgdcApp`` components), so nothing an app binds or defines may be
named alike across apps: its resource keys, jobs, sensors, schedules, dynamic scope partitions
and, by default, its asset keys all start with the app's name. Kept apart from ``build.py`` so
that the sensors and schedules, which ``build.py`` imports, can name the jobs too.

>>> from mgdc_pipelines.spec import load_spec, DEMO_SPEC_PATH
>>> app = load_spec(DEMO_SPEC_PATH)
>>> copy_job_name(app), sharepoint_job_name(app), daily_schedule_name("demo_sharepoint_copy")
('demo_copy', 'demo_sharepoint_copy', 'demo_sharepoint_daily')
>>> resource_keys(app).source, resource_keys(app).loader
('demo_mgdc_source', 'demo_mgdc_loader')
>>> delta_maintenance_job_name(app), delta_maintenance_schedule_name(app)
('demo_delta_maintenance', 'demo_delta_maintenance_schedule')
>>> asset_key_prefix(app)  # demo.yaml sets `key_prefix: [mgdc]`; without it: ('demo',)
('mgdc',)
"""

from __future__ import annotations

from dataclasses import dataclass

from mgdc_pipelines.defs.constants import (
    CONSENT_RESOURCE,
    DOWNSTREAM_IO_RESOURCE,
    LOADER_RESOURCE,
    SINK_RESOURCE,
    SOURCE_RESOURCE,
)
from mgdc_pipelines.spec.model import AppSpec

_COPY_SUFFIX = "_copy"


@dataclass(frozen=True)
class ResourceKeys:
    """The keys an app's resources are bound to: ``<app>_mgdc_source``, ``<app>_mgdc_sink``, ..."""

    source: str
    sink: str
    consent: str
    loader: str  # the IO manager handing MGDC partitions to downstream assets
    downstream_io: str  # the IO manager storing downstream outputs in the app's sink


def resource_keys(app: AppSpec) -> ResourceKeys:
    """The app's resource keys (pass them to override a resource of ``build_defs``)."""
    roles = (SOURCE_RESOURCE, SINK_RESOURCE, CONSENT_RESOURCE, LOADER_RESOURCE, DOWNSTREAM_IO_RESOURCE)
    return ResourceKeys(*(f"{app.name}_{role}" for role in roles))


def asset_key_prefix(app: AppSpec) -> tuple[str, ...]:
    """The spec's ``dagster.key_prefix``, else ``(<app name>,)``: two apps never share a key by default."""
    prefix = app.dagster.key_prefix
    return (app.name,) if prefix is None else tuple(prefix)


def copy_job_name(app: AppSpec) -> str:
    """The job copying the app's user- and group-scoped datasets (partitioned by date × scope)."""
    return f"{app.name}{_COPY_SUFFIX}"


def sharepoint_job_name(app: AppSpec) -> str:
    """The job copying the app's tenant-wide (SharePoint) datasets (partitioned by date alone)."""
    return f"{app.name}_sharepoint{_COPY_SUFFIX}"


def daily_schedule_name(job_name: str) -> str:
    """``<app>_daily`` for ``<app>_copy``, ``<app>_sharepoint_daily`` for the SharePoint job."""
    return job_name.removesuffix(_COPY_SUFFIX) + "_daily"


def availability_sensor_name(app: AppSpec) -> str:
    return f"{app.name}_availability"


def change_sensor_name(app: AppSpec) -> str:
    return f"{app.name}_changes"


def downstream_job_name(app: AppSpec) -> str:
    """The job building one week of every weekly downstream asset of the app."""
    return f"{app.name}_downstream_weekly"


def downstream_automation_sensor_name(app: AppSpec) -> str:
    """The sensor evaluating the automation conditions of the app's downstream assets."""
    return f"{app.name}_downstream_automation"


def delta_maintenance_job_name(app: AppSpec) -> str:
    """The job compacting and vacuuming the Delta tables of an app whose sink is ``format: delta``."""
    return f"{app.name}_delta_maintenance"


def delta_maintenance_schedule_name(app: AppSpec) -> str:
    """The schedule of :func:`delta_maintenance_job_name` (the spec's ``sink.maintenance.schedule``)."""
    return f"{delta_maintenance_job_name(app)}_schedule"
