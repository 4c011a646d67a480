"""``build_defs(spec) -> Definitions``: everything Dagster needs for one MGDC app.

A ``format: delta`` sink adds ``<app>_delta_maintenance`` and its schedule (see
:mod:`mgdc_pipelines.defs.maintenance`).

>>> from mgdc_pipelines.spec import load_spec, DEMO_SPEC_PATH
>>> defs = build_defs(load_spec(DEMO_SPEC_PATH))
>>> sorted(job.name for job in defs.jobs)
['demo_copy', 'demo_delta_maintenance', 'demo_downstream_weekly', 'demo_sharepoint_copy']
>>> [sensor.name for sensor in defs.sensors]
['demo_availability', 'demo_downstream_automation']
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import dagster as dg

from mgdc_pipelines.catalog import ScopeKind
from mgdc_pipelines.defs.assets import build_mgdc_assets
from mgdc_pipelines.defs.change_sensor import change_sensors
from mgdc_pipelines.defs.downstream import build_downstream_assets, downstream_automation_sensors, downstream_jobs
from mgdc_pipelines.defs.downstream_io import DownstreamIOManager
from mgdc_pipelines.defs.loader import MgdcIOManager
from mgdc_pipelines.defs.loader_consent import ConsentLocation
from mgdc_pipelines.defs.maintenance import maintenance_definitions
from mgdc_pipelines.defs.names import copy_job_name, resource_keys, sharepoint_job_name
from mgdc_pipelines.defs.resources import consent_resource, sink_resource, source_resource
from mgdc_pipelines.defs.schedules import daily_schedules
from mgdc_pipelines.defs.sensors import availability_sensor
from mgdc_pipelines.defs.translator import MgdcTranslator
from mgdc_pipelines.spec.model import AppSpec


def build_defs(
    app: AppSpec,
    *,
    translator: MgdcTranslator | None = None,
    resources: Mapping[str, Any] | None = None,
) -> dg.Definitions:
    """Assets, jobs and resources for ``app``; ``resources`` override the spec's source/sink/loader.

    Every resource is bound to a key of the app's own (:func:`~mgdc_pipelines.defs.names.resource_keys`),
    so the ``Definitions`` of several apps merge into one code location.
    """
    assets = build_mgdc_assets(app, translator)
    keys = resource_keys(app)
    bound = {
        keys.source: source_resource(app),
        keys.sink: sink_resource(app),
        keys.consent: consent_resource(app),
        **(resources or {}),
    }
    # Downstream assets read through the very sink the assets write to (an overridden one too),
    # under the app's consent: nothing while suspended, no partition a failed check flagged.
    consent = ConsentLocation.of(app)
    bound.setdefault(keys.loader, MgdcIOManager(sink=bound[keys.sink], consent=consent))
    # Downstream outputs go to the same sink, under the same consent, never to pickles.
    bound.setdefault(keys.downstream_io, DownstreamIOManager(sink=bound[keys.sink], consent=consent))
    jobs = copy_jobs(app, assets)
    # `downstream:` entries read the assets by the keys the translator gave them.
    mgdc_keys = {item.dataset.name: asset.key for item, asset in zip(app.datasets, assets)}
    maintenance_jobs, maintenance_schedules = maintenance_definitions(app, mgdc_keys)  # Delta sinks only
    return dg.Definitions(
        assets=[*assets, *build_downstream_assets(app, mgdc_keys)],
        jobs=[*jobs, *downstream_jobs(app), *maintenance_jobs],
        sensors=[availability_sensor(app, assets, jobs), *change_sensors(app, assets, jobs),
                 *downstream_automation_sensors(app)],
        schedules=[*daily_schedules(app, assets, jobs), *maintenance_schedules],
        resources=bound,
    )


def copy_jobs(app: AppSpec, assets: Sequence[dg.AssetsDefinition]) -> list[dg.UnresolvedAssetJobDefinition]:
    """``<app>_copy`` for date × scope datasets, ``<app>_sharepoint_copy`` for tenant-wide ones.

    A job's assets must share one partitioning, hence two jobs.
    """
    scoped, tenant_wide = [], []
    for item, asset in zip(app.datasets, assets):
        (tenant_wide if item.dataset.scope is ScopeKind.NONE else scoped).append(asset.key)
    planned = [
        (copy_job_name(app), scoped, "user- and group-scoped"),
        (sharepoint_job_name(app), tenant_wide, "tenant-wide (SharePoint)"),
    ]
    return [
        dg.define_asset_job(
            name,
            selection=dg.AssetSelection.assets(*keys),
            description=f"Copy the {app.name} app's {kind} datasets.",
            tags={"mgdc/app": app.name},  # for tag_concurrency_limits per app (deploy/dagster.yaml)
        )
        for name, keys, kind in planned
        if keys
    ]
