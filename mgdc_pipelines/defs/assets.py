"""The asset factory: one partitioned Dagster asset per dataset declared in a spec.

Each asset copies its partitions through :func:`mgdc_pipelines.transfer.copy_partition`. A run
may cover a range of partitions (a backfill); every partition is committed on its own and gets
its own materialization with its own row count, bytes and URI.

>>> from mgdc_pipelines.spec import load_spec, DEMO_SPEC_PATH
>>> assets = build_mgdc_assets(load_spec(DEMO_SPEC_PATH))
>>> sorted(a.key.path[-1] for a in assets)[:3]
['CalendarView_v0', 'Contact_v1', 'DirectReport_v0']
"""


from collections.abc import Iterator

import dagster as dg

from mgdc_pipelines.defs.constants import SINK_RESOURCE_KEY, SOURCE_RESOURCE_KEY
from mgdc_pipelines.defs.metadata import partition_metadata
from mgdc_pipelines.defs.partitions import partition_ref
from mgdc_pipelines.defs.translator import MgdcTranslator, MgdcTranslatorData
from mgdc_pipelines.spec.model import AppSpec, DatasetSpec
from mgdc_pipelines.transfer import copy_partition, request_for


def build_mgdc_assets(
    app: AppSpec, translator: "MgdcTranslator | None" = None
) -> list[dg.AssetsDefinition]:
    """One asset per dataset of ``app``; see :class:`MgdcTranslator` to customise the specs."""
    translator = translator or MgdcTranslator()
    return [_build_asset(app, item, translator) for item in app.datasets]


def _build_asset(app: AppSpec, item: DatasetSpec, translator: MgdcTranslator) -> dg.AssetsDefinition:
    spec = translator.get_asset_spec(MgdcTranslatorData(app=app, item=item))

    @dg.multi_asset(
        name=f"{app.name}__{item.dataset.short_name}",
        specs=[spec],
        required_resource_keys={SOURCE_RESOURCE_KEY, SINK_RESOURCE_KEY},
        backfill_policy=dg.BackfillPolicy.multi_run(app.dagster.max_partitions_per_run),
        op_tags={"mgdc/app": app.name},
    )
    def _copy(context: dg.AssetExecutionContext) -> Iterator[dg.MaterializeResult]:
        yield from copy_partitions(context, app, item, spec.key)

    return _copy


def copy_partitions(
    context: dg.AssetExecutionContext, app: AppSpec, item: DatasetSpec, asset_key: dg.AssetKey
) -> Iterator[dg.MaterializeResult]:
    """Copy every partition of the run, attaching each partition's own metadata.

    If a partition fails, the partitions already committed in this run are still recorded as
    materialized (their data is visible), and the error is raised for the failing one.
    """
    source = context.resources.mgdc_source.get_source()
    sink = context.resources.mgdc_sink.get_sink()
    committed: list[tuple[str, dict]] = []
    for key in context.partition_keys:
        partition = partition_ref(item.dataset, key)
        request = request_for(app, item, partition)
        try:
            info = copy_partition(source, sink, request, partition)
        except Exception:
            _record_committed(context, asset_key, committed)
            raise
        metadata = partition_metadata(request, info)
        committed.append((key, metadata))
        context.log.info(
            f"{item.dataset.short_name} {key}: {info.rows} rows, {info.bytes} bytes → {info.uri}"
        )
    for key, metadata in committed:
        context.add_asset_metadata(metadata, asset_key=asset_key, partition_key=key)
    yield dg.MaterializeResult(asset_key=asset_key)


def _record_committed(
    context: dg.AssetExecutionContext, asset_key: dg.AssetKey, committed: list[tuple[str, dict]]
) -> None:
    for key, metadata in committed:
        context.log_event(dg.AssetMaterialization(asset_key=asset_key, partition=key, metadata=metadata))
