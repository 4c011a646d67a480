"""Applying MGDC's SharePoint deltas to the previous state gives the next day's snapshot."""

from __future__ import annotations

import datetime as dt
import functools
import traceback
from collections.abc import Iterator

import pyarrow as pa
import pytest

from mgdc_pipelines.emulator.factory.sharepoint_delta import deliver_delta_rows
from mgdc_pipelines.sources.mgdc.sharepoint_state import (
    DELTA_STATE_KEYS,
    DeltaStateError,
    apply_delta,
    supports_delta,
)
from mgdc_pipelines.sources.synthetic import SyntheticSource, TenantConfig
from mgdc_pipelines_tests.sources.synthetic.helpers import extract, request

TENANT = TenantConfig(seed=7, users=12)
# Day 2 has new and expired sharing links (permissions and their groups), new and edited
# files, and updated sites; day 3 has no change to sharing.
DAY1, DAY2, DAY3 = dt.date(2026, 11, 9), dt.date(2026, 11, 10), dt.date(2026, 11, 11)
DELTA_DATASETS = [name.removeprefix("BasicDataSet_v0.") for name in DELTA_STATE_KEYS]


@pytest.fixture(scope="module")
def source() -> SyntheticSource:
    return SyntheticSource(TENANT)


@functools.cache  # deltas and snapshots are immutable: the tests share the slow part
def delta(source, dataset: str, start: dt.date, end: dt.date) -> tuple[pa.RecordBatch, ...]:
    return tuple(deliver_delta_rows(source, functools.partial(request, dataset), start, end))


@functools.cache
def full(source, dataset: str, day: dt.date) -> pa.Table:
    return extract(source, request(dataset, day))


def snapshot(source, dataset: str, day: dt.date, batch_rows: int = 4096):
    return source.extract(request(dataset, day, batch_rows=batch_rows))


def applied(previous, changes, dataset: str, day: dt.date) -> pa.Table:
    return pa.Table.from_batches(list(apply_delta(previous, changes, dataset, day)))


def rows_by_key(table: pa.Table, dataset: str, ignore=("Operation",)) -> dict[tuple, dict]:
    columns = DELTA_STATE_KEYS["BasicDataSet_v0." + dataset]
    rows = {
        tuple(row[c] for c in columns): {k: v for k, v in row.items() if k not in ignore}
        for row in table.to_pylist()
    }
    assert len(rows) == table.num_rows, "one row per key"
    return rows


def state_table(batches, schema: pa.Schema) -> pa.Table:
    batches = list(batches)
    assert all(batch.schema.equals(schema, check_metadata=True) for batch in batches)
    return pa.Table.from_batches(batches, schema)


@pytest.mark.parametrize("dataset", DELTA_DATASETS)
def test_day_one_plus_its_delta_is_day_two(source, dataset):
    schema = request(dataset, DAY1).output_schema
    changes = state_table(delta(source, dataset, DAY1, DAY2), schema)
    assert changes.num_rows, "the tenant changes from day 1 to day 2"

    previous = snapshot(source, dataset, DAY1)
    state = state_table(apply_delta(previous, changes.to_batches(), dataset, DAY2), schema)

    day2 = full(source, dataset, DAY2)
    assert rows_by_key(state, dataset) == rows_by_key(day2, dataset)  # SnapshotDate included
    # Rows the delta touched say how; the others keep the full snapshot's Operation.
    touched = rows_by_key(changes, dataset, ignore=())
    for key, row in rows_by_key(state, dataset, ignore=()).items():
        assert row["Operation"] == (touched[key]["Operation"] if key in touched else "Full")


def test_deleted_objects_leave_the_state(source):
    dataset = "SharePointGroups_v1"
    changes = pa.Table.from_batches(list(delta(source, dataset, DAY1, DAY2)))
    deletions = changes.filter(pa.compute.equal(changes["Operation"], "Deleted"))
    deleted = set(rows_by_key(deletions, dataset))
    assert deleted and deleted <= set(rows_by_key(full(source, dataset, DAY1), dataset))

    state = applied(snapshot(source, dataset, DAY1), changes.to_batches(), dataset, DAY2)
    assert not deleted & set(rows_by_key(state, dataset))


def test_an_unchanged_day_gives_an_empty_delta_and_the_same_state(source):
    dataset = "SharePointPermissions_v1"
    assert list(delta(source, dataset, DAY2, DAY3)) == []
    state = applied(snapshot(source, dataset, DAY2), [], dataset, DAY3)
    day3 = full(source, dataset, DAY3)
    assert state.drop_columns(["SnapshotDate"]).equals(day3.drop_columns(["SnapshotDate"]))
    assert set(state["SnapshotDate"].to_pylist()) == set(day3["SnapshotDate"].to_pylist())


def test_successive_deltas_give_what_one_delta_over_the_range_gives(source):
    dataset = "SharePointFiles_v1"
    day1 = list(snapshot(source, dataset, DAY1))
    day2 = apply_delta(day1, delta(source, dataset, DAY1, DAY2), dataset, DAY2)
    day3 = applied(day2, delta(source, dataset, DAY2, DAY3), dataset, DAY3)
    at_once = applied(day1, delta(source, dataset, DAY1, DAY3), dataset, DAY3)
    assert rows_by_key(day3, dataset) == rows_by_key(at_once, dataset)


class Recorded:
    """A previous state that records how many of its batches were read."""

    def __init__(self, batches: Iterator[pa.RecordBatch]) -> None:
        self.batches, self.read = batches, 0

    def __iter__(self) -> Iterator[pa.RecordBatch]:
        for batch in self.batches:
            self.read += 1
            yield batch


def test_the_previous_state_is_read_batch_by_batch(source):
    dataset = "SharePointFiles_v1"
    previous = Recorded(snapshot(source, dataset, DAY1, batch_rows=200))
    changes = list(delta(source, dataset, DAY1, DAY2))
    delta_rows = sum(b.num_rows - b["Operation"].to_pylist().count("Deleted") for b in changes)
    carried = 0
    for batch in apply_delta(previous, changes, dataset, DAY2):
        if delta_rows > 0:
            delta_rows -= batch.num_rows  # the delta's own rows come first
            continue
        carried += 1
        assert previous.read <= carried  # never more than the batch being carried over
    assert previous.read == carried > 10


def test_a_full_delivery_is_the_state_itself(source):
    dataset = "SharePointSites_v1"
    previous = Recorded(snapshot(source, dataset, DAY1))
    delivery = full(source, dataset, DAY2)
    state = applied(previous, delivery.to_batches(), dataset, DAY2)
    assert state.equals(delivery)
    assert previous.read <= 1  # only its schema was needed


def test_changes_to_an_empty_state_are_the_state(source):
    dataset = "SharePointGroups_v1"
    changes = pa.Table.from_batches(list(delta(source, dataset, DAY1, DAY2)))
    state = applied([], changes.to_batches(), dataset, DAY2)
    assert set(state["Operation"].to_pylist()) == {"Created"}
    assert state.num_rows == changes["Operation"].to_pylist().count("Created")


def sites(ids: list[str], operations: list[str]) -> pa.RecordBatch:
    moment = dt.datetime(2026, 11, 9, tzinfo=dt.timezone.utc)
    return pa.record_batch({"Id": ids, "Url": [f"https://secret/{i}" for i in ids],
                            "SnapshotDate": [moment] * len(ids), "Operation": operations})


def test_only_the_four_delta_state_datasets_have_a_delta():
    assert [name for name in DELTA_DATASETS if supports_delta(name)] == DELTA_DATASETS
    assert not supports_delta("SharePointFileActions_v1")
    assert not supports_delta("OneDriveSyncHealth_v1")
    with pytest.raises(DeltaStateError, match="SharePointFileActions_v1 has no delta"):
        list(apply_delta([], [], "SharePointFileActions_v1", DAY2))


@pytest.mark.parametrize(
    ("delta_batch", "message"),
    [
        (sites(["a"], ["Created"]).drop_columns(["Id"]), "the delta has no column 'Id'"),
        (sites(["a", "b"], ["Full", "Created"]), "column 'Operation' mixes Full rows"),
        (sites(["a"], ["Renamed"]), "column 'Operation' holds a value other than"),
        (sites(["a"], ["Created"]).drop_columns(["Operation"]), "delivered rows have no 'Operation'"),
    ],
)
def test_errors_name_the_dataset_and_column_never_values(delta_batch, message):
    previous = [sites(["a", "b"], ["Full", "Full"])]
    with pytest.raises(DeltaStateError, match="SharePointSites_v1: " + message) as raised:
        list(apply_delta(previous, [delta_batch], "BasicDataSet_v0.SharePointSites_v1", DAY2))
    assert "secret" not in str(raised.value) and "Renamed" not in str(raised.value)


def test_a_delta_column_of_another_type_is_refused_without_its_value_anywhere():
    """Arrow's cast error quotes the value that failed; chained, it would be stored with the
    step's failure. The error names the dataset, column and types, and carries no cause."""
    day = dt.datetime(2026, 11, 19, tzinfo=dt.timezone.utc)
    previous = [pa.record_batch({"Id": ["a"], "Url": ["https://x"], "SnapshotDate": [day],
                                 "Operation": ["Full"]})]
    delta = [pa.record_batch({"Id": ["a"], "Url": ["https://x"],
                              "SnapshotDate": ["owner felix.sentinel@contoso.example"],
                              "Operation": ["Updated"]})]
    with pytest.raises(DeltaStateError) as refused:
        list(apply_delta(previous, delta, "SharePointSites_v1", dt.date(2026, 11, 20)))
    assert "column 'SnapshotDate' does not convert to the state's type" in str(refused.value)
    assert refused.value.__cause__ is None and refused.value.__suppress_context__
    shown = "".join(traceback.format_exception(refused.value))
    assert "sentinel" not in shown
