"""Profile the ``copy`` case's mgdc competitor in this process: where a copy spends its time.

    PYTHONPATH=$PWD .venv/bin/pyinstrument -m benchmarks.profile_copy [--rows N] [--sink delta]

runs :func:`benchmarks.copiers.mgdc_copy` once on the copy case's input (generated and cached
like the benchmark's) and prints its timing beside the pyarrow limit's, run just before it.
pyinstrument samples the main thread: there the copy enforces and writes, and the time spent
waiting for the source (which parses in a read-ahead thread) shows as ``ReadAhead.__next__``.
``--source-only`` reads the landing source alone in the main thread, so its profile shows
where parsing goes (Arrow's JSON reader, the checks around it).

>>> parse_arguments(["--rows", "2000", "--sink", "delta"])
Namespace(rows=2000, sink='delta', no_limit=False, source_only=False)
"""

from __future__ import annotations

import argparse
import sys

from benchmarks.copiers import SINK_KINDS, limit_copy, mgdc_copy, mgdc_copy_parts
from benchmarks.data import message_delivery
from benchmarks.harness import Stopwatch
from benchmarks.settings import DEFAULT_ROWS, Settings


def parse_arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.profile_copy", description=__doc__)
    parser.add_argument("--rows", type=int, default=DEFAULT_ROWS, help="rows of the input")
    parser.add_argument("--sink", choices=SINK_KINDS, default="parquet")
    parser.add_argument("--no-limit", action="store_true", help="skip the pyarrow limit's run")
    parser.add_argument("--source-only", action="store_true",
                        help="only read the landing source (no enforcement, no writing)")
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    arguments = parse_arguments(argv)
    settings = Settings(rows=arguments.rows)
    delivery = message_delivery(arguments.rows)
    if not arguments.no_limit:
        limit = limit_copy(str(delivery.files[0]), str(settings.folder("profile", "limit")))
        print(f"limit: {limit['seconds']:.2f} s")
    quarantine = str(settings.folder("profile", "quarantine"))
    if arguments.source_only:
        read_source(str(delivery.root), quarantine)
        return 0
    ours = mgdc_copy(
        str(delivery.root), str(settings.folder("profile", "mgdc")),
        quarantine, sink=arguments.sink,
    )
    print(f"mgdc ({arguments.sink}): {ours['seconds']:.2f} s for {ours['rows']} rows")
    return 0


def read_source(root: str, quarantine: str) -> None:
    """Every batch of the mgdc copy's extraction, in this thread, under the copy's memory pool."""
    from mgdc_pipelines.memory_pool import copy_memory_pool

    _, request, source = mgdc_copy_parts(root, quarantine)
    watch, rows = Stopwatch(), 0
    with copy_memory_pool():
        for batch in source.extract(request):
            rows += batch.num_rows
    timing = watch.elapsed()  # CPU of every thread: Arrow parses in its own pool
    seconds, cpu = timing["seconds"], timing["cpu_seconds"]
    print(f"mgdc source alone: {seconds:.2f} s ({cpu:.2f} s of CPU) for {rows} rows")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
