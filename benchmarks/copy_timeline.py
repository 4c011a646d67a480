"""When the copy case's mgdc copy reads, parses, enforces and writes, and on which thread.

    PYTHONPATH=$PWD OMP_NUM_THREADS=1 taskset -c 0 \
        .venv/bin/python -m benchmarks.copy_timeline [--rows N] [--sink delta] [--events]

runs :func:`benchmarks.copiers.mgdc_copy` once on the copy case's input (generated and cached
like the benchmark's), as the bench's worker runs it, with each stage of the copy path timed:
reading a block of lines, parsing it (Arrow's JSON reader, the UTF-8 check), enforcing consent,
buffering the batch, encoding a Parquet row group, finishing a file (fsync) and committing.
It prints the copy's wall and CPU seconds, then each stage's count and wall seconds per thread
(``--events``: every stage in the order it started, in milliseconds from the copy's start).
The bench runs every competitor on one core (``settings.confine_bench``): run this the same way,
pinned to one core with one Arrow thread, and a stage's wall time is its share of the copy.
Arrow parses in its own thread pool, so the parse's CPU shows in the process's total, not in the
read-ahead thread's; the stages' wall times are what to compare.

>>> parse_arguments(["--rows", "2000", "--events"])
Namespace(rows=2000, sink='parquet', events=True)
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any

from benchmarks.copiers import SINK_KINDS, mgdc_copy
from benchmarks.data import message_delivery
from benchmarks.settings import QUICK_ROWS, Settings


COPY = "the copy (what the bench times)"


@dataclass(frozen=True)
class Stage:
    """One timed call: what it was, on which thread, and when (perf_counter seconds)."""

    name: str
    thread: str
    start: float
    end: float


class Recorder:
    """Collects :class:`Stage` records from every thread."""

    def __init__(self) -> None:
        self.stages: list[Stage] = []
        self._lock = threading.Lock()

    def record(self, name: str, start: float) -> None:
        stage = Stage(name, threading.current_thread().name, start, time.perf_counter())
        with self._lock:
            self.stages.append(stage)


def timed_call(function: Callable, name: str, recorder: Recorder) -> Callable:
    """``function``, recording each call as a stage called ``name``."""

    def timed(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            recorder.record(name, start)

    return timed


def timed_items(function: Callable, name: str, recorder: Recorder) -> Callable:
    """``function``, a generator function, recording the making of each item it yields."""

    def timed(*args: Any, **kwargs: Any) -> Iterator:
        items = iter(function(*args, **kwargs))
        while True:
            start = time.perf_counter()
            try:
                item = next(items)
            except StopIteration:
                return
            finally:
                recorder.record(name, start)
            yield item

    return timed


@contextmanager
def replaced(owner: Any, attribute: str, wrap: Callable[[Callable], Callable]) -> Iterator[None]:
    """``owner.attribute`` wrapped by ``wrap`` for the duration of the block."""
    original = getattr(owner, attribute)
    setattr(owner, attribute, wrap(original))
    try:
        yield
    finally:
        setattr(owner, attribute, original)


def stage_hooks() -> list[tuple[Any, str, str, Callable]]:
    """(owner, attribute, stage name, wrapper) for every stage timed; imported here, so the
    imports are not among the copy's stages."""
    from mgdc_pipelines import transfer
    from mgdc_pipelines.consent.enforcement import Enforcer
    from mgdc_pipelines.sinks import delta, local, rolling
    from mgdc_pipelines.sources.landing import arrow_blocks, json_projection, store
    from mgdc_pipelines.sources.read_ahead import ReadAhead

    return [
        (transfer, "copy_partition", COPY, timed_call),
        (store.LocalDeliveryStore, "read_blocks", "read a block of lines", timed_items),
        (arrow_blocks.BlockParser, "parse", "parse a block (all of it)", timed_call),
        (arrow_blocks.BlockParser, "_read", "  read the block's table", timed_call),
        (json_projection.BlockProjection, "project", "    check and project (native)", timed_call),
        (arrow_blocks, "_parse_json", "    Arrow's JSON reader", timed_call),
        (arrow_blocks, "_is_utf8", "  UTF-8 check", timed_call),
        (ReadAhead, "__next__", "wait for the next batch", timed_call),
        (Enforcer, "apply", "enforce consent", timed_call),
        (rolling.PartFileWriter, "write", "buffer the batch", timed_call),
        (rolling.PartFileWriter, "_flush", "encode a Parquet row group", timed_call),
        (rolling.PartFileWriter, "_close_file", "finish a file (fsync)", timed_call),
        (local.LocalPartitionWriter, "commit", "commit (all of it)", timed_call),
        (delta.DeltaPartitionWriter, "commit", "commit (all of it)", timed_call),
    ]


def timed_copy(root: str, output: str, quarantine: str, sink: str) -> tuple[dict, list[Stage]]:
    """:func:`mgdc_copy`'s result, and its stages, timed from the start of the copy."""
    recorder = Recorder()
    with ExitStack() as hooks:
        for owner, attribute, name, wrapper in stage_hooks():
            hooks.enter_context(
                replaced(owner, attribute, lambda f, n=name, w=wrapper: w(f, n, recorder))
            )
        result = mgdc_copy(root, output, quarantine, sink=sink)
    copy_start = next(s.start for s in recorder.stages if s.name == COPY)
    stages = [
        Stage(s.name, s.thread, s.start - copy_start, s.end - copy_start)
        for s in sorted(recorder.stages, key=lambda s: s.start)
    ]
    return result, stages


def totals(stages: list[Stage]) -> dict[tuple[str, str], tuple[int, float]]:
    """(thread, stage) → (count, wall seconds), in the order each first started.

    >>> totals([Stage("parse", "t", 0.0, 0.5), Stage("parse", "t", 1.0, 1.25)])
    {('t', 'parse'): (2, 0.75)}
    """
    found: dict[tuple[str, str], list] = defaultdict(lambda: [0, 0.0])
    for stage in stages:
        entry = found[(stage.thread, stage.name)]
        entry[0] += 1
        entry[1] += stage.end - stage.start
    return {key: (count, seconds) for key, (count, seconds) in found.items()}


def parse_arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.copy_timeline", description=__doc__)
    parser.add_argument("--rows", type=int, default=QUICK_ROWS, help="rows of the input")
    parser.add_argument("--sink", choices=SINK_KINDS, default="parquet")
    parser.add_argument("--events", action="store_true", help="print every stage as it started")
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    arguments = parse_arguments(argv)
    settings = Settings(rows=arguments.rows)
    delivery = message_delivery(arguments.rows)
    result, stages = timed_copy(
        str(delivery.root), str(settings.folder("timeline", "mgdc")),
        str(settings.folder("timeline", "quarantine")), arguments.sink,
    )
    print(f"mgdc ({arguments.sink}), {result['rows']} rows: {result['seconds']:.3f} s, "
          f"{result['cpu_seconds']:.3f} s of CPU (every thread)")
    for (thread, name), (count, seconds) in totals(stages).items():
        print(f"  {thread:<16} {name:<32} {count:>4} × {seconds:7.3f} s")
    if arguments.events:
        for stage in stages:
            print(f"{stage.start * 1e3:9.1f} {stage.end * 1e3:9.1f} ms  {stage.thread:<16} "
                  f"{stage.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
