"""The benchmark harness end to end on a tiny input: the JSON a run writes, that the framework
wrote the same data as the pyarrow limit (to Parquet files and to a Delta table), and the control plane on SQLite beside PostgreSQL
(no timing is asserted); the busy pass's spinning process, the drift it measures and the verdict."""

from __future__ import annotations

import json
import math
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq
import pytest

import benchmarks.__main__ as bench_main
from benchmarks.__main__ import parse_settings, run_case
from benchmarks.busy import busy_core
from benchmarks.data import COLUMNS, DATASET, FIRST_DAY, HASHED
from benchmarks.drift import drift, ratio_figures, worst_drift
from benchmarks.harness import alternate, run_isolated
from benchmarks.report import verdict_line
from benchmarks.settings import MIN_TIMED_SECONDS, Settings

PROJECT = Path(__file__).resolve().parent.parent


def test_a_tiny_copy_and_memory_run_writes_every_required_key_and_mgdc_matches_the_limit(tmp_path):
    output = tmp_path / "latest.json"
    earlier = {"command": "python -m benchmarks --cases graph", "started": "2026-12-01T10:00:00+00:00",
               "graph": {"efficiency": 0.93}, "copy": {"ratios": {"mgdc/limit": 0.1}}}
    output.write_text(json.dumps(earlier))  # an earlier run's file: this run replaces copy, keeps graph
    env = {**os.environ, "MGDC_BENCH_DIR": str(tmp_path / "bench")}
    printed = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--rows", "2000", "--cases", "copy,memory",
         "--repetitions", "1", "--load", "quiet", "--output", str(output)],
        cwd=PROJECT, env=env, check=True, capture_output=True, text=True,
    ).stdout
    results = json.loads(output.read_text())
    this_run = {"command": results["command"], "started": results["started"]}
    assert results["copy"]["measured_by"] == results["memory"]["measured_by"] == this_run
    assert results["graph"] == {"efficiency": 0.93, "measured_by": {
        "command": "python -m benchmarks --cases graph", "started": "2026-12-01T10:00:00+00:00"}}
    assert "graph: kept from `python -m benchmarks --cases graph`" in printed

    copy = results["copy"]
    assert set(copy["ratios"]) >= {"mgdc/limit", "mgdc/naive", "mgdc/dlt", "mgdc_delta/limit"}
    assert set(copy["rows_per_s"]) >= {"mgdc", "mgdc_delta", "naive", "dlt", "limit"}
    assert set(copy["peak_rss_mb"]) >= {"mgdc", "mgdc_delta"}
    assert all(rate > 0 for rate in copy["rows_per_s"].values())
    assert set(copy["cpu_ratios"]) == {"mgdc/limit", "mgdc_delta/limit"}
    assert all(ratio > 0 for ratio in copy["cpu_ratios"].values())
    assert copy["delta_vs_parquet"] > 0
    assert copy["rows"] == 2000 and copy["unhashed_columns_match_limit"] is True
    # --repetitions is exact: no short competitor repeats on to fill the timed seconds
    assert copy["repetitions"] == {name: 1 for name in ("mgdc", "mgdc_delta", "naive", "dlt", "limit")}
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


def spinners_seen(parent: int, expected: list[int] | int, timeout_s: float = 10.0) -> list[int]:
    """``spinners_of(parent)`` once it is ``expected`` (a list of pids, or how many), or when
    ``timeout_s`` has passed: /proc can lag a process that has just started on a busy machine."""
    deadline = time.monotonic() + timeout_s
    while True:
        found = spinners_of(parent)
        matches = len(found) == expected if isinstance(expected, int) else found == expected
        if matches or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def cores_of_spinners_while_running(bench: subprocess.Popen) -> list[set[int]]:
    """The cores each spinner of ``bench`` was last seen allowed on, watched until ``bench``
    ends (the last look comes after the spinner was pinned: it spins for a whole pass)."""
    last_seen: dict[int, set[int]] = {}
    while bench.poll() is None:
        for pid in spinners_of(bench.pid):
            try:
                last_seen[pid] = os.sched_getaffinity(pid)
            except ProcessLookupError:
                pass
        time.sleep(0.05)
    return list(last_seen.values())


def spinners_of(parent: int) -> list[int]:
    """The pids of running ``benchmarks.busy`` processes started by ``parent``."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            command = (entry / "cmdline").read_bytes().split(b"\0")
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue
        if b"benchmarks.busy" in command and str(parent).encode() in command and state not in "ZX":
            found.append(int(entry.name))
    return found


def test_a_default_run_measures_each_ratio_again_with_one_core_busy_and_leaves_no_spinner(tmp_path):
    """The default (paired) run: the memory case quiet, then with a core busy; its entry holds the
    busy pass and the drift of its ratio, and the spinning process is gone afterwards."""
    output = tmp_path / "latest.json"
    env = {**os.environ, "MGDC_BENCH_DIR": str(tmp_path / "bench")}
    # Output to files, not pipes: nobody reads a pipe while the spinners are watched.
    with open(tmp_path / "stdout", "w") as stdout, open(tmp_path / "stderr", "w") as stderr:
        run = subprocess.Popen([sys.executable, "-m", "benchmarks", "--rows", "2000", "--cases", "memory",
                                "--repetitions", "1", "--output", str(output)],
                               cwd=PROJECT, env=env, stdout=stdout, stderr=stderr, text=True)
        spinner_cores = cores_of_spinners_while_running(run)
    printed, errors = (tmp_path / "stdout").read_text(), (tmp_path / "stderr").read_text()
    assert run.returncode == 0, errors
    assert spinners_of(run.pid) == []
    results = json.loads(output.read_text())
    # The spinner held the core the results name, not the bench's own (both cores of a
    # 2-core machine were in use: the bench's competitors on one, the spinner on the other).
    assert spinner_cores == [set(results["machine"]["busy_cores"])]
    if len(os.sched_getaffinity(0)) > 1:
        assert not spinner_cores[0] & set(results["machine"]["bench_cores"])
    memory = results["memory"]
    assert set(memory["drift"]) == {"ratio"}
    assert memory["drift"]["ratio"] == pytest.approx(memory["busy"]["ratio"] / memory["ratio"] - 1, abs=1e-4)
    assert results["settings"]["load"] == "paired"
    assert results["machine"]["bench_cores"] and results["machine"]["busy_cores"]
    assert "(one core busy)" in printed and "memory ratio" in printed.split("drift:")[1]


def test_the_busy_pass_repeats_each_competitor_as_often_as_the_quiet_pass(monkeypatch):
    """A drift compares medians of as many runs: 3 busy runs of dlt's 45 s copy against 5 quiet
    ones moved mgdc/dlt by a fifth on their own. (The passes are spied on, not run: a real
    copy case at 5 repetitions takes minutes.)"""
    passes = []

    def spied_pass(case, settings, *, busy, started):
        passes.append((busy, settings.repetitions))
        return {"ratios": {"mgdc/dlt": 8.0 if busy else 10.0}}

    monkeypatch.setattr(bench_main, "run_case", spied_pass)
    settings = Settings(repetitions=5, load="paired")
    outcome = bench_main.measure("copy", settings, time.perf_counter())

    assert passes == [(False, 5), (True, 5)]
    assert outcome["drift"] == {"mgdc/dlt": pytest.approx(-0.2)}


def test_short_competitors_repeat_until_their_timed_seconds_add_up_unless_repetitions_are_given():
    short, slow = ("benchmarks.harness:sleep_for", {"seconds": 0.02}), ("benchmarks.harness:sleep_for", {"seconds": 0.3})
    runs = alternate({"short": short, "slow": slow}, repetitions=2, min_seconds=0.25, max_repetitions=20)
    assert len(runs["slow"]) == 2  # its two runs already hold 0.6 s
    seconds = [m.seconds for m in runs["short"]]
    assert sum(seconds) >= 0.25 > sum(seconds[:-1]) and len(seconds) < 20  # it stopped once they did
    capped = alternate({"short": short}, repetitions=1, min_seconds=10, max_repetitions=4)
    assert len(capped["short"]) == 4

    assert parse_settings(["--quick"])[0].min_timed_seconds == MIN_TIMED_SECONDS > 0
    assert parse_settings(["--quick", "--repetitions", "3"])[0].min_timed_seconds == 0


def test_the_graph_emulator_and_every_thread_it_serves_with_run_on_the_cores_it_is_given():
    from benchmarks.emulator_process import EmulatorProcess
    from mgdc_pipelines.emulator import EmulatorConfig
    from mgdc_pipelines.sources.synthetic import TenantConfig

    core = max(os.sched_getaffinity(0))  # on two cores, not all the cores it would inherit
    config = EmulatorConfig(tenant=TenantConfig(seed=42, users=10))
    with EmulatorProcess(config, cores={core}) as emulator:
        emulator.clear_requests()  # it serves: its server threads are running
        threads = [int(task) for task in os.listdir(f"/proc/{emulator.pid}/task")]
        assert len(threads) > 1
        affinities = {frozenset(os.sched_getaffinity(thread)) for thread in threads}
        assert affinities == {frozenset({core})}


def test_the_spinner_is_stopped_when_the_case_it_runs_beside_fails(tmp_path):
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("")
    settings = Settings(rows=10, repetitions=1, quick=True, cases=("backfill",), workdir=not_a_folder)

    outcome = run_case("backfill", settings, busy=True, started=time.perf_counter())

    assert outcome["status"] == "failed" and "file" in outcome["error"]
    assert spinners_of(os.getpid()) == []


def test_the_spinner_is_stopped_on_an_exception_and_exits_by_itself_when_the_bench_is_killed():
    with pytest.raises(KeyboardInterrupt), busy_core({0}) as spinner:
        assert spinners_seen(os.getpid(), [spinner.pid]) == [spinner.pid]
        raise KeyboardInterrupt  # as Ctrl-C
    assert spinner.returncode is not None and spinners_of(os.getpid()) == []

    bench = subprocess.Popen([sys.executable, "-c", "from benchmarks.busy import busy_core\n"
                              "with busy_core({0}):\n    print('started', flush=True)\n    input()"],
                             cwd=PROJECT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert bench.stdout.readline() == "started\n"
    assert len(spinners_seen(bench.pid, 1)) == 1
    bench.send_signal(signal.SIGKILL)  # no finally runs: the spinner must notice on its own
    bench.wait()
    assert spinners_seen(bench.pid, []) == []


def test_drift_is_each_ratios_relative_change_from_the_quiet_to_the_busy_pass():
    quiet = {"ratios": {"mgdc/limit": 0.8, "mgdc/naive": 6.0}, "delta_vs_parquet": 1.25, "rows": 2000}
    busy = {"ratios": {"mgdc/limit": 0.88, "mgdc/naive": 3.0}, "delta_vs_parquet": 1.0, "rows": 2000}
    assert drift(ratio_figures("copy", quiet), ratio_figures("copy", busy)) == {
        "mgdc/limit": pytest.approx(0.1), "mgdc/naive": -0.5, "delta_vs_parquet": -0.2}
    # nested figures by their dotted name; a figure the busy pass lacks has no drift
    assert drift(ratio_figures("graph", {"efficiency": 0.8, "simulated": {"efficiency": 0.9}}),
                 ratio_figures("graph", {"efficiency": 0.6})) == {"efficiency": -0.25}
    assert worst_drift({"copy": {"drift": {"mgdc/limit": 0.1, "mgdc/naive": -0.5}},
                        "graph": {"drift": {"efficiency": -0.25}}, "machine": {"cores": 2}}) == 0.5


def test_the_verdict_marks_a_key_no_case_wrote_as_missing_and_judges_the_others():
    results = {"copy": {"ratios": {"mgdc/limit": 0.95, "mgdc_delta/limit": 0.5}},
               "graph": {"efficiency": 0.95, "drift": {"efficiency": -0.3}}}
    line = verdict_line(results)
    assert "copy mgdc/limit 0.95 ok (≥0.9)" in line
    assert "copy mgdc_delta/limit 0.50 MISSED (≥0.9)" in line
    assert "graph simulated.efficiency missing (≥0.9)" in line
    assert "synthetic message_rows_per_s missing (≥20000)" in line
    assert "drift max 0.30 MISSED (≤0.2)" in line
    assert "mgdc/dlt" not in line and "mgdc/naive" not in line


def noisy_competitor() -> dict:
    """A competitor that, like the PostgreSQL server the control-plane case starts, leaves output
    without a newline on the stdout it shares with the worker."""
    os.write(1, b"a server's half line")
    return {"seconds": 0.25}


def test_a_competitors_result_survives_what_its_children_print():
    measurement = run_isolated(f"{__name__}:noisy_competitor", {})

    assert measurement.seconds == 0.25 and measurement.peak_rss_mb > 0


def affinity_competitor() -> dict:
    return {"seconds": 0.0, "cores": sorted(os.sched_getaffinity(0))}


def test_a_competitor_told_its_cores_runs_on_them_and_one_not_told_on_the_callers():
    core = max(os.sched_getaffinity(0))

    pinned = run_isolated(f"{__name__}:affinity_competitor", {}, cores={core})
    inherited = run_isolated(f"{__name__}:affinity_competitor", {})

    assert pinned.details["cores"] == [core]
    assert inherited.details["cores"] == sorted(os.sched_getaffinity(0))


def test_the_synthetic_datasets_run_side_by_side_give_what_they_give_one_at_a_time():
    from benchmarks.cases.synthetic import dataset_days

    names = ["User_v1", "Manager_v0", "MailFolder_v0"]
    one_at_a_time = dataset_days(names, users=30)
    side_by_side = dataset_days(names, users=30, jobs=2)

    assert list(side_by_side) == names
    rows = {name: result["rows"] for name, result in one_at_a_time.items()}
    assert {name: result["rows"] for name, result in side_by_side.items()} == rows
    assert all(r["rows"] > 0 and r["cpu_seconds"] > 0 for r in side_by_side.values())


def test_http_costs_prints_a_gets_client_cpu_through_requests_and_straight_to_the_pool():
    printed = subprocess.run(
        [sys.executable, "-m", "benchmarks.http_costs", "--requests", "5"],
        cwd=PROJECT, env={**os.environ, "PYTHONPATH": str(PROJECT)}, check=True, capture_output=True,
        text=True, timeout=300,
    ).stdout
    figures = dict(line.strip().rsplit(": ", 1) for line in printed.splitlines()[1:])
    assert list(figures) == ["session.request", "PooledHttp.request", "GraphClient.get_json"]
    assert all(float(value.removesuffix(" ms")) > 0 for value in figures.values())


@pytest.mark.parametrize("sink", ["parquet", "delta"])
def test_the_copy_timeline_times_each_stage_of_the_copy_on_its_thread(tmp_path, sink):
    printed = subprocess.run(
        [sys.executable, "-m", "benchmarks.copy_timeline", "--rows", "200", "--sink", sink,
         "--events"],
        cwd=PROJECT, env={**os.environ, "PYTHONPATH": str(PROJECT),
                          "MGDC_BENCH_DIR": str(tmp_path / "bench")},
        check=True, capture_output=True, text=True, timeout=300,
    ).stdout
    lines = printed.splitlines()
    assert lines[0].startswith(f"mgdc ({sink}), 200 rows: ")
    totals = [re.fullmatch(r"  (\S+) +(.+?) +(\d+) × +([\d.]+) s", line) for line in lines[1:]]
    threads = {match[2]: match[1] for match in totals if match}
    assert set(threads) == {
        "the copy (what the bench times)", "wait for the next batch", "read a block of lines",
        "parse a block (all of it)", "read the block's table", "check and project (native)",
        "Arrow's JSON reader", "UTF-8 check", "enforce consent",
        "buffer the batch", "encode a Parquet row group", "finish a file (fsync)",
        "commit (all of it)"}
    assert threads["parse a block (all of it)"] == "mgdc-read-ahead"
    assert threads["check and project (native)"] == "mgdc-read-ahead"  # the projection is used
    assert threads["enforce consent"] == threads["commit (all of it)"] == "MainThread"
    events = [re.fullmatch(r" *([\d.]+) +([\d.]+) ms  (\S+) +(.+)", line) for line in lines]
    events = [match for match in events if match]
    starts = [float(match[1]) for match in events]
    assert starts == sorted(starts) and starts[0] == 0.0
    assert events[0][4] == "the copy (what the bench times)"
    assert all(float(match[2]) <= float(events[0][2]) for match in events)
