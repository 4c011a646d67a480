"""MgdcIOManager end to end: real instance, real synthetic tenant, real LocalSink in tmp_path.

MGDC partitions are materialized first. Downstream assets then receive them through the
loader, as pandas, an Arrow Table or a lazy pyarrow Dataset.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Sequence
from typing import Any

import dagster as dg
import pandas as pd
import pyarrow as pa
import pyarrow.dataset as pads
import pytest
from dagster._core.storage.tags import ASSET_PARTITION_RANGE_END_TAG, ASSET_PARTITION_RANGE_START_TAG

from mgdc_pipelines.defs import MgdcIOManager, build_defs, build_mgdc_assets, resource_keys
from mgdc_pipelines.defs.loader import read_table
from mgdc_pipelines.sinks import LocalSink
from mgdc_pipelines.sinks.base import PartitionRef, Sink
from mgdc_pipelines.spec.model import AppSpec
from mgdc_pipelines_tests.conftest import scoped_instance

MESSAGES = dg.AssetKey(["mgdc", "Message_v1"])
SITES = dg.AssetKey(["mgdc", "SharePointSites_v1"])
DAY, OTHER_DAY = "2026-11-20", "2026-11-19"
FORMATS = ["parquet", "mgdc-jsonl"]
UTC_MICROS = pa.timestamp("us", tz="UTC")
JSON_TENANT_USERS = 20


# -- helpers -------------------------------------------------------------------------------------


@pytest.fixture
def app_factory(small_spec_factory) -> Callable[..., AppSpec]:
    """The demo app cut to two datasets and two scopes (fast), in the given sink format."""

    def make(
        fmt: str = "parquet", transforms: dict[str, str] | None = None, then: Callable[[dict], None] | None = None
    ) -> AppSpec:
        """``then`` edits the YAML dict last (another sink, other columns)."""

        def mutate(raw: dict) -> None:
            raw["sink"]["format"] = fmt
            if fmt == "mgdc-jsonl":
                # Keep each JSON file within one pyarrow block (1 MiB). The sink's consent check
                # infers JSON schemas with threads, which fails at random on multi-block files
                # (sinks/formats.py read_file_schema; reported). Multi-block reads by the loader
                # are covered by test_json_datasets_are_read_without_the_pyarrow_deadlock.
                raw["source"]["users"] = JSON_TENANT_USERS
            raw["scopes"] = {name: raw["scopes"][name] for name in ("all", "sales")}
            raw["datasets"] = [d for d in raw["datasets"] if d["name"] in ("Message_v1", "SharePointSites_v1")]
            if transforms:
                next(d for d in raw["datasets"] if d["name"] == "Message_v1")["transforms"] = transforms
            if then:
                then(raw)

        return small_spec_factory(mutate)

    return make


def azurite_sink(azurite, container: str, key_env: str) -> dict:
    """A spec's ``sink:`` on a container of the session's Azurite; the test sets ``key_env``."""
    return {
        "type": "azure", "account_url": azurite.account_url, "container": container, "prefix": "mgdc",
        "credential": {"type": "key", "key_env": key_env},
    }


def mgdc_asset(app: AppSpec, key: dg.AssetKey) -> dg.AssetsDefinition:
    return next(a for a in build_mgdc_assets(app) if a.key == key)


def resources(app: AppSpec) -> dict[str, Any]:
    return dict(build_defs(app).resources)


def materialize_mgdc(app: AppSpec, instance: dg.DagsterInstance, key: dg.AssetKey, *partitions: str) -> None:
    for partition in partitions:
        dg.materialize([mgdc_asset(app, key)], instance=instance, resources=resources(app), partition_key=partition)


def materialize_mgdc_range(app: AppSpec, instance: dg.DagsterInstance, key: dg.AssetKey, start: str, end: str) -> None:
    tags = {ASSET_PARTITION_RANGE_START_TAG: start, ASSET_PARTITION_RANGE_END_TAG: end}
    assert dg.materialize([mgdc_asset(app, key)], instance=instance, resources=resources(app), tags=tags).success


def run_downstream(
    app: AppSpec,
    instance: dg.DagsterInstance,
    downstream: Sequence[dg.AssetsDefinition],
    partition_key: str | None = None,
    raise_on_error: bool = True,
) -> dg.ExecuteInProcessResult:
    """Materialize only ``downstream``; the MGDC assets are there to be read, not run."""
    return dg.materialize(
        [*build_mgdc_assets(app), *downstream],
        selection=list(downstream),
        instance=instance,
        resources=resources(app),
        partition_key=partition_key,
        raise_on_error=raise_on_error,
    )


def committed_rows(instance: dg.DagsterInstance, key: dg.AssetKey, partitions: Sequence[str]) -> int:
    """Rows the MGDC asset reported committing, summed over ``partitions`` (latest event each)."""
    latest: dict[str, int] = {}
    records = instance.fetch_materializations(key, limit=1000).records
    for record in sorted(records, key=lambda r: r.storage_id):
        event = record.asset_materialization
        latest[event.partition] = event.metadata["dagster/row_count"].value
    missing = set(partitions) - set(latest)
    assert not missing, f"not materialized: {missing}"
    return sum(latest[p] for p in partitions)


def app_sink(app: AppSpec) -> Sink:
    """The app's sink, built as a run builds it (until then an Azure key is its EnvVar's name)."""
    with dg.build_resources({"sink": resources(app)[resource_keys(app).sink]}) as built:
        return built.sink.get_sink()


def committed_ids(app: AppSpec, partitions: Sequence[PartitionRef]) -> list[str]:
    sink = app_sink(app)
    return sorted(v for p in partitions for b in sink.read_committed(p, ["id"]) for v in b.column("id").to_pylist())


def message_partition(key: str) -> PartitionRef:
    date, scope = key.split("|")
    return PartitionRef("BasicDataSet_v0.Message_v1", dt.date.fromisoformat(date), scope)


def failure_message(result: dg.ExecuteInProcessResult) -> str:
    failure = next(e for e in result.all_events if e.is_step_failure)
    return failure.step_failure_data.error.to_string()


def written_schema(app: AppSpec, *partition_columns: str) -> pa.Schema:
    item = app.dataset("Message_v1")
    schema = item.dataset.output_schema(item.written_columns)
    return pa.schema([*schema, *(pa.field(name, pa.string()) for name in partition_columns)])


# -- a daily downstream asset: every scope of its day, in each of the three types ----------------


def pandas_and_arrow_inputs(got: dict, partitions_def: dg.PartitionsDefinition) -> tuple:
    """Two assets that receive the messages of their partition in ``got``: ``as_pandas``
    (``got["pandas"]``, a DataFrame) and ``as_table`` (``got["table"]``, a pyarrow Table)."""

    @dg.asset(partitions_def=partitions_def, ins={"messages": dg.AssetIn(MESSAGES)})
    def as_pandas(messages: pd.DataFrame) -> None:
        got["pandas"] = messages

    @dg.asset(partitions_def=partitions_def, ins={"messages": dg.AssetIn(MESSAGES)})
    def as_table(messages: pa.Table) -> None:
        got["table"] = messages

    return as_pandas, as_table


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_daily_asset_gets_every_scope_of_its_day_as_pandas_arrow_and_dataset(app_factory, fmt):
    app = app_factory(fmt)
    got: dict[str, Any] = {}
    daily = dg.DailyPartitionsDefinition("2026-01-01")  # as a user writes it: no timezone, UTC by default
    as_pandas, as_table = pandas_and_arrow_inputs(got, daily)

    @dg.asset(partitions_def=daily, ins={"messages": dg.AssetIn(MESSAGES)})
    def as_dataset(messages: pads.Dataset) -> None:
        # Lazy: read it inside the asset. read_table is safe for JSON datasets too.
        got["dataset"] = messages
        got["dataset_rows"] = read_table(messages, columns=["id"]).num_rows
        got["dataset_table"] = read_table(messages, filter=pads.field("scope") == "sales")
        if fmt == "parquet":
            got["dataset_native"] = (messages.count_rows(), messages.to_table(filter=pads.field("scope") == "sales").num_rows)

    @dg.asset(partitions_def=daily, ins={"messages": dg.AssetIn(MESSAGES)})
    def unannotated(messages) -> None:
        got["default"] = messages

    with scoped_instance(app) as instance:
        materialize_mgdc(app, instance, MESSAGES, f"{DAY}|all", f"{DAY}|sales", f"{OTHER_DAY}|all")
        assert run_downstream(app, instance, [as_pandas, as_table, as_dataset, unannotated], DAY).success
        expected_rows = committed_rows(instance, MESSAGES, [f"{DAY}|all", f"{DAY}|sales"])
        sales_rows = committed_rows(instance, MESSAGES, [f"{DAY}|sales"])

    assert expected_rows > sales_rows > 0
    expected_ids = committed_ids(app, [message_partition(f"{DAY}|all"), message_partition(f"{DAY}|sales")])

    # Arrow Table (and the default for an unannotated input): catalog types, partition columns.
    table = got["table"]
    assert isinstance(table, pa.Table) and isinstance(got["default"], pa.Table)
    assert table.num_rows == got["default"].num_rows == expected_rows
    assert table.schema.equals(written_schema(app, "date", "scope"), check_metadata=False)
    assert sorted(table.column("id").to_pylist()) == expected_ids
    assert set(table.column("date").to_pylist()) == {DAY}
    assert set(table.column("scope").to_pylist()) == {"all", "sales"}
    assert table.schema.field("receivedDateTime").type == UTC_MICROS
    assert pa.types.is_struct(table.schema.field("sender").type)
    sender = next(s for s in table.column("sender").to_pylist() if s)
    assert "@" in sender["emailAddress"]["address"]

    # Lazy pyarrow Dataset: same rows, filterable on the partition columns without reading all.
    assert isinstance(got["dataset"], pads.Dataset)
    assert got["dataset_rows"] == expected_rows
    assert got["dataset_table"].num_rows == sales_rows
    assert got["dataset_table"].schema.equals(table.schema, check_metadata=False)
    assert got.get("dataset_native", (expected_rows, sales_rows)) == (expected_rows, sales_rows)

    # pandas: tz-aware UTC timestamps, nested structs kept typed, nullable booleans.
    frame = got["pandas"]
    assert isinstance(frame, pd.DataFrame) and len(frame) == expected_rows
    assert list(frame.columns) == table.column_names
    assert str(frame["receivedDateTime"].dtype) == "datetime64[us, UTC]"
    assert frame["receivedDateTime"].dt.tz is not None and str(frame["receivedDateTime"].dt.tz) == "UTC"
    assert frame["sender"].dtype == pd.ArrowDtype(table.schema.field("sender").type)
    assert frame["toRecipients"].dtype == pd.ArrowDtype(table.schema.field("toRecipients").type)
    assert str(frame["hasAttachments"].dtype) == "boolean"
    assert set(frame["scope"]) == {"all", "sales"} and set(frame["date"]) == {DAY}
    assert pa.Table.from_pandas(frame, preserve_index=False).select(["sender", "receivedDateTime"]).schema.equals(
        table.select(["sender", "receivedDateTime"]).schema, check_metadata=False
    )
    assert frame.groupby("scope").size().to_dict()["sales"] == sales_rows


def test_the_loaded_schema_is_what_was_written_without_dropped_columns(app_factory):
    app = app_factory(transforms={"bodyPreview": "drop"})
    got = {}

    @dg.asset(partitions_def=mgdc_asset(app, MESSAGES).partitions_def, ins={"messages": dg.AssetIn(MESSAGES)})
    def same_partition(messages: pa.Table) -> None:
        got["table"] = messages

    with scoped_instance(app) as instance:
        materialize_mgdc(app, instance, MESSAGES, f"{DAY}|sales")
        assert run_downstream(app, instance, [same_partition], f"{DAY}|sales").success
        assert got["table"].num_rows == committed_rows(instance, MESSAGES, [f"{DAY}|sales"])
    assert "bodyPreview" in app.dataset("Message_v1").selected_columns
    assert "bodyPreview" not in got["table"].column_names
    assert got["table"].schema.equals(written_schema(app, "date", "scope"), check_metadata=False)
    assert set(got["table"].column("scope").to_pylist()) == {"sales"}


# -- coarser and finer downstream partitions ---------------------------------------------------


def test_a_weekly_asset_gets_seven_days_of_every_scope(app_factory):
    app = app_factory()
    got = {}
    weekly = dg.WeeklyPartitionsDefinition("2026-01-04")  # Sundays; 2026-11-15 covers 15..21
    week = [f"2026-11-{day}" for day in range(15, 22)]

    # Inferred in Dagster 1.13: MultiToSingleDimensionPartitionMapping, with a time-window
    # mapping on `date`. An explicit TimeWindowPartitionMapping() fails here, because it
    # requires a time-window (not a multi) upstream.
    @dg.asset(partitions_def=weekly, ins={"messages": dg.AssetIn(MESSAGES)})
    def weekly_all_scopes(messages: pa.Table) -> None:
        got["all_scopes"] = messages

    # Weekly × scope downstream: the mapping must be explicit (the inferred one is identity).
    weekly_by_scope = dg.MultiPartitionsDefinition(
        {"date": weekly, "scope": dg.StaticPartitionsDefinition(["all", "sales"])}
    )
    per_scope_week = dg.MultiPartitionMapping(
        {
            "date": dg.DimensionPartitionMapping("date", dg.TimeWindowPartitionMapping()),
            "scope": dg.DimensionPartitionMapping("scope", dg.IdentityPartitionMapping()),
        }
    )

    @dg.asset(partitions_def=weekly_by_scope, ins={"messages": dg.AssetIn(MESSAGES, partition_mapping=per_scope_week)})
    def weekly_one_scope(messages: pd.DataFrame) -> None:
        got["one_scope"] = messages

    with scoped_instance(app) as instance:
        for scope in ("all", "sales"):
            materialize_mgdc_range(app, instance, MESSAGES, f"{week[0]}|{scope}", f"{week[-1]}|{scope}")
        materialize_mgdc(app, instance, MESSAGES, "2026-11-22|all")  # the next week: not read
        assert run_downstream(app, instance, [weekly_all_scopes], "2026-11-15").success
        key = dg.MultiPartitionKey({"date": "2026-11-15", "scope": "sales"})
        assert run_downstream(app, instance, [weekly_one_scope], key).success
        all_rows = committed_rows(instance, MESSAGES, [f"{d}|{s}" for d in week for s in ("all", "sales")])
        sales_rows = committed_rows(instance, MESSAGES, [f"{d}|sales" for d in week])

    table = got["all_scopes"]
    assert table.num_rows == all_rows
    assert sorted(set(table.column("date").to_pylist())) == week
    assert set(table.column("scope").to_pylist()) == {"all", "sales"}
    frame = got["one_scope"]
    assert len(frame) == sales_rows
    assert sorted(set(frame["date"])) == week and set(frame["scope"]) == {"sales"}


def test_an_unpartitioned_asset_gets_everything_materialized(app_factory):
    app = app_factory("mgdc-jsonl")
    got = {}

    @dg.asset(ins={"messages": dg.AssetIn(MESSAGES)})
    def all_mail(messages: pa.Table) -> None:
        got["table"] = messages

    materialized = [f"{OTHER_DAY}|all", f"{DAY}|all", f"{DAY}|sales"]
    with scoped_instance(app) as instance:
        materialize_mgdc(app, instance, MESSAGES, *materialized)
        assert run_downstream(app, instance, [all_mail]).success
        expected = committed_rows(instance, MESSAGES, materialized)
    table = got["table"]
    assert table.num_rows == expected > 0
    assert sorted(table.column("id").to_pylist()) == committed_ids(app, [message_partition(p) for p in materialized])
    pairs = set(zip(table.column("date").to_pylist(), table.column("scope").to_pylist()))
    assert pairs == {tuple(p.split("|")) for p in materialized}
    assert table.schema.equals(written_schema(app, "date", "scope"), check_metadata=False)


def test_a_tenant_wide_dataset_gives_a_date_column_and_no_scope(app_factory):
    app = app_factory()
    got = {}

    @dg.asset(partitions_def=dg.DailyPartitionsDefinition("2026-01-01"), ins={"sites": dg.AssetIn(SITES)})
    def site_stats(sites: pd.DataFrame) -> None:
        got["frame"] = sites

    with scoped_instance(app) as instance:
        materialize_mgdc(app, instance, SITES, DAY)
        assert run_downstream(app, instance, [site_stats], DAY).success
        expected = committed_rows(instance, SITES, [DAY])
    frame = got["frame"]
    assert len(frame) == expected > 0
    assert set(frame["date"]) == {DAY}
    assert "scope" not in frame.columns


# -- clear failures -------------------------------------------------------------------------------


def test_a_partition_never_materialized_fails_naming_it(app_factory):
    app = app_factory()
    ran = []

    @dg.asset(partitions_def=dg.DailyPartitionsDefinition("2026-01-01"), ins={"messages": dg.AssetIn(MESSAGES)})
    def daily_mail(messages: pa.Table) -> None:
        ran.append(messages.num_rows)

    with scoped_instance(app) as instance:
        materialize_mgdc(app, instance, MESSAGES, f"{DAY}|all")  # but not DAY|sales
        result = run_downstream(app, instance, [daily_mail], DAY, raise_on_error=False)
    assert not result.success
    message = failure_message(result)
    assert "1 of the 2 requested partition(s) of mgdc/Message_v1 are not committed" in message
    assert f"{DAY}|sales" in message and f"{DAY}|all." not in message
    assert "Materialize them first" in message
    assert ran == [], "the asset must not run on fewer rows than it asked for"


def test_an_unpartitioned_asset_fails_clearly_when_nothing_is_materialized(app_factory):
    app = app_factory()

    @dg.asset(ins={"messages": dg.AssetIn(MESSAGES)})
    def all_mail(messages: pa.Table) -> None: ...

    with scoped_instance(app) as instance:
        result = run_downstream(app, instance, [all_mail], raise_on_error=False)
    assert "no partition of mgdc/Message_v1 has been materialized yet" in failure_message(result)


def test_an_unsupported_annotation_fails_listing_the_supported_ones(app_factory):
    app = app_factory()

    @dg.asset(partitions_def=dg.DailyPartitionsDefinition("2026-01-01"), ins={"messages": dg.AssetIn(MESSAGES)})
    def wants_a_batch(messages: pa.RecordBatch) -> None: ...

    with scoped_instance(app) as instance:
        result = run_downstream(app, instance, [wants_a_batch], DAY, raise_on_error=False)
    message = failure_message(result)
    assert "cannot load mgdc/Message_v1 as pyarrow.lib.RecordBatch" in message
    assert "pyarrow.dataset.Dataset (lazy), pyarrow.Table or pandas.DataFrame" in message


def test_a_value_routed_into_the_loader_is_refused(app_factory):
    app = app_factory()

    @dg.asset(io_manager_key=resource_keys(app).loader)
    def not_mgdc() -> int:
        return 42

    with scoped_instance(app) as instance:
        result = run_downstream(app, instance, [not_mgdc], raise_on_error=False)
    assert "MgdcIOManager stores nothing, but not_mgdc returned a int" in failure_message(result)


def test_every_mgdc_asset_is_read_by_the_loader_bound_to_the_same_sink(app_factory):
    app = app_factory()
    defs = build_defs(app)
    for asset in build_mgdc_assets(app):
        assert asset.get_io_manager_key_for_asset_key(asset.key) == resource_keys(app).loader
        assert asset.specs_by_key[asset.key].metadata["mgdc/written_columns"] == list(app.dataset(asset.key.path[-1]).written_columns)
    loader = defs.resources[resource_keys(app).loader]
    assert isinstance(loader, MgdcIOManager)
    assert loader.sink is defs.resources[resource_keys(app).sink]


def test_json_datasets_are_read_without_the_pyarrow_deadlock(tmp_path):
    """Several multi-block JSON files on a one-thread pool: ``Dataset.to_table()`` can hang here
    (pyarrow 26), ``read_table`` reads one file at a time and must finish."""
    sink = LocalSink(tmp_path, format="mgdc-jsonl")
    schema = pa.schema([("id", pa.string()), ("sent", UTC_MICROS), ("sender", pa.struct([("address", pa.string())]))])
    partitions = [PartitionRef("BasicDataSet_v0.Example_v0", dt.date(2026, 11, day), scope) for day in (19, 20) for scope in ("all", "sales")]
    rows = 12_000  # about 1.2 MB per file: two JSON blocks
    for partition in partitions:
        writer = sink.open_partition(partition, schema)
        ids = pa.array([f"{partition.scope}-{partition.date}-{i:08d}-{'x' * 40}" for i in range(rows)])
        sent = pa.array([i * 1_000_000 for i in range(rows)], UTC_MICROS)
        sender = pa.array([{"address": f"user{i}@contoso.example.com"} for i in range(rows)], schema.field("sender").type)
        writer.write(pa.record_batch([ids, sent, sender], schema=schema))
        assert writer.commit().bytes > 1 << 20
    data = sink.open_dataset(partitions, schema)

    result: dict[str, Any] = {}
    previous = pa.cpu_count()
    pa.set_cpu_count(1)
    try:
        import threading

        reader = threading.Thread(target=lambda: result.update(table=read_table(data)), daemon=True)
        reader.start()
        reader.join(timeout=120)
    finally:
        pa.set_cpu_count(previous)
    assert "table" in result, "read_table did not finish: the JSON scan deadlocked"
    table = result["table"]
    assert table.num_rows == rows * len(partitions)
    assert table.schema.field("sent").type == UTC_MICROS
    assert set(zip(table.column("date").to_pylist(), table.column("scope").to_pylist())) == {
        (p.date.isoformat(), p.scope) for p in partitions
    }
    sales = read_table(data, columns=["id", "scope"], filter=pads.field("scope") == "sales")
    assert sales.column_names == ["id", "scope"] and sales.num_rows == 2 * rows


def test_the_loader_reads_an_azure_sink_the_same_way(small_spec_factory, azurite, monkeypatch):
    """The same loader over ``sink: {type: azure}`` (a real Azurite): MgdcIOManager nests the
    AzureSinkResource, which nests its storage resource."""
    monkeypatch.setenv("MGDC_TEST_LOADER_AZURE_KEY", azurite.key)
    container = f"loader{uuid.uuid4().hex[:16]}"

    def mutate(raw: dict) -> None:
        raw["sink"] = azurite_sink(azurite, container, "MGDC_TEST_LOADER_AZURE_KEY")
        raw["scopes"] = {name: raw["scopes"][name] for name in ("all", "sales")}
        raw["datasets"] = [d for d in raw["datasets"] if d["name"] == "Message_v1"]

    app = small_spec_factory(mutate)
    got = {}

    @dg.asset(partitions_def=dg.DailyPartitionsDefinition("2026-01-01"), ins={"messages": dg.AssetIn(MESSAGES)})
    def daily_mail(messages: pd.DataFrame) -> None:
        got["frame"] = messages

    @dg.asset(partitions_def=dg.DailyPartitionsDefinition("2026-01-01"), ins={"messages": dg.AssetIn(MESSAGES)})
    def daily_mail_missing(messages: pa.Table) -> None: ...

    with scoped_instance(app) as instance:
        materialize_mgdc(app, instance, MESSAGES, f"{DAY}|all", f"{DAY}|sales", f"{OTHER_DAY}|all")
        assert run_downstream(app, instance, [daily_mail], DAY).success
        expected = committed_rows(instance, MESSAGES, [f"{DAY}|all", f"{DAY}|sales"])
        failed = run_downstream(app, instance, [daily_mail_missing], OTHER_DAY, raise_on_error=False)
    frame = got["frame"]
    assert len(frame) == expected > 0
    assert set(frame["scope"]) == {"all", "sales"} and set(frame["date"]) == {DAY}
    assert str(frame["receivedDateTime"].dtype) == "datetime64[us, UTC]"
    assert f"{OTHER_DAY}|sales" in failure_message(failed) and "not committed" in failure_message(failed)
