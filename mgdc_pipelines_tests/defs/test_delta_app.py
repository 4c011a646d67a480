"""A ``format: delta`` app end to end: real instance, real synthetic tenant, real Delta tables.

The copy records the table version its commit made, and the blocking checks read that version;
a failed check withdraws the flagged partition as a new version; a re-approved grant adds or
drops columns in the table; downstream assets read one pinned version per load, and the ones
stored in the sink become Delta tables themselves. Helpers come from the loader's and the
consent assets' tests (same apps, same leaky sink).
"""

from __future__ import annotations

import json
import uuid

import dagster as dg
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.dataset as pads
import pyarrow.parquet as pq
import pytest

from mgdc_pipelines.consent.store import ConsentStore
from mgdc_pipelines.defs import resource_keys
from mgdc_pipelines.defs.constants import METADATA_TABLE_VERSION as TABLE_VERSION, METADATA_WITHDRAWN
from mgdc_pipelines.defs.loader import read_table
from mgdc_pipelines.sinks.delta import DeltaSink
from mgdc_pipelines.spec.model import AppSpec
from mgdc_pipelines_tests.conftest import demo_spec_dict, scoped_instance
from mgdc_pipelines_tests.defs.test_consent_assets import CountingSink, run
from mgdc_pipelines_tests.defs.test_loader import (  # noqa: F401 (app_factory is a fixture)
    DAY,
    MESSAGES,
    OTHER_DAY,
    app_factory,
    app_sink,
    azurite_sink,
    committed_ids,
    message_partition,
    pandas_and_arrow_inputs,
    mgdc_asset,
    resources,
    run_downstream,
)

DATASET = "BasicDataSet_v0.Message_v1"
ALL, SALES = f"{DAY}|all", f"{DAY}|sales"
CHECKS_PASSED = {"consented_columns": True, "scope_compliance": True, "transforms_applied": True}


@pytest.fixture(params=["local", "azure"])
def delta_app(request, app_factory, monkeypatch) -> AppSpec:
    """The loader tests' app writing Delta tables: in a local folder, then on Azurite."""
    if request.param == "local":
        return app_factory("delta")
    azurite = request.getfixturevalue("azurite")
    monkeypatch.setenv("MGDC_TEST_DELTA_AZURE_KEY", azurite.key)
    container = f"delta{uuid.uuid4().hex[:16]}"
    on_azurite = azurite_sink(azurite, container, "MGDC_TEST_DELTA_AZURE_KEY")
    return app_factory("delta", then=lambda raw: raw.update(sink={**on_azurite, "format": "delta"}))


def sink_of(app: AppSpec) -> DeltaSink:
    sink = app_sink(app)
    assert isinstance(sink, DeltaSink)
    return sink


def read_delta(sink: DeltaSink, dataset: str = DATASET, version: int | None = None) -> pl.DataFrame:
    """The table as polars (a reader knowing nothing of this project) reads it."""
    return pl.read_delta(sink.table_uri(dataset), version=version, storage_options=sink.storage.storage_options)


def rows_of(frame: pl.DataFrame, key: str) -> pl.DataFrame:
    date, scope = key.split("|")
    return frame.filter((pl.col("date") == date) & (pl.col("scope") == scope))


def copy(app: AppSpec, instance: dg.DagsterInstance, key: str) -> dict:
    """Materialize one partition of Message_v1; its materialization's metadata (checks passed)."""
    result = dg.materialize([mgdc_asset(app, MESSAGES)], instance=instance, resources=resources(app), partition_key=key)
    assert {c.check_name: c.passed for c in result.get_asset_check_evaluations()} == CHECKS_PASSED
    [event] = result.get_asset_materialization_events()
    return {name: getattr(value, "value", value) for name, value in event.materialization.metadata.items()}


def with_columns(columns: list[str]):
    """A ``then`` edit of the app: Message_v1 asks for exactly ``columns``."""

    def edit(raw: dict) -> None:
        next(d for d in raw["datasets"] if d["name"] == "Message_v1")["columns"] = columns

    return edit


def file_columns(sink: DeltaSink, dataset: str = DATASET) -> dict[str, list[str]]:
    """Each data file of the version the sink reads, with its own Parquet columns."""
    files = sink.storage.filesystem(dataset)
    paths = pa.table(sink.table(dataset).get_add_actions(flatten=True)).column("path").to_pylist()
    return {path: pq.read_schema(files.open_input_file(path)).names for path in paths}


# -- 1. a copy: its commit's version in the metadata, checks on it, any reader reads it ---------


def test_a_copy_records_its_table_version_passes_the_checks_and_polars_reads_it(delta_app):
    with scoped_instance(delta_app) as instance:
        metadata = copy(delta_app, instance, ALL)
    sink = sink_of(delta_app)
    [write] = [e for e in sink.table(DATASET).history() if e.get("mgdc.operation") == "write"]
    assert metadata[TABLE_VERSION] == write["version"] == sink.table_version(DATASET)
    frame = read_delta(sink)
    assert frame.height == metadata["dagster/row_count"] > 0
    assert sorted(frame["id"]) == committed_ids(delta_app, [message_partition(ALL)])
    assert set(frame["scope"]) == {"all"} and set(frame["date"]) == {DAY}


# -- 2. a failed check: the partition leaves the current version, not the one the check read -----


def test_a_failed_check_withdraws_the_partition_as_a_new_version_and_suspends_the_app(app_factory):
    app = app_factory("delta")
    with scoped_instance(app) as instance:
        kept = copy(app, instance, SALES)
    leaky = {**resources(app), resource_keys(app).sink: CountingSink(
        path=str(app.sink.resolved_path()), format="delta", corrupt_after_commit=True)}
    result, events, checks, _ = run(app, "Message_v1", ALL, resources=leaky)

    assert not result.success and not checks["consented_columns"].passed
    assert "'body' is not authorized" in json.dumps(checks["consented_columns"].metadata["problems"].value)
    metadata = events["Message_v1"].materialization.metadata
    checked, rows = metadata[TABLE_VERSION].value, metadata["dagster/row_count"].value
    assert metadata[METADATA_WITHDRAWN].value is True and rows > 0

    sink = sink_of(app)
    assert sink.table_version(DATASET) == checked + 1
    assert sink.table(DATASET).history(1)[0]["mgdc.operation"] == "withdraw"
    assert sink.committed_rows(message_partition(ALL)) is None
    assert rows_of(read_delta(sink), ALL).height == 0
    assert rows_of(read_delta(sink), SALES).height == kept["dagster/row_count"]  # other partitions stay
    assert sink.pinned(DATASET, checked).committed_rows(message_partition(ALL)) == rows  # time travel

    suspension = ConsentStore.of(app).view().suspension
    assert suspension is not None and suspension.partitions == (ALL,) and "consented_columns" in suspension.reason


# -- 3. re-approved grants: a column added, then one dropped ------------------------------------


def test_a_reapproved_grant_adds_then_drops_a_column_in_the_table(app_factory):
    [columns] = [d["columns"] for d in demo_spec_dict()["datasets"] if d["name"] == "Message_v1"]
    added, dropped = "subject", "bodyPreview"
    partitions = [message_partition(key) for key in (ALL, SALES, f"{OTHER_DAY}|all")]
    first = app_factory("delta", then=with_columns([c for c in columns if c != added]))
    with scoped_instance(first) as instance:
        copy(first, instance, ALL)
        grown = app_factory("delta", then=with_columns(columns))  # re-approved with `subject`
        copy(grown, instance, SALES)
        sink = sink_of(grown)
        assert added in [field.name for field in sink.table(DATASET).schema().fields]
        frame = read_delta(sink)
        assert rows_of(frame, ALL)[added].null_count() == rows_of(frame, ALL).height > 0  # older: null
        assert rows_of(frame, SALES)[added].null_count() < rows_of(frame, SALES).height  # written
        rows_before = {p.key: sink.committed_rows(p) for p in partitions[:2]}

        shrunk = app_factory("delta", then=with_columns([c for c in columns if c != dropped]))  # re-approved
        copy(shrunk, instance, partitions[2].key)  # without `bodyPreview`: the checks pass

    sink = sink_of(shrunk)
    for path, names in file_columns(sink).items():
        assert dropped not in names, path
    for partition in partitions:
        [schema] = sink.committed_schemas(partition).values()
        assert dropped not in schema.names and added in schema.names
    # Rewriting the table without the column kept every row written before.
    assert {p.key: sink.committed_rows(p) for p in partitions[:2]} == rows_before
    assert sorted(read_delta(sink)["id"]) == committed_ids(shrunk, partitions)


# -- 4. MgdcIOManager: pandas, Arrow, a lazy dataset, each of one pinned version ---------------


def loaded_versions(result: dg.ExecuteInProcessResult) -> dict[str, int]:
    """The table version each step's LOADED_INPUT event recorded, by step."""
    return {
        event.step_key: event.event_specific_data.metadata[TABLE_VERSION].value
        for event in result.all_events
        if event.is_loaded_input and TABLE_VERSION in event.event_specific_data.metadata
    }


def test_downstream_inputs_read_one_pinned_table_version_and_record_it(app_factory):
    app = app_factory("delta")
    sink = sink_of(app)
    got: dict = {}
    as_pandas, as_table = pandas_and_arrow_inputs(got, dg.DailyPartitionsDefinition("2026-01-01"))

    @dg.asset(partitions_def=mgdc_asset(app, MESSAGES).partitions_def, ins={"messages": dg.AssetIn(MESSAGES)})
    def as_dataset(messages: pads.Dataset) -> None:
        # Another run replaces the partition after this load started: this load does not see it.
        content = pa.schema([f for f in messages.schema if f.name not in ("date", "scope")])
        writer = sink.open_partition(message_partition(ALL), content)
        writer.write(read_table(messages, columns=content.names).to_batches()[0].slice(0, 1))
        got["replaced_by"] = writer.commit().version
        got["dataset"] = read_table(messages)

    with scoped_instance(app) as instance:
        copy(app, instance, ALL)
        copy(app, instance, SALES)
        loaded_at = sink.table_version(DATASET)
        ids_all = committed_ids(app, [message_partition(ALL)])
        ids_day = committed_ids(app, [message_partition(ALL), message_partition(SALES)])
        daily_run = run_downstream(app, instance, [as_pandas, as_table], DAY)
        daily_log = [entry.user_message for entry in instance.all_logs(daily_run.run_id)]
        scoped_run = run_downstream(app, instance, [as_dataset], ALL)
        [observation] = instance.fetch_observations(MESSAGES, limit=10).records

    assert sorted(got["pandas"]["id"]) == sorted(got["table"].column("id").to_pylist()) == ids_day
    assert set(got["pandas"]["scope"]) == {"all", "sales"} and set(got["table"].column("date").to_pylist()) == {DAY}
    # A day's input spans two scope partitions: Dagster takes input metadata for one partition
    # only, so the version read is in each load's log line.
    assert sum(f"at table version {loaded_at}" in line for line in daily_log) == 2

    assert isinstance(got["dataset"], pa.Table) and sorted(got["dataset"].column("id").to_pylist()) == ids_all
    assert got["replaced_by"] == loaded_at + 1 and sink.committed_rows(message_partition(ALL)) == 1
    assert loaded_versions(scoped_run) == {"as_dataset": loaded_at}
    # A one-partition input is also an observation of that partition, with the version.
    assert observation.asset_observation.partition == ALL
    assert observation.asset_observation.metadata[TABLE_VERSION].value == loaded_at


# -- 5. a downstream asset stored in the sink is a Delta table -----------------------------------


def test_a_downstream_asset_stored_in_the_sink_is_a_delta_table(app_factory):
    app = app_factory("delta")
    daily = dg.DailyPartitionsDefinition("2026-01-01")
    got = {}

    @dg.asset(partitions_def=daily, ins={"messages": dg.AssetIn(MESSAGES)}, io_manager_key=resource_keys(app).downstream_io)
    def mail_per_scope(messages: pa.Table) -> pd.DataFrame:
        return messages.group_by("scope").aggregate([("id", "count")]).to_pandas()

    @dg.asset(partitions_def=daily, ins={"per_scope": dg.AssetIn(mail_per_scope.key)})
    def reads_it_back(per_scope: pd.DataFrame) -> None:
        got["frame"] = per_scope

    with scoped_instance(app) as instance:
        copy(app, instance, ALL)
        copy(app, instance, SALES)
        result = run_downstream(app, instance, [mail_per_scope, reads_it_back], DAY)
        [stored] = [e for e in result.get_asset_materialization_events() if e.asset_key == mail_per_scope.key]

    sink = sink_of(app)
    frame = read_delta(sink, "mail_per_scope").sort("scope")
    assert frame["scope"].to_list() == ["all", "sales"] and set(frame["date"]) == {DAY}
    assert sum(frame["id_count"]) == len(committed_ids(app, [message_partition(ALL), message_partition(SALES)]))
    assert stored.materialization.metadata[TABLE_VERSION].value == sink.table_version("mail_per_scope")
    assert sorted(got["frame"]["scope"]) == ["all", "sales"]
    assert loaded_versions(result)["reads_it_back"] == sink.table_version("mail_per_scope")
