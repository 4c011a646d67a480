"""``python -m benchmarks [--rows N] [--quick] [--cases copy,memory,...] [--repetitions R] [--load L]``.

Prints a table and writes ``benchmarks/results/latest.json``.

The machines are shared, so by default (``--load paired``) every case with ratios
(``drift.RATIO_FIGURES``) is measured twice in a row: quietly, then again while ``busy.py``
keeps one core busy; its entry holds the quiet results, the busy pass's results under ``busy``
and each ratio's relative change under ``drift``. Case by case rather than a whole quiet run
then a whole busy one: the two passes of a case are minutes apart, not the length of a run, so
what else the machine did in between weighs less. The busy pass repeats each competitor as
often as the quiet pass, so a drift compares medians of as many runs (with 3 busy runs against
5 quiet ones, dlt's 45 s copy alone moved mgdc/dlt by a fifth). ``--load quiet`` skips the busy
pass (no drift), ``--busy`` (``--load busy``) runs every case with the core busy.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import json
import sys
import time
import traceback
from pathlib import Path
from typing import Any

from benchmarks.busy import busy_core
from benchmarks.drift import RATIO_FIGURES, drift, ratio_figures
from benchmarks.machine import machine_info
from benchmarks.report import table
from benchmarks.settings import (
    CASES, DEFAULT_CASES, DEFAULT_ROWS, LOADS, MAX_REPETITIONS, MIN_TIMED_SECONDS,
    QUICK_ROWS, Settings, busy_cores, confine_bench,
)

RESULTS = Path(__file__).resolve().parent / "results" / "latest.json"


def parse_settings(argv: list[str] | None = None) -> tuple[Settings, Path]:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--rows", type=int, help=f"rows of the copy input (default {DEFAULT_ROWS:,}, --quick {QUICK_ROWS:,})")
    parser.add_argument("--quick", action="store_true", help="small inputs and fewer repetitions")
    parser.add_argument("--cases", default=",".join(DEFAULT_CASES),
                        help=f"comma-separated subset of {','.join(CASES)} (default: all but synthetic)")
    parser.add_argument("--repetitions", type=int,
                        help="exactly this many runs per competitor (by default 5, --quick 3, and a copy or "
                             f"graph competitor whose runs are short repeats up to {MIN_TIMED_SECONDS:.0f} s "
                             f"of timed work, at most {MAX_REPETITIONS} runs)")
    parser.add_argument("--output", type=Path, default=RESULTS, help="where the JSON results go")
    parser.add_argument("--load", choices=LOADS, default="paired",
                        help="paired (default): each ratio case quiet, then with one core busy, and their drift; "
                             "quiet: no busy pass; busy: every case with one core busy")
    parser.add_argument("--busy", dest="load", action="store_const", const="busy", help="same as --load busy")
    parser.add_argument("--dataset-users", type=int,
                        help="synthetic: users of each dataset's day (default 5,000; --quick 1,000)")
    parser.add_argument("--synthetic-jobs", type=int, default=1,
                        help="synthetic: datasets extracted at once, each pinned to its own core "
                             "(its figures are CPU seconds; default 1)")
    args = parser.parse_args(argv)
    if args.synthetic_jobs < 1 or (args.dataset_users is not None and args.dataset_users < 1):
        parser.error("--synthetic-jobs and --dataset-users must be at least 1")
    cases = tuple(case.strip() for case in args.cases.split(",") if case.strip())
    unknown = sorted(set(cases) - set(CASES))
    if unknown:
        parser.error(f"unknown case(s) {unknown}; allowed: {', '.join(CASES)}")
    rows = args.rows or (QUICK_ROWS if args.quick else DEFAULT_ROWS)
    repetitions = args.repetitions or (3 if args.quick else 5)
    settings = Settings(
        rows=rows, repetitions=repetitions, quick=args.quick, cases=cases, load=args.load,
        dataset_users=args.dataset_users, synthetic_jobs=args.synthetic_jobs,
        min_timed_seconds=0.0 if args.repetitions else MIN_TIMED_SECONDS,
    )
    return settings, args.output


def main(argv: list[str] | None = None) -> int:
    settings, output = parse_settings(argv)
    confined = confine_bench()  # before any case starts a process: see its docstring
    results = {
        "started": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "command": "python -m benchmarks " + " ".join(sys.argv[1:] if argv is None else argv),
        "machine": {**machine_info(), **confined},
        "settings": {"rows": settings.rows, "repetitions": settings.repetitions,
                     "quick": settings.quick, "cases": list(settings.cases), "load": settings.load},
    }
    started = time.perf_counter()
    measured_by = {"command": results["command"], "started": results["started"]}
    for case in settings.cases:
        results[case] = {**measure(case, settings, started), "measured_by": measured_by}
    failed = any(_failed(outcome) for outcome in results.values())
    results["wall_seconds"] = round(time.perf_counter() - started, 1)
    kept = kept_cases(output, settings.cases)
    results.update(kept)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(results, indent=2, sort_keys=False) + "\n")
    print()
    print(table(results))
    for case, outcome in kept.items():
        run = outcome["measured_by"]
        print(f"{case}: kept from `{run['command']}` ({run['started']})")
    print(f"\n{results['wall_seconds']:.0f} s; results in {output}")
    return 1 if failed else 0


def kept_cases(output: Path, measured: tuple[str, ...]) -> dict[str, dict[str, Any]]:
    """The entries of ``output`` for cases this run did not measure, each with the run that did.

    Re-running one case (``--cases graph``) then updates its entry and keeps the others, so the
    file still holds every case; ``measured_by`` says which command measured each, and when.
    An unreadable file keeps nothing.

    >>> kept_cases(Path("/nonexistent/latest.json"), ("copy",))
    {}
    """
    try:
        previous = json.loads(output.read_text())
    except (OSError, ValueError):
        return {}
    fallback = {"command": previous.get("command", "unknown"), "started": previous.get("started", "unknown")}
    return {
        case: {**previous[case], "measured_by": previous[case].get("measured_by", fallback)}
        for case in CASES
        if case not in measured and isinstance(previous.get(case), dict)
    }


def measure(case: str, settings: Settings, started: float) -> dict[str, Any]:
    """``case`` under ``settings.load``: with ``paired``, its ratio cases twice and their drift."""
    outcome = run_case(case, settings, busy=settings.load == "busy", started=started)
    if settings.load != "paired" or case not in RATIO_FIGURES or _failed(outcome):
        return outcome
    loaded = run_case(case, settings, busy=True, started=started)
    outcome["busy"] = loaded
    outcome["drift"] = drift(ratio_figures(case, outcome), ratio_figures(case, loaded))
    return outcome


def run_case(case: str, settings: Settings, *, busy: bool, started: float) -> dict[str, Any]:
    """One pass of ``case``; with ``busy``, a spinning process holds one core meanwhile."""
    print(f"[{time.perf_counter() - started:6.0f} s] {case}{' (one core busy)' if busy else ''} ...", flush=True)
    module = importlib.import_module(f"benchmarks.cases.{case}")
    try:
        if not busy:
            return module.run(settings)
        with busy_core(busy_cores()):
            return module.run(settings)
    except Exception as error:  # one broken case must not hide the others' numbers
        traceback.print_exc()
        return {"status": "failed", "error": f"{type(error).__name__}: {error}"}


def _failed(outcome: Any) -> bool:
    return isinstance(outcome, dict) and (outcome.get("status") == "failed" or _failed(outcome.get("busy")))


if __name__ == "__main__":
    sys.exit(main())
