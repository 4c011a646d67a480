"""copy_partition: an empty copy never silently replaces a partition that has rows."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from mgdc_pipelines.catalog import get_dataset
from mgdc_pipelines.sinks.base import PartitionRef
from mgdc_pipelines.sinks.delta import DeltaSink
from mgdc_pipelines.sources.base import ExtractRequest, Scope, TimeWindow
from mgdc_pipelines.transfer import EmptyReplacementError, copy_partition
from mgdc_pipelines_tests.sinks.helpers import any_sink, delta_leftovers, make_sink  # noqa: F401  (fixtures)

DAY = dt.date(2026, 11, 20)
DATASET = get_dataset("User_v1")
PARTITION = PartitionRef(DATASET.name, DAY, "all")
REQUEST = ExtractRequest(
    DATASET, ("id", "displayName"), None, TimeWindow.for_day(DAY), Scope.everyone(), "tenant"
)


class Rows:
    """A source that yields ``count`` rows of ``REQUEST`` (ids ``<prefix><n>``) in batches of 50."""

    def __init__(self, count: int, prefix: str = "u") -> None:
        self.count, self.prefix = count, prefix

    def extract(self, request: ExtractRequest):
        schema = request.output_schema
        for start in range(0, self.count, 50):
            ids = [f"{self.prefix}{n}" for n in range(start, min(start + 50, self.count))]
            columns = {"id": ids, "ptenant": ["tenant"] * len(ids)}
            yield pa.RecordBatch.from_pydict(
                {f.name: pa.array(columns.get(f.name, [None] * len(ids)), f.type) for f in schema},
                schema=schema,
            )


class DropEverything:
    """A consent filter that finds every row out of scope."""

    output_schema = REQUEST.output_schema

    def apply(self, batch: pa.RecordBatch) -> pa.RecordBatch:
        return batch.filter(pc.equal(batch.column("id"), "nobody"))


def committed_ids(sink) -> list[str]:
    table = sink.open_dataset([PARTITION], REQUEST.output_schema).to_table()
    return sorted(table.column("id").to_pylist())


def staged_leftovers(sink) -> list[str]:
    """Local: attempt folders in _staging; Azure: blobs other than the manifests and their files;
    Delta: data files of the table that its current version does not list."""
    if isinstance(sink, DeltaSink):
        return delta_leftovers(sink, PARTITION)
    if hasattr(sink, "root"):
        staging = sink.root / "_staging"
        return sorted(p.name for p in staging.iterdir()) if staging.exists() else []
    listed = set(sink.committed_files(PARTITION))
    blobs = (b.name for b in sink.container_client.list_blobs())
    return sorted(name for name in blobs if name not in listed and not name.startswith("_manifests/"))


@pytest.mark.parametrize("empty_copy", [Rows(0), "filtered"], ids=["no-rows", "all-filtered"])
def test_an_empty_copy_over_committed_rows_fails_and_the_rows_stay(any_sink, empty_copy):
    sink = any_sink()
    copy_partition(Rows(200), sink, REQUEST, PARTITION)
    before = committed_ids(sink)

    with pytest.raises(EmptyReplacementError) as caught:
        if empty_copy == "filtered":  # the source has rows, consent lets none through
            copy_partition(Rows(3, prefix="x"), sink, REQUEST, PARTITION, DropEverything())
        else:
            copy_partition(empty_copy, sink, REQUEST, PARTITION)

    assert (caught.value.partition, caught.value.previous_rows) == (PARTITION, 200)
    message = str(caught.value)
    assert "BasicDataSet_v0.User_v1 partition 2026-11-20|all" in message and "200 rows" in message
    assert "allow_empty_replacement: true" in message
    assert committed_ids(sink) == before and len(before) == 200
    assert sink.committed_rows(PARTITION) == 200
    assert staged_leftovers(sink) == [], "the refused attempt was aborted"


def test_an_empty_copy_replaces_committed_rows_when_the_dataset_allows_it(any_sink):
    sink = any_sink()
    copy_partition(Rows(200), sink, REQUEST, PARTITION)

    info = copy_partition(Rows(0), sink, REQUEST, PARTITION, allow_empty_replacement=True)

    assert info.rows == 0 and sink.committed_rows(PARTITION) == 0
    assert committed_ids(sink) == []


def test_an_empty_first_commit_and_an_empty_recommit_are_fine(any_sink):
    sink = any_sink()
    assert copy_partition(Rows(0), sink, REQUEST, PARTITION).rows == 0
    assert copy_partition(Rows(0), sink, REQUEST, PARTITION).rows == 0
    assert sink.committed_rows(PARTITION) == 0
    assert copy_partition(Rows(2), sink, REQUEST, PARTITION).rows == 2


class FailingAfter(Rows):
    """``Rows`` whose extraction fails once ``batches`` batches were yielded (a delivery that
    breaks off midway: the batches before it were already written)."""

    def __init__(self, count: int, batches: int) -> None:
        super().__init__(count, prefix="new")
        self.batches = batches

    def extract(self, request: ExtractRequest):
        for number, batch in enumerate(super().extract(request)):
            if number == self.batches:
                raise OSError("the delivery broke off")
            yield batch


def test_a_source_failing_after_some_batches_leaves_the_committed_partition_as_it_was(any_sink):
    """The source reads ahead in a thread; its error still reaches the copy, which aborts."""
    sink = any_sink()
    copy_partition(Rows(120), sink, REQUEST, PARTITION)

    with pytest.raises(OSError, match="broke off"):
        copy_partition(FailingAfter(500, batches=3), sink, REQUEST, PARTITION)

    assert committed_ids(sink) == sorted(f"u{n}" for n in range(120))
    assert staged_leftovers(sink) == [], "the failed attempt was aborted"
