"""The benchmark harness end to end on a tiny input: the JSON a run writes, that the framework
wrote the same data as the pyarrow limit (to Parquet files and to a Delta table), and the control plane on SQLite beside PostgreSQL
(no timing is asserted)."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq

from benchmarks.data import COLUMNS, DATASET, FIRST_DAY, HASHED

PROJECT = Path(__file__).resolve().parent.parent


def test_a_tiny_copy_and_memory_run_writes_every_required_key_and_mgdc_matches_the_limit(tmp_path):
    output = tmp_path / "latest.json"
    env = {**os.environ, "MGDC_BENCH_DIR": str(tmp_path / "bench")}
    subprocess.run(
        [sys.executable, "-m", "benchmarks", "--rows", "2000", "--cases", "copy,memory",
         "--repetitions", "1", "--output", str(output)],
        cwd=PROJECT, env=env, check=True, capture_output=True, text=True,
    )
    results = json.loads(output.read_text())

    copy = results["copy"]
    assert set(copy["ratios"]) >= {"mgdc/limit", "mgdc/naive", "mgdc/dlt", "mgdc_delta/limit"}
    assert set(copy["rows_per_s"]) >= {"mgdc", "mgdc_delta", "naive", "dlt", "limit"}
    assert set(copy["peak_rss_mb"]) >= {"mgdc", "mgdc_delta"}
    assert all(rate > 0 for rate in copy["rows_per_s"].values())
    assert copy["delta_vs_parquet"] > 0
    assert copy["rows"] == 2000 and copy["unhashed_columns_match_limit"] is True
    assert copy["delta_unhashed_columns_match_limit"] is True
    assert {"ratio", "peak_rss_mb"} <= set(results["memory"])
    assert results["memory"]["rows"] == {"N": 2000, "10N": 20000}
    assert {"cores", "python", "pyarrow"} <= set(results["machine"])

    ours = pq.ParquetDataset(sorted(Path(copy["outputs"]["mgdc"]).rglob("part-*.parquet"))).read()
    limit = pq.read_table(Path(copy["outputs"]["limit"]) / "messages.parquet")
    clear = [column for column in COLUMNS if column not in HASHED]
    assert ours.num_rows == limit.num_rows == 2000
    assert ours.select(clear).equals(limit.select(clear))
    for column in HASHED:  # hashed, not copied
        assert ours.column(column) != limit.column(column)

    # mgdc_delta wrote a Delta table: its committed version holds the same rows as the Parquet copy
    delta = pl.read_delta(str(Path(copy["outputs"]["mgdc_delta"]) / DATASET.name))
    assert delta.height == 2000 and set(delta["date"]) == {FIRST_DAY.isoformat()}
    assert delta.select(COLUMNS).equals(pl.from_arrow(ours.select(COLUMNS)))


def test_the_control_plane_case_compares_both_storages_on_the_backfills_the_policy_cuts(tmp_path):
    """The sensor tick and the backfill planning on SQLite and on the PostgreSQL the bench
    starts itself: every figure present and positive, both storages see the same sensor
    requests, and the planned runs are the spec's ``multi_run`` policy's (no timing asserted)."""
    output = tmp_path / "latest.json"
    env = {**os.environ, "MGDC_BENCH_DIR": str(tmp_path / "bench")}
    printed = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", "--cases", "control_plane", "--output", str(output)],
        cwd=PROJECT, env=env, check=True, capture_output=True, text=True,
    ).stdout
    plane = json.loads(output.read_text())["control_plane"]

    days, scopes, per_run = plane["backfill_days"], plane["scopes"], plane["max_partitions_per_run"]
    assert days > scopes  # so the policy holds the scope constant: per scope, runs of at most per_run days
    for storage in ("sqlite", "postgres"):
        side = plane[storage]
        for key in ("history_load_s", "first_tick_s", "tick_s", "idle_tick_s", "backfill_plan_s", "submit_s_per_run",
                    "statements_per_tick", "connections_per_tick"):
            assert side[key] > 0, (storage, key)
        assert side["runs"] == scopes * math.ceil(days / per_run), storage
        assert side["partitions"] == side["distinct_partitions"] == days * scopes, storage
        assert side["max_partitions_in_a_run"] <= per_run
        assert side["sampled_runs_queued"] >= 1
    assert plane["sqlite"]["run_requests"] == plane["postgres"]["run_requests"] > 0
    assert set(plane["ratios"]) >= {"tick_s", "backfill_plan_s"}
    assert "control plane" in printed and "postgres ÷ sqlite" in printed
