"""Delta table maintenance: ``<app>_delta_maintenance``, a job that compacts then vacuums each table.

Only apps whose sink is ``format: delta`` get it, with its schedule ``<app>_delta_maintenance_schedule``
(the spec's ``sink.maintenance.schedule``: 03:00 UTC daily, stopped, unless it says otherwise).
One op, no asset: for each table of the app in its sink (each MGDC dataset, and each ``downstream:``
entry, stored there as ``<app>.<entry name>``) it

1. compacts the partitions' small files into fewer large ones (a new table version), then
2. vacuums: deletes the files no version younger than ``sink.maintenance.retention_days`` needs
   (replaced or withdrawn partitions, dropped columns, files of writers that died).

It works through the app's own sink resource (``<app>_mgdc_sink``), so it touches nothing but the
tables the assets write. Each table's result is an asset observation on the table's asset (the
asset's page shows files compacted, files deleted and the table version) and a log line; a table
not written yet is skipped, and the log says so. With ``retention_days: 0`` a vacuum also deletes
the files of a copy still running: keep the retention longer than the longest run.

>>> from mgdc_pipelines.spec import load_spec, DEMO_SPEC_PATH
>>> from mgdc_pipelines.defs.build import build_defs
>>> demo = load_spec(DEMO_SPEC_PATH)  # the bundled demo writes Delta
>>> defs = build_defs(demo)
>>> defs.resolve_job_def("demo_delta_maintenance").name
'demo_delta_maintenance'
>>> schedule = defs.resolve_schedule_def("demo_delta_maintenance_schedule")
>>> schedule.cron_schedule, schedule.execution_timezone, schedule.default_status.value
('0 3 * * *', 'UTC', 'STOPPED')
>>> parquet = demo.model_copy(update={"sink": demo.sink.model_copy(update={"format": "parquet"})})
>>> build_defs(parquet).resolve_job_def("demo_delta_maintenance")  # doctest: +IGNORE_EXCEPTION_DETAIL
Traceback (most recent call last):
dagster._core.errors.DagsterInvariantViolationError: Could not find job 'demo_delta_maintenance'.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import dagster as dg

from mgdc_pipelines.defs.constants import METADATA_TABLE_VERSION
from mgdc_pipelines.defs.downstream import downstream_asset_key
from mgdc_pipelines.defs.metadata import URI
from mgdc_pipelines.defs.names import (
    delta_maintenance_job_name,
    delta_maintenance_schedule_name,
    resource_keys,
)
from mgdc_pipelines.defs.schedules import default_schedule_status
from mgdc_pipelines.sinks.delta import DeltaSink, MaintenanceResult
from mgdc_pipelines.spec.model import AppSpec

METADATA_FILES_COMPACTED = "mgdc/files_compacted"  # small files the compaction replaced
METADATA_FILES_WRITTEN = "mgdc/files_written"  # the larger files that replaced them
METADATA_FILES_DELETED = "mgdc/files_deleted"  # files the vacuum deleted from storage
METADATA_TABLES = "mgdc/tables"


@dataclass(frozen=True)
class SinkTable:
    """A table of the app's sink (``name``, as the sink calls it) and the asset that writes it."""

    name: str
    asset_key: dg.AssetKey


def sink_tables(app: AppSpec, mgdc_keys: Mapping[str, dg.AssetKey]) -> list[SinkTable]:
    """The app's MGDC datasets (``mgdc_keys``: dataset name → asset key) and its ``downstream:``
    entries, named as :class:`~mgdc_pipelines.defs.downstream_io.DownstreamIOManager` names them."""
    mgdc = [SinkTable(item.dataset.name, mgdc_keys[item.dataset.name]) for item in app.datasets]
    keys = [downstream_asset_key(app, entry.name) for entry in app.downstream]
    return [*mgdc, *(SinkTable(".".join(key.path), key) for key in keys)]


def maintenance_definitions(
    app: AppSpec, mgdc_keys: Mapping[str, dg.AssetKey]
) -> tuple[list[dg.JobDefinition], list[dg.ScheduleDefinition]]:
    """The maintenance job and its schedule for a Delta app; nothing for any other sink."""
    if app.sink.format != "delta":
        return [], []
    job = maintenance_job(app, sink_tables(app, mgdc_keys))
    settings = app.sink.maintenance.schedule
    schedule = dg.ScheduleDefinition(
        name=delta_maintenance_schedule_name(app),
        job=job,
        cron_schedule=settings.cron,
        execution_timezone=settings.timezone,
        default_status=default_schedule_status(settings),
        description=f"Compacts and vacuums the Delta tables of app {app.name}.",
    )
    return [job], [schedule]


def maintenance_job(app: AppSpec, tables: Sequence[SinkTable]) -> dg.JobDefinition:
    """One op compacting then vacuuming ``tables`` in the app's sink, one after the other."""
    keys = resource_keys(app)
    retention = dt.timedelta(days=app.sink.maintenance.retention_days)

    @dg.op(
        name=f"{app.name}_compact_and_vacuum",
        required_resource_keys={keys.sink},
        out=dg.Out(dg.Nothing),
        description=f"Compact, then vacuum (keeping {retention.days} day(s) of history) the Delta tables of {app.name}.",
    )
    def _compact_and_vacuum(context):  # no annotation: Dagster checks a string one at definition time
        sink = getattr(context.resources, keys.sink).get_sink()
        if not isinstance(sink, DeltaSink):
            raise dg.Failure(f"{keys.sink} is a {type(sink).__name__}, not a Delta sink: nothing to maintain")
        outcomes = {table.name: _maintain(context, sink, table, retention) for table in tables}
        failed = [name for name, outcome in outcomes.items() if outcome == "failed"]
        if failed:
            raise dg.Failure(f"maintenance failed for {', '.join(failed)} (see the log); the other tables are done")
        yield dg.Output(None, metadata={METADATA_TABLES: dg.MetadataValue.md(_summary(outcomes))})

    @dg.job(name=delta_maintenance_job_name(app), tags={"mgdc/app": app.name},
            description=f"Compact and vacuum the Delta tables of app {app.name}.")
    def _job():
        _compact_and_vacuum()

    return _job


def _maintain(
    context: dg.OpExecutionContext, sink: DeltaSink, table: SinkTable, retention: dt.timedelta
) -> MaintenanceResult | str:
    """Compact then vacuum one table; its result, ``"skipped"`` (no table yet) or ``"failed"``."""
    where = sink.storage.uri(table.name)
    try:
        compacted = sink.compact(table.name)
        if compacted.version is None:
            context.log.info(f"{where}: skipped, no Delta table there yet")
            return "skipped"
        vacuumed = sink.vacuum(table.name, retention=retention)
    except Exception as error:  # one table's trouble must not leave the others unmaintained
        # The type only: storage errors may quote a URL with its credentials.
        context.log.error(f"{where}: maintenance failed ({type(error).__name__})")
        return "failed"
    result = MaintenanceResult(table.name, vacuumed.version, files_added=compacted.files_added,
                               files_removed=compacted.files_removed, files_deleted=vacuumed.files_deleted)
    context.log.info(
        f"{where}: compacted {result.files_removed} file(s) into {result.files_added}, "
        f"vacuum deleted {result.files_deleted} file(s); table version {result.version}"
    )
    context.log_event(dg.AssetObservation(table.asset_key, metadata=_observation(result, where)))
    return result


def _observation(result: MaintenanceResult, where: str) -> dict:
    return {
        METADATA_FILES_COMPACTED: result.files_removed,
        METADATA_FILES_WRITTEN: result.files_added,
        METADATA_FILES_DELETED: result.files_deleted,
        METADATA_TABLE_VERSION: result.version,
        URI: where,
    }


def _summary(outcomes: Mapping[str, MaintenanceResult | str]) -> str:
    """A Markdown table of what happened to each table (the op output's metadata)."""
    rows = ["| table | files compacted | files written | files deleted | version |", "|---|---|---|---|---|"]
    for name, outcome in outcomes.items():
        if isinstance(outcome, str):
            rows.append(f"| {name} | {outcome} | | | |")
        else:
            rows.append(f"| {name} | {outcome.files_removed} | {outcome.files_added} | "
                        f"{outcome.files_deleted} | {outcome.version} |")
    return "\n".join(rows)

