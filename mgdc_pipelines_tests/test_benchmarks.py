"""The benchmark harness end to end on a tiny input: the JSON a run writes, and that the
framework wrote the same data as the pyarrow limit (no timing is asserted)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq

from benchmarks.data import COLUMNS, HASHED

PROJECT = Path(__file__).resolve().parent.parent


def test_a_tiny_run_writes_every_required_key_and_mgdc_matches_the_limit(tmp_path):
    output = tmp_path / "latest.json"
    env = {**os.environ, "MGDC_BENCH_DIR": str(tmp_path / "bench")}
    subprocess.run(
        [sys.executable, "-m", "benchmarks", "--rows", "2000", "--cases", "copy,memory",
         "--repetitions", "1", "--output", str(output)],
        cwd=PROJECT, env=env, check=True, capture_output=True, text=True,
    )
    results = json.loads(output.read_text())

    copy = results["copy"]
    assert set(copy["ratios"]) >= {"mgdc/limit", "mgdc/naive", "mgdc/dlt"}
    assert set(copy["rows_per_s"]) >= {"mgdc", "naive", "dlt", "limit"}
    assert all(rate > 0 for rate in copy["rows_per_s"].values())
    assert copy["rows"] == 2000 and copy["unhashed_columns_match_limit"] is True
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
