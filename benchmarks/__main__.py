"""``python -m benchmarks [--rows N] [--quick] [--cases copy,memory,...] [--repetitions R]``.

Prints a table and writes ``benchmarks/results/latest.json``.
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

from benchmarks.machine import machine_info
from benchmarks.report import table
from benchmarks.settings import CASES, DEFAULT_ROWS, QUICK_ROWS, Settings

RESULTS = Path(__file__).resolve().parent / "results" / "latest.json"


def parse_settings(argv: list[str] | None = None) -> tuple[Settings, Path]:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--rows", type=int, help=f"rows of the copy input (default {DEFAULT_ROWS:,}, --quick {QUICK_ROWS:,})")
    parser.add_argument("--quick", action="store_true", help="small inputs and fewer repetitions (< 2 min)")
    parser.add_argument("--cases", default=",".join(CASES), help=f"comma-separated subset of {','.join(CASES)}")
    parser.add_argument("--repetitions", type=int, help="repetitions per competitor (default 5, --quick 3)")
    parser.add_argument("--output", type=Path, default=RESULTS, help="where the JSON results go")
    args = parser.parse_args(argv)
    cases = tuple(case.strip() for case in args.cases.split(",") if case.strip())
    unknown = sorted(set(cases) - set(CASES))
    if unknown:
        parser.error(f"unknown case(s) {unknown}; allowed: {', '.join(CASES)}")
    rows = args.rows or (QUICK_ROWS if args.quick else DEFAULT_ROWS)
    repetitions = args.repetitions or (3 if args.quick else 5)
    return Settings(rows=rows, repetitions=repetitions, quick=args.quick, cases=cases), args.output


def main(argv: list[str] | None = None) -> int:
    settings, output = parse_settings(argv)
    results = {
        "started": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "command": "python -m benchmarks " + " ".join(sys.argv[1:] if argv is None else argv),
        "machine": machine_info(),
        "settings": {"rows": settings.rows, "repetitions": settings.repetitions,
                     "quick": settings.quick, "cases": list(settings.cases)},
    }
    failed = False
    started = time.perf_counter()
    for case in settings.cases:
        print(f"[{time.perf_counter() - started:6.0f} s] {case} ...", flush=True)
        module = importlib.import_module(f"benchmarks.cases.{case}")
        try:
            results[case] = module.run(settings)
        except Exception as error:  # one broken case must not hide the others' numbers
            traceback.print_exc()
            results[case] = {"status": "failed", "error": f"{type(error).__name__}: {error}"}
            failed = True
    results["wall_seconds"] = round(time.perf_counter() - started, 1)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(results, indent=2, sort_keys=False) + "\n")
    print()
    print(table(results))
    print(f"\n{results['wall_seconds']:.0f} s; results in {output}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
