"""Round trip: synthetic source → ``LocalSink(format="mgdc-jsonl")`` → landing source, unchanged.

The sink writes JSON lines as MGDC does, in Hive folders (``date=…/scope=…``). Pointed at the
sink's folder, the landing source must return exactly the batches the synthetic source made,
for every dataset the synthetic tenant generates, with neighbouring days and another scope's
partition in the same folder to skip.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pyarrow as pa
import pytest

from mgdc_pipelines.catalog import ScopeKind
from mgdc_pipelines.sinks.base import PartitionRef
from mgdc_pipelines.sinks.local import LocalSink
from mgdc_pipelines.sources import ExtractRequest, Scope, TimeWindow
from mgdc_pipelines.sources.landing import LandingSource
from mgdc_pipelines.sources.synthetic import SyntheticSource, SyntheticTenant, TenantConfig
from mgdc_pipelines.transfer import copy_partition
from mgdc_pipelines_tests.sources.landing.helpers import DAY, extract, request
from mgdc_pipelines_tests.sources.synthetic.helpers import BUSY_DAY

CONFIG = TenantConfig(seed=7, users=40)
AROUND = (dt.timedelta(days=-1), dt.timedelta(0), dt.timedelta(days=1))


@pytest.fixture(scope="module")
def synthetic() -> SyntheticSource:
    return SyntheticSource(CONFIG)


def synthetic_table(source: SyntheticSource, req: ExtractRequest) -> pa.Table:
    return pa.Table.from_batches(list(source.extract(req)), schema=req.output_schema)


def on_day(req: ExtractRequest, day: dt.date) -> ExtractRequest:
    return dataclasses.replace(req, window=TimeWindow.for_day(day))


def write_partitions(source: SyntheticSource, sink: LocalSink, req: ExtractRequest) -> None:
    """The request's partition and the days around it, as the Dagster asset would commit them."""
    scope = None if req.dataset.scope is ScopeKind.NONE else req.scope.key
    for day in (req.window.start.date() + offset for offset in AROUND):
        copy_partition(source, sink, on_day(req, day), PartitionRef(req.dataset.name, day, scope))


@pytest.mark.parametrize("dataset", SyntheticSource.supported_datasets())
def test_what_the_sink_wrote_reads_back_identical(dataset: str, synthetic: SyntheticSource, tmp_path: Path):
    day = BUSY_DAY.get(dataset, DAY)  # a day on which the tenant has such rows
    req = request(dataset, day, batch_rows=256)
    sink = LocalSink(tmp_path / "sink", format="mgdc-jsonl")
    write_partitions(synthetic, sink, req)
    landing = LandingSource(tmp_path / "sink", max_error_ratio=0, quarantine_dir=tmp_path / "quarantine")

    read_back, extraction = extract(landing, req)

    expected = synthetic_table(synthetic, req)
    assert expected.num_rows > 0, f"the synthetic tenant made no {dataset} rows on {day}"
    assert read_back.equals(expected), first_difference(expected, read_back)
    stats = extraction.stats
    assert stats.quarantined == 0 and not stats.unknown_keys
    assert stats.files_skipped["hidden (_ or . prefix)"] == 0  # the sink keeps its manifests elsewhere


def test_other_scope_partitions_in_the_sink_are_not_read(synthetic: SyntheticSource, tmp_path: Path):
    sales = SyntheticTenant(CONFIG).group_by_nickname["sales"].id
    sink = LocalSink(tmp_path / "sink", format="mgdc-jsonl")
    everyone = request("Message_v1")
    write_partitions(synthetic, sink, everyone)
    write_partitions(synthetic, sink, request("Message_v1", scope=Scope("sales", (sales,))))
    landing = LandingSource(tmp_path / "sink", quarantine_dir=tmp_path / "quarantine")

    read_back, extraction = extract(landing, everyone)

    assert read_back.equals(synthetic_table(synthetic, everyone))
    assert extraction.stats.files_skipped["another scope's folder"] == len(AROUND)


def test_dedupe_keeps_one_row_per_message_of_the_synthetic_mailboxes(synthetic: SyntheticSource, tmp_path: Path):
    sink = LocalSink(tmp_path / "sink", format="mgdc-jsonl")
    req = request("Message_v1")
    write_partitions(synthetic, sink, req)
    deduping = LandingSource(tmp_path / "sink", quarantine_dir=tmp_path / "quarantine", dedupe_messages=True)

    read_back, extraction = extract(deduping, req)

    every_copy = synthetic_table(synthetic, req).column("internetMessageId").to_pylist()
    assert len(set(every_copy)) < len(every_copy), "the synthetic tenant delivers one copy per recipient"
    assert sorted(read_back.column("internetMessageId").to_pylist()) == sorted(set(every_copy))
    assert extraction.stats.duplicates_dropped == len(every_copy) - len(set(every_copy))


def first_difference(expected: pa.Table, actual: pa.Table) -> str:
    if expected.schema != actual.schema:
        return f"schemas differ:\n{expected.schema}\n!=\n{actual.schema}"
    if expected.num_rows != actual.num_rows:
        return f"{actual.num_rows} rows read back, {expected.num_rows} written"
    for name in expected.column_names:
        for index, (want, got) in enumerate(zip(expected.column(name).to_pylist(), actual.column(name).to_pylist())):
            if want != got:
                return f"row {index}, column {name!r}: wrote {want!r}, read back {got!r}"
    return "tables differ"
