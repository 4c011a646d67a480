"""Delta apps get a maintenance job and its schedule; it compacts and vacuums the real tables."""

from __future__ import annotations

import datetime as dt

import dagster as dg
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from mgdc_pipelines.defs import build_defs, resource_keys
from mgdc_pipelines.defs.downstream import downstream_asset_key
from mgdc_pipelines.defs.resources import LocalSinkResource
from mgdc_pipelines.sinks.base import PartitionRef
from mgdc_pipelines.sinks.delta import DeltaSink
from mgdc_pipelines.spec.errors import SpecError
from mgdc_pipelines_tests.conftest import demo_spec_dict, scoped_instance
from mgdc_pipelines_tests.defs.sensor_helpers import SALES

MESSAGES = "BasicDataSet_v0.Message_v1"
USERS = "BasicDataSet_v0.User_v1"
DAYS = ("2026-11-19", "2026-11-20")
FILE_ROWS = 4  # a partition of the small tenant's mail holds several times that: several small files


class SmallFilesDeltaSink(LocalSinkResource):
    """The spec's Delta sink writing files of a few rows, as many small commits would leave them."""

    def get_sink(self) -> DeltaSink:
        return DeltaSink.local(self.path, compression=self.compression, max_file_rows=FILE_ROWS)


def delta_app(raw: dict, **maintenance) -> None:
    """Mail and users for one scope, into a Delta sink with ``maintenance`` (if any)."""
    raw["scopes"] = {"sales": [SALES]}
    raw["datasets"] = [d for d in raw["datasets"] if d["name"] in ("Message_v1", "User_v1")]
    raw["sink"]["format"] = "delta"
    if maintenance:
        raw["sink"]["maintenance"] = maintenance


def names(defs: dg.Definitions) -> tuple[list[str], list[str], list[str]]:
    return (sorted(j.name for j in defs.jobs), sorted(s.name for s in defs.schedules),
            sorted(s.name for s in defs.sensors))


def test_a_delta_app_gets_the_maintenance_job_and_its_schedule_as_the_spec_declares(small_spec_factory):
    schedule = {"cron": "15 2 * * 0", "timezone": "Europe/Paris", "default_status": "running"}
    app = small_spec_factory(lambda raw: delta_app(raw, retention_days=3, schedule=schedule))
    defs = build_defs(app)
    job = defs.resolve_job_def("demo_delta_maintenance")
    assert job.tags["mgdc/app"] == "demo"
    [op] = job.all_node_defs
    assert op.required_resource_keys == {resource_keys(app).sink}  # the key the assets write through
    maintenance = defs.resolve_schedule_def("demo_delta_maintenance_schedule")
    assert maintenance.job_name == "demo_delta_maintenance"
    assert (maintenance.cron_schedule, maintenance.execution_timezone) == ("15 2 * * 0", "Europe/Paris")
    assert maintenance.default_status is dg.DefaultScheduleStatus.RUNNING


def test_the_maintenance_schedule_defaults_to_3_am_utc_stopped(small_spec_factory):
    defs = build_defs(small_spec_factory(delta_app))
    maintenance = defs.resolve_schedule_def("demo_delta_maintenance_schedule")
    assert (maintenance.cron_schedule, maintenance.execution_timezone) == ("0 3 * * *", "UTC")
    assert maintenance.default_status is dg.DefaultScheduleStatus.STOPPED


def test_a_parquet_app_has_no_maintenance_job_or_schedule(small_spec_factory):
    def parquet_app(raw):
        delta_app(raw)
        raw["sink"]["format"] = "parquet"

    parquet = build_defs(small_spec_factory(parquet_app))
    delta = build_defs(small_spec_factory(delta_app))
    assert names(parquet) == (["demo_copy"], ["demo_daily"], ["demo_availability"])
    assert names(delta) == (["demo_copy", "demo_delta_maintenance"],
                            ["demo_daily", "demo_delta_maintenance_schedule"], ["demo_availability"])


def test_maintenance_on_a_parquet_sink_is_a_spec_error_naming_the_field(small_spec_factory):
    def parquet_with_maintenance(raw):
        raw["sink"]["maintenance"] = {"retention_days": 1}

    with pytest.raises(SpecError) as error:
        small_spec_factory(parquet_with_maintenance)
    assert "sink.maintenance" in str(error.value)
    assert "`maintenance` applies to `format: delta` tables only (this sink writes parquet)" in str(error.value)


def test_the_job_compacts_small_files_deletes_an_orphan_and_reports_each_table(small_spec_factory):
    app = small_spec_factory(lambda raw: delta_app(raw, retention_days=0))
    sink_key = resource_keys(app).sink
    small_files_sink = SmallFilesDeltaSink(path=str(app.sink.resolved_path()), format="delta")
    defs = build_defs(app, resources={sink_key: small_files_sink})
    sink = defs.resources[sink_key].get_sink()
    partitions = [PartitionRef(MESSAGES, dt.date.fromisoformat(day), "sales") for day in DAYS]
    with scoped_instance(app) as instance:
        copy = defs.resolve_job_def("demo_copy").get_subset(asset_selection={dg.AssetKey(["mgdc", "Message_v1"])})
        for day in DAYS:  # User_v1 is never copied: its table does not exist
            assert copy.execute_in_process(instance=instance, partition_key=f"{day}|sales").success
        small_files = sum(len(sink.committed_files(p)) for p in partitions)
        assert small_files > len(partitions)  # several files per partition
        before = rows_of(sink, partitions)
        orphan = write_orphan(app, partitions[0])

        result = defs.resolve_job_def("demo_delta_maintenance").execute_in_process(instance=instance)

        assert result.success
        assert not orphan.exists()
        assert [len(sink.committed_files(p)) for p in partitions] == [1, 1]
        assert rows_of(sink, partitions).equals(before)
        [observation] = [e.asset_observation_data.asset_observation for e in result.get_asset_observation_events()]
        assert observation.asset_key == dg.AssetKey(["mgdc", "Message_v1"])
        reported = {key: value.value for key, value in observation.metadata.items()}
        assert reported["mgdc/files_compacted"] == small_files and reported["mgdc/files_written"] == 2
        assert reported["mgdc/files_deleted"] == small_files + 1  # the compacted ones and the orphan
        assert reported["mgdc/table_version"] == sink.table_version(MESSAGES)
        messages = [e.message for e in instance.all_logs(result.run_id) if e.message]
        assert any(m.endswith(f"{USERS}: skipped, no Delta table there yet") for m in messages)
        assert any(f"compacted {small_files} file(s) into 2, vacuum deleted {small_files + 1}" in m for m in messages)
        [output] = [e for e in result.all_events if e.is_successful_output]
        summary = output.event_specific_data.metadata["mgdc/tables"].value
        assert f"| {USERS} | skipped |" in summary and f"| {MESSAGES} | {small_files} | 2 |" in summary


def test_the_job_maintains_the_downstream_tables_stored_in_the_sink(small_spec_factory):
    def with_edges(raw):
        delta_app(raw, retention_days=0)
        demo = demo_spec_dict(downstream=True)
        raw["datasets"] = [d for d in demo["datasets"] if d["name"] in ("Message_v1", "TeamChat_v1")]
        raw["downstream"] = [e for e in demo["downstream"] if e["name"] == "collaboration_edges"]

    app = small_spec_factory(with_edges)
    defs = build_defs(app)
    edges = downstream_asset_key(app, "collaboration_edges")

    # Written through the app's downstream IO manager, twice: the first file is then no longer current.
    @dg.asset(key=edges, io_manager_key=resource_keys(app).downstream_io)
    def stand_in() -> pa.Table:
        return pa.table({"sender": ["a"], "recipient": ["b"]})

    with scoped_instance(app) as instance:
        for _ in range(2):
            assert dg.materialize([stand_in], instance=instance, resources=defs.resources).success
        result = defs.resolve_job_def("demo_delta_maintenance").execute_in_process(instance=instance)
    [observation] = [e.asset_observation_data.asset_observation for e in result.get_asset_observation_events()]
    assert observation.asset_key == edges
    assert observation.metadata["mgdc/files_deleted"].value == 1
    assert observation.metadata["dagster/uri"].value.endswith("/demo.collaboration_edges")


def test_a_table_that_fails_fails_the_run_by_name_after_the_others_are_maintained(small_spec_factory):
    app = small_spec_factory(lambda raw: delta_app(raw, retention_days=0))
    defs = build_defs(app)
    sink = defs.resources[resource_keys(app).sink].get_sink()
    users = PartitionRef(USERS, dt.date(2026, 11, 20), "sales")
    for partition in (users, PartitionRef(MESSAGES, users.date, "sales")):
        writer = sink.open_partition(partition, pa.schema([("id", pa.string())]))
        writer.write(pa.record_batch([pa.array(["a"])], names=["id"]))
        writer.commit()
    log = app.sink.resolved_path() / USERS / "_delta_log"
    for commit in log.glob("*.json"):
        commit.write_text("not a Delta log entry\n")

    with dg.instance_for_test() as instance:
        job = defs.resolve_job_def("demo_delta_maintenance")
        result = job.execute_in_process(instance=instance, raise_on_error=False)
        messages = [e.message for e in instance.all_logs(result.run_id) if e.message]
        observed = {key: len(instance.fetch_observations(key, limit=10).records)
                    for key in (dg.AssetKey(["mgdc", "Message_v1"]), dg.AssetKey(["mgdc", "User_v1"]))}
    assert not result.success
    [failure] = [e for e in result.all_events if e.is_step_failure]
    assert f"maintenance failed for {USERS} (see the log)" in failure.step_failure_data.error.message
    assert any(m.endswith(f"{USERS}: maintenance failed (DeltaError)") for m in messages)
    assert observed == {dg.AssetKey(["mgdc", "Message_v1"]): 1, dg.AssetKey(["mgdc", "User_v1"]): 0}


def rows_of(sink: DeltaSink, partitions: list[PartitionRef]) -> pa.Table:
    """Every committed row of ``partitions``, in a stable order."""
    data = sink.open_dataset(partitions, pa.schema([])).to_table()
    return data.sort_by([("id", "ascending"), ("date", "ascending")])


def write_orphan(app, partition: PartitionRef):
    """A Parquet file in the partition's folder that no version lists: what a killed writer leaves."""
    folder = app.sink.resolved_path() / partition.dataset / f"date={partition.date}" / f"scope={partition.scope}"
    orphan = folder / "part-00000-killed-writer.parquet"
    pq.write_table(pa.table({"id": ["left behind"]}), orphan)
    return orphan
