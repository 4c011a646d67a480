"""Run competitors alternately, each repetition in its own subprocess; report medians.

A competitor is a function ``module:function`` taking JSON-able keyword arguments and returning
a JSON-able dict that includes ``seconds`` (the timed work only, imports excluded). It runs in
a fresh ``python -m benchmarks.worker`` process, so one competitor's memory never shows in
another's peak RSS; the peak is the child's own high-water mark (``VmHWM``, see ``worker.py``).

>>> result = run_isolated("benchmarks.harness:sleep_for", {"seconds": 0.01})
>>> result.seconds >= 0.01, result.peak_rss_mb > 0
(True, True)
>>> runs = alternate({"a": ("benchmarks.harness:sleep_for", {"seconds": 0})}, repetitions=2)
>>> len(runs["a"]), summarize(runs["a"])["repetitions"]
(2, 2)
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
RESULT_MARKER = "BENCHMARK-RESULT "
# Where the worker also writes its result, for the harness to read. Not stdout: the processes a
# competitor starts (servers, daemons) inherit it, and their output once landed inside the
# result's line.
RESULT_FILE_VARIABLE = "MGDC_BENCH_RESULT_FILE"
# The cores the worker pins itself to ("0,1"), when the harness is told to; else it inherits.
CORES_VARIABLE = "MGDC_BENCH_CORES"


class CompetitorFailed(RuntimeError):
    """A competitor's subprocess exited with an error."""


@dataclass(frozen=True)
class Measurement:
    seconds: float
    peak_rss_mb: float
    details: dict[str, Any] = field(default_factory=dict)


def run_isolated(
    target: str, kwargs: Mapping[str, Any], *, cores: Collection[int] | None = None
) -> Measurement:
    """Run ``target(**kwargs)`` in a new Python process; its timing, details and peak RSS.
    ``cores``: the process runs on these (by default on the caller's)."""
    command = [sys.executable, "-m", "benchmarks.worker", target, json.dumps(dict(kwargs))]
    path = os.pathsep.join(filter(None, [str(PROJECT_ROOT), os.environ.get("PYTHONPATH")]))
    with tempfile.TemporaryDirectory(prefix="mgdc-bench-result-") as folder:
        result_file = Path(folder) / "result.json"
        env = {**os.environ, "PYTHONPATH": path, RESULT_FILE_VARIABLE: str(result_file)}
        if cores is not None:
            env[CORES_VARIABLE] = ",".join(str(core) for core in sorted(cores))
        process = subprocess.run(command, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True)
        out, err = process.stdout, process.stderr
        if process.returncode != 0:
            raise CompetitorFailed(f"{target} failed (exit {process.returncode}):\n{err[-3000:]}")
        if not result_file.exists():
            raise CompetitorFailed(f"{target} wrote no result:\n{out[-2000:]}\n{err[-2000:]}")
        details = json.loads(result_file.read_text())
    return Measurement(float(details.pop("seconds")), float(details.pop("peak_rss_mb")), details)


def alternate(
    competitors: Mapping[str, tuple[str, Mapping[str, Any]]],
    *,
    repetitions: int,
    min_seconds: float = 0.0,
    max_repetitions: int | None = None,
) -> dict[str, list[Measurement]]:
    """Each competitor ``repetitions`` times, interleaved (A B C, B C A, C A B, ...), so a
    slow spell of the machine hits every competitor alike.

    Then a competitor whose runs are short goes on, interleaved with the other short ones,
    until its timed seconds add up to ``min_seconds`` or it has run ``max_repetitions`` times:
    on a shared machine one run of half a second can take 30 % more than the next, and a
    median of three such runs moves as much, where a slow competitor's three runs hold
    steady. Each competitor's median then rests on about as many timed seconds.

    >>> runs = alternate({"short": ("benchmarks.harness:sleep_for", {"seconds": 0.01}),
    ...                   "long": ("benchmarks.harness:sleep_for", {"seconds": 0.2})},
    ...                  repetitions=1, min_seconds=0.15, max_repetitions=4)
    >>> len(runs["short"]), len(runs["long"])
    (4, 1)
    """
    names = list(competitors)
    runs: dict[str, list[Measurement]] = {name: [] for name in names}
    limit = max(repetitions, max_repetitions or repetitions)

    def wanted(name: str, round_: int) -> bool:
        if round_ < repetitions:
            return True
        return len(runs[name]) < limit and sum(m.seconds for m in runs[name]) < min_seconds

    for round_ in range(limit):
        shift = round_ % len(names)
        for name in names[shift:] + names[:shift]:
            if wanted(name, round_):
                target, kwargs = competitors[name]
                runs[name].append(run_isolated(target, kwargs))
    return runs


def summarize(measurements: list[Measurement]) -> dict[str, Any]:
    """Median seconds and peak RSS over repetitions, plus the spread."""
    seconds = [m.seconds for m in measurements]
    return {
        "seconds": statistics.median(seconds),
        "seconds_min": min(seconds),
        "seconds_max": max(seconds),
        "peak_rss_mb": statistics.median(m.peak_rss_mb for m in measurements),
        "repetitions": len(measurements),
    }


@dataclass
class Stopwatch:
    """Wall clock and this process's CPU time (all its threads) since it was made.

    CPU time is what another process on a shared machine disturbs least (it still shares
    caches); a single-threaded competitor's CPU seconds are its one-core figure.

    >>> watch = Stopwatch()
    >>> sorted(watch.elapsed())
    ['cpu_seconds', 'seconds']
    """

    wall: float = field(default_factory=time.perf_counter)
    cpu: float = field(default_factory=time.process_time)

    def elapsed(self) -> dict[str, float]:
        wall, cpu = time.perf_counter() - self.wall, time.process_time() - self.cpu
        return {"seconds": wall, "cpu_seconds": cpu}


def sleep_for(seconds: float) -> dict[str, Any]:
    """A trivial competitor (for the doctest)."""
    start = time.perf_counter()
    time.sleep(seconds)
    return {"seconds": time.perf_counter() - start}
