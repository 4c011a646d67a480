"""End to end: materialize partitions of spec-built assets into a temp sink on a real instance."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import dagster as dg
import pyarrow as pa
import pyarrow.dataset as pads
import pytest
from dagster._core.storage.tags import ASSET_PARTITION_RANGE_END_TAG, ASSET_PARTITION_RANGE_START_TAG

from mgdc_pipelines.defs import build_defs, build_mgdc_assets, resource_keys
from mgdc_pipelines.sources.base import ExtractRequest
from mgdc_pipelines.sources.synthetic import SyntheticSource, TenantConfig
from mgdc_pipelines_tests.conftest import scoped_instance


def assets_named(app, *names: str) -> list[dg.AssetsDefinition]:
    wanted = set(names)
    return [a for a in build_mgdc_assets(app) if a.key.path[-1] in wanted]


def resources_for(app) -> dict[str, Any]:
    return dict(build_defs(app).resources)


def materializations(instance: dg.DagsterInstance, key: dg.AssetKey) -> dict[str, dg.AssetMaterialization]:
    """Latest materialization per partition, as the UI shows it."""
    records = instance.fetch_materializations(key, limit=1000).records
    latest: dict[str, dg.AssetMaterialization] = {}
    for record in sorted(records, key=lambda r: r.storage_id):
        event = record.asset_materialization
        latest[event.partition] = event
    return latest


def partition_files(app, dataset: str, date: str, scope: str | None) -> pa.Table:
    folder = app.sink.resolved_path() / f"BasicDataSet_v0.{dataset}" / f"date={date}"
    if scope:
        folder = folder / f"scope={scope}"
    return pads.dataset(folder, format="parquet").to_table()


def test_materialize_one_partition_writes_catalog_typed_parquet(small_spec):
    [users] = assets_named(small_spec, "User_v1")
    with scoped_instance(small_spec) as instance:
        result = dg.materialize([users], instance=instance, resources=resources_for(small_spec), partition_key="2026-11-20|sales")
        assert result.success

        table = partition_files(small_spec, "User_v1", "2026-11-20", "sales")
        expected_schema = small_spec.dataset("User_v1").dataset.output_schema(small_spec.dataset("User_v1").selected_columns)
        assert table.schema.equals(expected_schema, check_metadata=False)
        assert table.num_rows > 0

        event = materializations(instance, users.key)["2026-11-20|sales"]
        assert event.metadata["dagster/row_count"].value == table.num_rows
        assert event.metadata["mgdc/scope"].value == "sales"
        assert event.metadata["mgdc/scope_groups"].value == "3af3fdfe-f047-5c2e-87b2-226f88aba79e"
        assert event.metadata["dagster/uri"].value.endswith("/BasicDataSet_v0.User_v1/date=2026-11-20/scope=sales")
        assert event.metadata["mgdc/bytes"].value > 0


def test_rows_equal_what_the_source_extracts(small_spec):
    [messages] = assets_named(small_spec, "Message_v1")
    with scoped_instance(small_spec) as instance:
        dg.materialize([messages], instance=instance, resources=resources_for(small_spec), partition_key="2026-11-19|all")
    item = small_spec.dataset("Message_v1")
    from mgdc_pipelines.sinks.base import PartitionRef
    from mgdc_pipelines.transfer import request_for

    request = request_for(small_spec, item, PartitionRef(item.dataset.name, dt.date(2026, 11, 19), "all"))
    source = SyntheticSource(TenantConfig(**small_spec.source.options))
    expected = pa.Table.from_batches(list(source.extract(request)), schema=request.output_schema)
    written = partition_files(small_spec, "Message_v1", "2026-11-19", "all")
    assert written.num_rows == expected.num_rows > 0
    assert written.select(expected.schema.names).equals(expected.replace_schema_metadata(None).cast(written.schema))


def test_a_range_run_reports_each_partitions_own_numbers(small_spec):
    [messages] = assets_named(small_spec, "Message_v1")
    tags = {ASSET_PARTITION_RANGE_START_TAG: "2026-11-16|all", ASSET_PARTITION_RANGE_END_TAG: "2026-11-20|all"}
    with scoped_instance(small_spec) as instance:
        result = dg.materialize([messages], instance=instance, resources=resources_for(small_spec), tags=tags)
        assert result.success
        events = materializations(instance, messages.key)
    assert sorted(events) == [f"2026-11-{day}|all" for day in range(16, 21)]
    for key, event in events.items():
        date, scope = key.split("|")
        written = partition_files(small_spec, "Message_v1", date, scope)
        assert event.metadata["dagster/row_count"].value == written.num_rows
        assert event.metadata["mgdc/date"].value == date
    counts = {event.metadata["dagster/row_count"].value for event in events.values()}
    assert len(counts) > 1, "every partition reported the same row count: metadata was copied, not measured"


def test_rematerializing_replaces_the_partition_exactly(small_spec):
    [messages] = assets_named(small_spec, "Message_v1")
    resources = resources_for(small_spec)
    with scoped_instance(small_spec) as instance:
        dg.materialize([messages], instance=instance, resources=resources, partition_key="2026-11-20|engineering")
        first = partition_files(small_spec, "Message_v1", "2026-11-20", "engineering")
        dg.materialize([messages], instance=instance, resources=resources, partition_key="2026-11-20|engineering")
        second = partition_files(small_spec, "Message_v1", "2026-11-20", "engineering")
        assert len(instance.fetch_materializations(messages.key, limit=10).records) == 2
    assert first.num_rows > 0
    assert second.equals(first)
    assert len(set(second.column("id").to_pylist())) == second.num_rows


def test_sharepoint_assets_materialize_a_date_only_partition(small_spec):
    [sites] = assets_named(small_spec, "SharePointSites_v1")
    with scoped_instance(small_spec) as instance:
        assert dg.materialize([sites], instance=instance, resources=resources_for(small_spec), partition_key="2026-11-20").success
    table = partition_files(small_spec, "SharePointSites_v1", "2026-11-20", None)
    assert table.num_rows > 0
    assert set(table.column("Operation").to_pylist()) == {"Full"}


class FailingOnDaySource(dg.ConfigurableResource):
    """The real synthetic tenant, except that one day's extraction fails half-way."""

    options: dict[str, Any]
    fail_on: str

    def get_source(self):
        real = SyntheticSource(TenantConfig(**self.options))
        fail_on = dt.date.fromisoformat(self.fail_on)

        class _Source:
            def extract(self, request: ExtractRequest) -> Iterator[pa.RecordBatch]:
                batches = real.extract(request)
                yield next(batches)
                if request.window.start.date() == fail_on:
                    raise ConnectionError(f"source lost connection during {fail_on}")
                yield from batches

        return _Source()


def test_a_failing_partition_keeps_earlier_ones_recorded_and_shows_nothing_half_written(small_spec):
    [messages] = assets_named(small_spec, "Message_v1")
    resources = {**resources_for(small_spec), resource_keys(small_spec).source: FailingOnDaySource(options=small_spec.source.options, fail_on="2026-11-19")}
    tags = {ASSET_PARTITION_RANGE_START_TAG: "2026-11-17|all", ASSET_PARTITION_RANGE_END_TAG: "2026-11-20|all"}
    with scoped_instance(small_spec) as instance:
        result = dg.materialize([messages], instance=instance, resources=resources, tags=tags, raise_on_error=False)
        assert not result.success
        recorded = sorted(materializations(instance, messages.key))
    assert recorded == ["2026-11-17|all", "2026-11-18|all"]
    root = small_spec.sink.resolved_path() / "BasicDataSet_v0.Message_v1"
    assert sorted(p.name for p in root.iterdir()) == ["date=2026-11-17", "date=2026-11-18"]
    assert list((small_spec.sink.resolved_path() / "_staging").iterdir()) == []


def test_copy_job_runs_a_partition_range_through_a_real_instance(small_spec):
    defs = build_defs(small_spec)
    job = defs.resolve_job_def("demo_copy")
    tags = {ASSET_PARTITION_RANGE_START_TAG: "2026-11-19|sales", ASSET_PARTITION_RANGE_END_TAG: "2026-11-20|sales"}
    with scoped_instance(small_spec) as instance:
        result = job.execute_in_process(instance=instance, tags=tags)
        assert result.success
        events = result.get_asset_materialization_events()
    assert len(events) == 12 * 2
    written = {(e.asset_key.path[-1], e.partition) for e in events}
    assert ("GroupMembers_v0", "2026-11-20|sales") in written
    for event in events:
        metadata = event.materialization.metadata
        folder = metadata["dagster/uri"].value.removeprefix("file://")
        assert pads.dataset(folder, format="parquet").count_rows() == metadata["dagster/row_count"].value


@pytest.mark.parametrize("dataset", ["Manager_v0", "GroupDetails_v0", "TeamChat_v1", "CalendarView_v0"])
def test_every_kind_of_dataset_materializes(small_spec, dataset):
    [asset] = assets_named(small_spec, dataset)
    with scoped_instance(small_spec) as instance:
        assert dg.materialize([asset], instance=instance, resources=resources_for(small_spec), partition_key="2026-11-20|all").success
    assert partition_files(small_spec, dataset, "2026-11-20", "all").num_rows > 0
