"""Engines that know nothing of this project read a local sink's dataset folder as it is.

The read side uses no project code: DuckDB's ``read_parquet``, polars' ``scan_parquet`` and
``pyarrow.dataset`` get a folder (or a glob) and Hive partitioning, nothing else. Each is checked
after commits, a re-commit that replaces a partition, a withdraw, and on a partition folder an
earlier version wrote (with ``_manifest.json`` inside), which the next commit migrates; and on
what the Dagster assets of an app wrote.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

import deltalake
import duckdb
import polars as pl
import pyarrow.dataset as pads
import pytest

from mgdc_pipelines.sinks.base import PartitionRef
from mgdc_pipelines.sinks.local import LocalSink
from mgdc_pipelines.transfer import request_for
from mgdc_pipelines_tests.defs.test_assets_landing import materialize
from mgdc_pipelines_tests.sinks.helpers import DAY, batch, write

NEXT_DAY = DAY + dt.timedelta(days=1)
ALL, SALES, NEXT = (
    PartitionRef("Example_v1", DAY, "all"),
    PartitionRef("Example_v1", DAY, "sales"),
    PartitionRef("Example_v1", NEXT_DAY, "all"),
)

Row = tuple[str, str, str]  # (id, date, scope)


def with_duckdb(folder: Path) -> set[Row]:
    query = (
        "SELECT id, CAST(date AS VARCHAR), scope "
        f"FROM read_parquet('{folder}/**/*.parquet', hive_partitioning = true)"
    )
    return set(duckdb.connect().execute(query).fetchall())


def _polars_rows(frame: pl.LazyFrame) -> set[Row]:
    return set(frame.select("id", pl.col("date").cast(pl.String), "scope").collect().rows())


def with_polars_glob(folder: Path) -> set[Row]:
    return _polars_rows(pl.scan_parquet(f"{folder}/**/*.parquet", hive_partitioning=True))


def with_polars_folder(folder: Path) -> set[Row]:
    """``scan_parquet(dataset_dir)``: the call issue 13 saw fail on a ``_manifest.json``."""
    return _polars_rows(pl.scan_parquet(folder, hive_partitioning=True))


def with_pyarrow(folder: Path) -> set[Row]:
    table = pads.dataset(folder, format="parquet", partitioning="hive").to_table()
    return set(zip(*(table.column(name).cast("string").to_pylist() for name in ("id", "date", "scope"))))


READERS: dict[str, Callable[[Path], set[Row]]] = {
    "duckdb": with_duckdb,
    "polars-glob": with_polars_glob,
    "polars-folder": with_polars_folder,
    "pyarrow": with_pyarrow,
}


def rows(partition: PartitionRef, prefix: str, count: int) -> set[Row]:
    return {(f"{prefix}{i}", partition.date.isoformat(), partition.scope) for i in range(count)}


@pytest.mark.parametrize("read", READERS.values(), ids=READERS.keys())
def test_a_dataset_folder_reads_as_it_is_after_commits_a_replace_and_a_withdraw(tmp_path, read):
    sink = LocalSink(tmp_path, max_file_rows=2)  # several part files per partition
    folder = tmp_path / "Example_v1"
    write(sink, ALL, batch("a", 3))
    write(sink, SALES, batch("s", 1))
    write(sink, NEXT, batch("n", 5))
    assert read(folder) == rows(ALL, "a", 3) | rows(SALES, "s", 1) | rows(NEXT, "n", 5)

    write(sink, ALL, batch("r", 2))  # replaces the partition whole
    assert read(folder) == rows(ALL, "r", 2) | rows(SALES, "s", 1) | rows(NEXT, "n", 5)

    sink.withdraw(NEXT)
    assert read(folder) == rows(ALL, "r", 2) | rows(SALES, "s", 1)
    assert all(path.name.startswith("part-") for path in folder.rglob("*") if path.is_file())


def test_a_partition_folder_of_the_earlier_layout_reads_through_the_sink_and_migrates_on_its_next_commit(tmp_path):
    sink = LocalSink(tmp_path)
    info = write(sink, ALL, batch("old", 3))
    folder = sink.partition_path(ALL)
    record = sink.manifest_path(ALL)
    record.rename(folder / "_manifest.json")  # where the earlier version kept it
    assert sink.committed_rows(ALL) == 3
    with pytest.raises(Exception):  # what issue 13 saw: the manifest is no Parquet file
        pl.scan_parquet(tmp_path / "Example_v1").collect()

    write(sink, ALL, batch("new", 2))

    assert [path.name for path in folder.iterdir()] != [] and all(
        path.name.startswith("part-") for path in folder.iterdir()
    )
    assert with_polars_folder(tmp_path / "Example_v1") == rows(ALL, "new", 2)
    assert json.loads(record.read_text())["rows"] == 2
    assert info.files[0].rsplit("/", 1)[1] not in [path.name for path in folder.iterdir()]


def read_plainly(folder: Path, sink_format: str) -> tuple[tuple[int, int], pl.DataFrame]:
    """``(rows, distinct scopes)`` by DuckDB and the whole table by polars, as any user reads it."""
    if sink_format == "delta":
        rows = deltalake.QueryBuilder().register("t", deltalake.DeltaTable(str(folder))).execute("SELECT * FROM t")
        counted = duckdb.sql("SELECT count(*), count(DISTINCT scope) FROM rows").fetchall()[0]
        return counted, pl.read_delta(str(folder))
    counted = duckdb.connect().execute(
        f"SELECT count(*), count(DISTINCT scope) FROM read_parquet('{folder}/**/*.parquet', hive_partitioning = true)"
    ).fetchone()
    return counted, pl.scan_parquet(folder, hive_partitioning=True).collect()


@pytest.mark.parametrize("sink_format", ["parquet", "delta"])
@pytest.mark.parametrize("dataset", ["User_v1", "Message_v1"])
def test_what_the_dagster_assets_wrote_reads_with_duckdb_and_polars(small_spec_factory, dataset, sink_format):
    """A copy materialized through Dagster, read back by engines with no project code: every
    row the materialization reported, every column the asset wrote, nested ones included."""
    small_spec = small_spec_factory(lambda raw: raw["sink"].update(format=sink_format))
    result, checks, message = materialize(small_spec, dataset, f"{DAY}|all")
    assert result.success and all(checks.values()), message
    [event] = result.get_asset_materialization_events()
    reported = event.materialization.metadata["dagster/row_count"].value
    item = small_spec.dataset(dataset)
    folder = small_spec.sink.resolved_path() / item.dataset.name
    written = request_for(small_spec, item, PartitionRef(item.dataset.name, DAY, "all")).output_schema.names

    counted, frame = read_plainly(folder, sink_format)

    assert reported > 0 and counted == (reported, 1)
    assert frame.height == reported and frame.columns == [*written, "date", "scope"]
