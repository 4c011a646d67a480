"""Reading what one ADF run delivered to a real Azurite container: once, split by day, deleted.

The deliveries are what MGDC writes: the synthetic tenant's rows for the run's window, as MGDC
JSON lines (the project's ``mgdc-jsonl`` writer), in three ``part-*.json`` files.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
import stat
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pytest
from azure.storage.blob import BlobServiceClient, ContainerClient

from mgdc_pipelines.sinks.azure_account import BlobCredential
from mgdc_pipelines.sinks.formats import JsonLinesFormat
from mgdc_pipelines.sources import ExtractRequest, Scope, TimeWindow
from mgdc_pipelines.sources.landing import AzureDeliveryStore, LandingQualityError
from mgdc_pipelines.sources.mgdc.delivery import Delivery, DeliveryCleanupError, columns_to_deliver
from mgdc_pipelines.sources.mgdc.planning import PlannedRun
from mgdc_pipelines.sources.synthetic import SyntheticSource, SyntheticTenant, TenantConfig
from mgdc_pipelines_tests.sources.landing.helpers import request

CONFIG = TenantConfig(seed=42, users=40)
RUN = PlannedRun("sales", dt.date(2026, 11, 16), dt.date(2026, 11, 20))  # Monday..Friday
STAGING = "staging/mgdc"
RUN_FOLDER = f"{STAGING}/run-1"
COLUMNS = ("id", "subject", "sender", "toRecipients", "receivedDateTime", "internetMessageId")
BATCH_ROWS = 32
ROW_COUNTERS = ["datarow", "userrow", "pagerow"]


class CountingStore(AzureDeliveryStore):
    """The real store, counting how often each file is read."""

    reads: Counter

    def read_blocks(self, file, *, max_lines):
        self.reads[str(file)] += 1
        return super().read_blocks(file, max_lines=max_lines)

    def read_lines(self, file):
        self.reads[str(file)] += 1
        return super().read_lines(file)


@pytest.fixture(scope="module")
def synthetic() -> SyntheticSource:
    return SyntheticSource(CONFIG)


@pytest.fixture
def container(azurite) -> ContainerClient:
    service = BlobServiceClient.from_connection_string(azurite.connection_string)
    return service.create_container(f"staging{uuid.uuid4().hex[:16]}")


def sales() -> Scope:
    return Scope("sales", (SyntheticTenant(CONFIG).group_by_nickname["sales"].id,))


def run_request(dataset: str = "Message_v1", run: PlannedRun = RUN, **options) -> ExtractRequest:
    options.setdefault("columns", COLUMNS)
    return request(dataset, run.window, scope=sales(), batch_rows=BATCH_ROWS, **options)


def day_request(run_req: ExtractRequest, day: dt.date, columns=None) -> ExtractRequest:
    return dataclasses.replace(run_req, window=TimeWindow.for_day(day), columns=columns or run_req.columns)


def deliver(container: ContainerClient, synthetic, run_req: ExtractRequest, *, files: int = 3,
            folder: str = RUN_FOLDER, extra: bytes = b"") -> list[str]:
    """What MGDC writes for the run: its rows as JSON lines, dealt over ``files`` blobs."""
    streams = [io.BytesIO() for _ in range(files)]
    writers = [JsonLinesFormat().open(stream, run_req.output_schema) for stream in streams]
    for index, batch in enumerate(synthetic.extract(run_req)):
        writers[index % files].write(batch)
    streams[-1].write(extra)
    names = []
    for index, stream in enumerate(streams):
        names.append(f"{folder}/{run_req.dataset.name}/part-{index:05d}.json")
        container.upload_blob(names[-1], stream.getvalue())
    return names


def store_for(azurite, container: ContainerClient, folder: str = RUN_FOLDER) -> CountingStore:
    store = CountingStore(azurite.account_url, container.container_name, prefix=folder,
                          credential=BlobCredential("key", azurite.key))
    store.reads = Counter()
    return store


def open_delivery(azurite, container, run_req, tmp_path: Path, **options) -> Delivery:
    options.setdefault("max_error_ratio", 0)
    return Delivery(store_for(azurite, container), run_req, quarantine_dir=tmp_path / "quarantine",
                    spool_parent=tmp_path, **options)


def table(batches, schema: pa.Schema) -> pa.Table:
    """The rows in a fixed order, without MGDC's row counters: they count rows within one
    extraction, so a 5-day run numbers a day's rows differently than that day's own run."""
    rows = pa.Table.from_batches(list(batches), schema=schema)
    rows = rows.drop_columns([name for name in ROW_COUNTERS if name in rows.column_names])
    flat = [field.name for field in rows.schema if not pa.types.is_nested(field.type)]
    return rows.sort_by([(name, "ascending") for name in flat])


def blob_names(container: ContainerClient) -> list[str]:
    return sorted(blob.name for blob in container.list_blobs())


def test_each_day_gets_exactly_its_rows_and_the_delivery_is_read_once(azurite, container, synthetic, tmp_path):
    run_req = run_request()
    files = deliver(container, synthetic, run_req)
    delivery = open_delivery(azurite, container, run_req, tmp_path)

    for day in RUN.days:
        req = day_request(run_req, day, columns=("id", "subject", "receivedDateTime"))
        expected = table(synthetic.extract(req), req.output_schema)
        assert expected.num_rows > 0, f"the synthetic tenant sent sales no mail on {day}"
        got = table(delivery.extract(req), req.output_schema)
        assert got.equals(expected), day
        assert delivery.rows_per_day.get(day, 0) == expected.num_rows

    assert delivery.store.reads == {f"{container.container_name}/{name}": 1 for name in files}
    assert delivery.stats.rows_yielded == sum(delivery.rows_per_day.values())
    assert delivery.stats.files_read == 3 and delivery.stats.quarantined == 0
    metadata = delivery.metadata(RUN.first_day)
    assert metadata["landing/rows_of_day"] == delivery.rows_per_day[RUN.first_day]
    assert metadata["landing/files_read"] == 3 and delivery.stats.partition == "2026-11-16..2026-11-20|sales"
    assert metadata["landing/rows_yielded"] == delivery.stats.rows_yielded


def test_the_delivery_streams_through_a_private_spool_removed_on_close(azurite, container, synthetic, tmp_path):
    run_req = run_request()
    deliver(container, synthetic, run_req)
    delivery = open_delivery(azurite, container, run_req, tmp_path)

    delivery.split()
    spool = next(tmp_path.glob("mgdc-delivery-*"))
    assert stat.S_IMODE(spool.stat().st_mode) == 0o700
    assert sorted(path.name for path in spool.iterdir()) == [f"{day}.arrow" for day in RUN.days]
    busiest = max(RUN.days, key=lambda day: delivery.rows_per_day[day])
    assert delivery.rows_per_day[busiest] > BATCH_ROWS  # so its rows must come in several batches
    with pa.ipc.open_file(spool / f"{busiest}.arrow") as reader:  # written one batch at a time
        assert reader.num_record_batches > 1
        assert all(reader.get_batch(i).num_rows <= BATCH_ROWS for i in range(reader.num_record_batches))
    req = day_request(run_req, busiest, columns=("subject",))
    batches = delivery.extract(req)
    assert isinstance(batches, Iterator)  # read from the spool as they are asked for
    served = list(batches)
    assert all(batch.schema.equals(req.output_schema, check_metadata=True) for batch in served)
    sizes = [batch.num_rows for batch in served]  # the day's pieces, regrouped
    assert sizes[:-1] == [BATCH_ROWS] * (len(sizes) - 1) and 0 < sizes[-1] <= BATCH_ROWS
    assert sum(sizes) == delivery.rows_per_day[busiest]

    delivery.close()
    assert not spool.exists()


def test_a_malformed_line_is_quarantined_and_counted_and_the_rest_is_served(azurite, container, synthetic, tmp_path):
    run_req = run_request()
    deliver(container, synthetic, run_req, extra=b'{"id": "broken", oops\n')
    delivery = open_delivery(azurite, container, run_req, tmp_path, max_error_ratio=0.5)

    served = sum(batch.num_rows for day in RUN.days for batch in delivery.extract(day_request(run_req, day)))

    stats = delivery.stats
    assert stats.quarantined == 1 and stats.lines_read == served + 1
    record = json.loads(stats.quarantine_file.read_text())
    assert record["file"].endswith("/part-00002.json") and "not valid JSON" in record["error"]
    assert served == sum(batch.num_rows for batch in synthetic.extract(run_req))


def test_too_many_malformed_lines_fail_every_day_without_reading_again(azurite, container, synthetic, tmp_path):
    run_req = run_request()
    deliver(container, synthetic, run_req, extra=b"{oops\n")
    delivery = open_delivery(azurite, container, run_req, tmp_path, max_error_ratio=0)

    for day in RUN.days[:2]:
        with pytest.raises(LandingQualityError, match="1 of"):
            list(delivery.extract(day_request(run_req, day)))
    assert set(delivery.store.reads.values()) == {1}
    assert not list(tmp_path.glob("mgdc-delivery-*"))  # the partial spool is gone


def test_cleanup_deletes_every_blob_of_the_run_folder_and_nothing_else(azurite, container, synthetic, tmp_path):
    run_req = run_request()
    deliver(container, synthetic, run_req)
    container.upload_blob(f"{RUN_FOLDER}/_SUCCESS", b"")  # not a delivery file, still the run's
    others = [f"{STAGING}/run-10/x.json", f"{STAGING}/run-2/{run_req.dataset.name}/part-00000.json"]
    for name in others:
        container.upload_blob(name, b"{}\n")

    with open_delivery(azurite, container, run_req, tmp_path) as delivery:
        list(delivery.extract(day_request(run_req, RUN.first_day)))

    assert blob_names(container) == sorted(others)
    assert not list(tmp_path.glob("mgdc-delivery-*"))
    assert delivery.cleanup() == 0  # idempotent


def test_leaving_the_block_on_an_error_still_deletes_the_staging_blobs(azurite, container, synthetic, tmp_path):
    run_req = run_request()
    deliver(container, synthetic, run_req)

    with pytest.raises(RuntimeError, match="commit failed"):
        with open_delivery(azurite, container, run_req, tmp_path) as delivery:
            next(iter(delivery.extract(day_request(run_req, RUN.last_day))))
            raise RuntimeError("commit failed")

    assert blob_names(container) == []
    assert not list(tmp_path.glob("mgdc-delivery-*"))


def test_a_snapshot_dataset_is_streamed_directly(azurite, container, synthetic, tmp_path):
    one_day = PlannedRun("sales", RUN.last_day, RUN.last_day)
    run_req = run_request("User_v1", one_day, columns=("id", "displayName", "department"))
    deliver(container, synthetic, run_req)
    delivery = open_delivery(azurite, container, run_req, tmp_path)

    req = day_request(run_req, one_day.first_day, columns=("displayName",))
    got = pa.Table.from_batches(list(delivery.extract(req)), schema=req.output_schema)

    assert got.equals(pa.Table.from_batches(list(synthetic.extract(req)), schema=req.output_schema))
    assert delivery.stats.rows_yielded == got.num_rows > 0
    assert not list(tmp_path.glob("mgdc-delivery-*"))  # no spool needed


def test_requests_the_run_cannot_serve_are_refused(azurite, container, synthetic, tmp_path):
    run_req = run_request()
    delivery = open_delivery(azurite, container, run_req, tmp_path)

    with pytest.raises(ValueError, match="one of its days, not the window 2026-11-21T00:00:00"):
        delivery.extract(day_request(run_req, dt.date(2026, 11, 21)))
    with pytest.raises(ValueError, match="scope all"):
        delivery.extract(dataclasses.replace(day_request(run_req, RUN.first_day), scope=Scope.everyone()))
    with pytest.raises(ValueError, match=r"did not deliver column\(s\) \['bodyPreview'\]"):
        delivery.extract(day_request(run_req, RUN.first_day, columns=("bodyPreview",)))
    with pytest.raises(ValueError, match="placed rows by receivedDateTime, not sentDateTime"):
        delivery.extract(dataclasses.replace(day_request(run_req, RUN.first_day), date_filter_column="sentDateTime"))
    assert not delivery.store.reads


def test_calendar_view_events_go_to_the_day_they_start_on_and_none_is_lost(azurite, container, synthetic, tmp_path):
    run_req = run_request("CalendarView_v0", columns=("id", "subject", "start", "end"))
    assert columns_to_deliver(run_req) == run_req.columns
    deliver(container, synthetic, run_req)
    delivery = open_delivery(azurite, container, run_req, tmp_path)
    served = []

    for day in RUN.days:
        req = day_request(run_req, day, columns=("id", "subject", "end"))
        got = table(delivery.extract(req), req.output_schema)
        own_run = table(synthetic.extract(req), req.output_schema)  # events inside the day
        assert set(own_run["id"].to_pylist()) <= set(got["id"].to_pylist()), day
        ends = {row["id"]: row["end"]["dateTime"][:10] for row in got.to_pylist()}
        extra = set(ends) - set(own_run["id"].to_pylist())  # across midnight: kept on day one
        assert all(ends[event] > day.isoformat() for event in extra), day
        served += got["id"].to_pylist()

    whole_run = [row["id"] for batch in synthetic.extract(run_req) for row in batch.to_pylist()]
    assert sorted(served) == sorted(whole_run) and delivery.rows_without_day == 0
    # `start` routed the rows; a day's request without it does not get it.
    first = next(iter(delivery.extract(day_request(run_req, RUN.first_day, columns=("id",)))))
    assert first.schema.names[:2] == ["id", "ptenant"]


def test_a_sharepoint_run_is_one_day_placed_on_snapshot_date(azurite, container, synthetic, tmp_path):
    one_day = PlannedRun("all", RUN.last_day, RUN.last_day)
    run_req = request("SharePointSites_v1", one_day.window, batch_rows=BATCH_ROWS)
    deliver(container, synthetic, run_req)
    delivery = open_delivery(azurite, container, run_req, tmp_path)

    req = day_request(run_req, one_day.first_day, columns=("Id", "Url"))
    got = table(delivery.extract(req), req.output_schema)

    assert got.num_rows > 0 and got.equals(table(synthetic.extract(req), req.output_schema))
    assert delivery.rows_per_day == {one_day.first_day: got.num_rows}


def test_events_delivered_without_their_start_fail_the_split_naming_the_count(azurite, container, synthetic, tmp_path):
    delivered = run_request("CalendarView_v0", columns=("id", "subject"))  # `start` left out
    deliver(container, synthetic, delivered)
    run_req = run_request("CalendarView_v0", columns=("id", "subject", "start"))
    delivery = open_delivery(azurite, container, run_req, tmp_path)

    expected = sum(batch.num_rows for batch in synthetic.extract(delivered))
    with pytest.raises(ValueError, match=f"{expected} delivered rows have no start"):
        delivery.split()
    assert not list(tmp_path.glob("mgdc-delivery-*"))


def test_a_blob_that_cannot_be_deleted_is_named_and_the_others_are_deleted(azurite, container, synthetic, tmp_path):
    run_req = run_request()
    files = deliver(container, synthetic, run_req)
    lease = container.get_blob_client(files[1]).acquire_lease()  # a delete without it is refused
    delivery = open_delivery(azurite, container, run_req, tmp_path)

    with pytest.raises(DeliveryCleanupError, match=f"1 of 3 blobs .*: {files[1]} "):
        delivery.cleanup()
    assert blob_names(container) == [files[1]]

    lease.break_lease(lease_break_period=0)
    assert delivery.cleanup() == 1 and blob_names(container) == []
