"""End to end on Azure: spec-built assets with ``sink: {type: azure}`` materialize into a real Azurite.

Same flow as ``test_assets.py`` (a real ``instance_for_test``, the real synthetic tenant, the
consent gate and blocking checks), with the key read from an environment variable by name.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

import dagster as dg
import pandas as pd
import pyarrow as pa
import pyarrow.dataset as pads
import pytest

from mgdc_pipelines.defs.loader import read_table
from mgdc_pipelines.spec import SpecError
from dagster._core.storage.tags import ASSET_PARTITION_RANGE_END_TAG, ASSET_PARTITION_RANGE_START_TAG

from mgdc_pipelines.consent.registration import destination_for
from mgdc_pipelines.defs import build_defs, build_mgdc_assets, resource_keys
from mgdc_pipelines.defs.resources import AzureSinkResource
from mgdc_pipelines.sinks.azure import AzureBlobSink, BlobCredential
from mgdc_pipelines.sinks.base import PartitionRef
from mgdc_pipelines.spec.model import AppSpec
from mgdc_pipelines_tests.conftest import scoped_instance
from mgdc_pipelines_tests.defs.test_assets import FailingOnDaySource, materializations

KEY_ENV = "MGDC_TEST_AZURE_STORAGE_KEY"
PREFIX = "mgdc/exports"


@pytest.fixture
def azure_app(small_spec_factory, azurite, monkeypatch) -> Callable[..., AppSpec]:
    """The small demo app writing to a fresh container of the session's Azurite."""
    monkeypatch.setenv(KEY_ENV, azurite.key)
    container = f"e2e{uuid.uuid4().hex[:16]}"

    def make(fmt: str = "parquet", approved: bool = True) -> AppSpec:
        def mutate(raw: dict) -> None:
            raw["sink"] = {
                "type": "azure", "account_url": azurite.account_url, "container": container,
                "prefix": PREFIX, "format": fmt, "credential": {"type": "key", "key_env": KEY_ENV},
            }

        return small_spec_factory(mutate, approved=approved)

    return make


def reader(app: AppSpec, azurite) -> AzureBlobSink:
    """The sink as a downstream reader would open it (its own client, the same key)."""
    sink = app.sink
    return AzureBlobSink(sink.account_url, sink.container, prefix=sink.prefix, format=sink.format,
                         credential=BlobCredential("key", azurite.key))


def assets_named(app: AppSpec, *names: str) -> list[dg.AssetsDefinition]:
    return [a for a in build_mgdc_assets(app) if a.key.path[-1] in names]


def resources_for(app: AppSpec) -> dict[str, Any]:
    return dict(build_defs(app).resources)


def partition(app: AppSpec, dataset: str, key: str) -> PartitionRef:
    date, _, scope = key.partition("|")
    return PartitionRef(app.dataset(dataset).dataset.name, dt.date.fromisoformat(date), scope or None)


def written(app: AppSpec, azurite, dataset: str, key: str) -> pa.Table:
    item = app.dataset(dataset)
    schema = item.dataset.output_schema(item.selected_columns)
    return reader(app, azurite).open_dataset([partition(app, dataset, key)], schema).to_table()


def blob_names(app: AppSpec, azurite) -> list[str]:
    return sorted(blob.name for blob in reader(app, azurite).container_client.list_blobs())


def test_the_spec_builds_an_azure_sink_resource_that_reads_its_key_by_name(azure_app, azurite):
    app = azure_app()
    resource = resources_for(app)[resource_keys(app).sink]
    assert isinstance(resource, AzureSinkResource)
    assert (resource.container, resource.prefix) == (app.sink.container, PREFIX)
    assert azurite.key not in repr(resource) and azurite.key not in str(resource)
    assert destination_for(app) == f"azure:{azurite.account_url}/{app.sink.container}/{PREFIX}"


@pytest.mark.parametrize("fmt", ["parquet", "mgdc-jsonl"])
def test_materialize_one_partition_writes_catalog_typed_files_and_passes_the_consent_checks(azure_app, azurite, fmt):
    app = azure_app(fmt)
    [users] = assets_named(app, "User_v1")
    with scoped_instance(app) as instance:
        result = dg.materialize(
            [users], instance=instance, resources=resources_for(app), partition_key="2026-11-20|sales"
        )
        assert result.success
        checks = {e.asset_check_key.name: e.passed for e in result.get_asset_check_evaluations()}
        event = materializations(instance, users.key)["2026-11-20|sales"]

    assert checks and all(checks.values()), checks
    item = app.dataset("User_v1")
    table = written(app, azurite, "User_v1", "2026-11-20|sales")
    expected = item.dataset.output_schema(item.selected_columns)
    assert table.select(expected.names).schema.equals(expected, check_metadata=False)
    assert table.num_rows == event.metadata["dagster/row_count"].value > 0
    uri = event.metadata["dagster/uri"].value
    folder = f"{PREFIX}/BasicDataSet_v0.User_v1/date=2026-11-20/scope=sales"
    assert uri == f"{azurite.account_url}/{app.sink.container}/{folder}"
    assert event.metadata["mgdc/scope"].value == "sales"
    assert event.metadata["mgdc/bytes"].value > 0 and event.metadata["mgdc/files"].value == 1
    for value in event.metadata.values():
        assert azurite.key not in str(getattr(value, "value", value))


def test_a_range_run_reports_each_partitions_own_numbers(azure_app, azurite):
    app = azure_app()
    [messages] = assets_named(app, "Message_v1")
    tags = {ASSET_PARTITION_RANGE_START_TAG: "2026-11-17|all", ASSET_PARTITION_RANGE_END_TAG: "2026-11-20|all"}
    with scoped_instance(app) as instance:
        assert dg.materialize([messages], instance=instance, resources=resources_for(app), tags=tags).success
        events = materializations(instance, messages.key)
    assert sorted(events) == [f"2026-11-{day}|all" for day in range(17, 21)]
    for key, event in events.items():
        assert event.metadata["dagster/row_count"].value == written(app, azurite, "Message_v1", key).num_rows
        assert event.metadata["mgdc/date"].value == key.split("|")[0]
    counts = {event.metadata["dagster/row_count"].value for event in events.values()}
    assert len(counts) > 1, "every partition reported the same row count: metadata was copied, not measured"


def test_rematerializing_replaces_the_partition_exactly(azure_app, azurite):
    app = azure_app()
    [messages] = assets_named(app, "Message_v1")
    resources = resources_for(app)
    key = "2026-11-20|engineering"
    with scoped_instance(app) as instance:
        dg.materialize([messages], instance=instance, resources=resources, partition_key=key)
        first, first_blobs = written(app, azurite, "Message_v1", key), blob_names(app, azurite)
        dg.materialize([messages], instance=instance, resources=resources, partition_key=key)
        second, second_blobs = written(app, azurite, "Message_v1", key), blob_names(app, azurite)
        assert len(instance.fetch_materializations(messages.key, limit=10).records) == 2
    assert first.num_rows > 0 and second.equals(first)
    assert len(set(second.column("id").to_pylist())) == second.num_rows
    assert len(second_blobs) == len(first_blobs) and second_blobs != first_blobs  # new files, old ones gone
    assert not [name for name in second_blobs if "_attempt-" in name]


def test_a_failing_partition_keeps_earlier_ones_and_leaves_nothing_of_itself(azure_app, azurite):
    app = azure_app()
    [messages] = assets_named(app, "Message_v1")
    failing = FailingOnDaySource(options=app.source.options, fail_on="2026-11-19")
    resources = {**resources_for(app), resource_keys(app).source: failing}
    tags = {ASSET_PARTITION_RANGE_START_TAG: "2026-11-17|all", ASSET_PARTITION_RANGE_END_TAG: "2026-11-20|all"}
    with scoped_instance(app) as instance:
        result = dg.materialize([messages], instance=instance, resources=resources, tags=tags, raise_on_error=False)
        assert not result.success
        assert sorted(materializations(instance, messages.key)) == ["2026-11-17|all", "2026-11-18|all"]
    names = blob_names(app, azurite)
    folders = {name.split("/")[3] for name in names if "/_" not in name}  # mgdc/exports/<dataset>/date=...
    assert folders == {"date=2026-11-17", "date=2026-11-18"}
    manifests = {name.split("/")[4] for name in names if name.startswith("mgdc/exports/_manifests/")}
    assert manifests == folders and all(name.startswith("mgdc/exports/_manifests/") for name in names if "/_" in name)


def test_a_sink_moved_outside_the_grant_is_refused_before_any_write(azure_app, azurite):
    app = azure_app()
    [users] = assets_named(app, "User_v1")
    granted = resources_for(app)[resource_keys(app).sink]
    moved = AzureSinkResource(storage=granted.storage, container=granted.container, prefix="mgdc/exports2")
    with scoped_instance(app) as instance:
        result = dg.materialize([users], instance=instance, resources={**resources_for(app), resource_keys(app).sink: moved},
                                partition_key="2026-11-20|all", raise_on_error=False)
    assert not result.success
    failure = next(e for e in result.all_events if e.is_step_failure)
    assert "is outside the authorized sink" in failure.step_failure_data.error.to_string()
    assert not reader(app, azurite).container_client.exists()  # not even the container was created


@pytest.mark.parametrize("fmt", ["parquet", "mgdc-jsonl"])
def test_downstream_assets_load_azure_partitions_as_pandas_arrow_and_a_lazy_dataset(azure_app, azurite, fmt):
    app = azure_app(fmt)
    [messages] = assets_named(app, "Message_v1")
    got: dict[str, Any] = {}

    @dg.asset(ins={"messages": dg.AssetIn(messages.key)})
    def as_pandas(messages: pd.DataFrame) -> None:
        got["pandas"] = messages

    @dg.asset(ins={"messages": dg.AssetIn(messages.key)})
    def as_table(messages: pa.Table) -> None:
        got["table"] = messages

    @dg.asset(ins={"messages": dg.AssetIn(messages.key)})
    def as_dataset(messages: pads.Dataset) -> None:
        got["dataset"] = read_table(messages)  # the lazy dataset, read inside the asset

    resources = resources_for(app)
    keys = ("2026-11-20|all", "2026-11-20|sales")
    with scoped_instance(app) as instance:
        for key in keys:
            dg.materialize([messages], instance=instance, resources=resources, partition_key=key)
        result = dg.materialize([*build_mgdc_assets(app), as_pandas, as_table, as_dataset],
                                selection=[as_pandas, as_table, as_dataset], instance=instance, resources=resources)
    assert result.success
    expected = pa.concat_tables([written(app, azurite, "Message_v1", key) for key in keys])
    assert expected.num_rows > 0
    for name in ("table", "dataset"):
        table = got[name]
        assert table.num_rows == expected.num_rows
        assert set(table.column("scope").to_pylist()) == {"all", "sales"}
        assert sorted(table.column("id").to_pylist()) == sorted(expected.column("id").to_pylist())
        assert table.schema.field("receivedDateTime").type == expected.schema.field("receivedDateTime").type
    assert len(got["pandas"]) == expected.num_rows
    assert str(got["pandas"]["receivedDateTime"].dtype) == "datetime64[us, UTC]"


@pytest.mark.parametrize("kind, variable", [("key", "key_env"), ("sas", "sas_env")])
def test_a_secret_credential_without_its_variable_is_refused_when_the_spec_loads(small_spec_factory, kind, variable):
    def mutate(raw: dict) -> None:
        raw["sink"] = {"type": "azure", "account_url": "https://contoso.blob.core.windows.net",
                       "container": "mgdc", "credential": {"type": kind}}

    with pytest.raises(SpecError, match=rf"sink.credential.{variable}: credential type '{kind}' needs `{variable}`"):
        small_spec_factory(mutate, approved=False)


@pytest.mark.parametrize(
    "sink, message",
    [
        ({"credential": {"type": "anonymous"}}, "'anonymous' cannot write.*allowed for a sink: key, sas, default"),
        ({"account_url": "https://contoso.blob.core.windows.net/?sv=1&sig=SECRET"}, "must not carry a query"),
        ({"account_url": "https://contoso.blob.core.windows.net/mgdc?sv=1&sig=SECRET"}, "must not carry a query"),
        # The SDK would drop the path: the blobs would go to `container`, not under `mgdc`.
        ({"account_url": "https://contoso.blob.core.windows.net/mgdc"},
         r"^sink: account_url 'https://contoso.blob.core.windows.net/mgdc' must be the storage "
         r"account's endpoint with no path, e.g. https://<account>.blob.core.windows.net"),
        ({"prefix": "exports/../other"}, "must not contain '.' or '..' segments"),
    ],
)
def test_a_spec_whose_azure_sink_cannot_work_is_refused_when_defs_are_built(small_spec_factory, sink, message):
    def mutate(raw: dict) -> None:
        raw["sink"] = {"type": "azure", "account_url": "https://contoso.blob.core.windows.net",
                       "container": "mgdc", "credential": {"type": "default"}, **sink}

    app = small_spec_factory(mutate, approved=False)
    with pytest.raises(ValueError, match=message) as caught:
        build_defs(app)
    assert "SECRET" not in str(caught.value)
