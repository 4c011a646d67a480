"""Profile the ``copy`` case's mgdc competitor in this process: where a copy spends its time.

    PYTHONPATH=$PWD .venv/bin/pyinstrument -m benchmarks.profile_copy [--rows N] [--sink delta]

runs :func:`benchmarks.copiers.mgdc_copy` once on the copy case's input (generated and cached
like the benchmark's) and prints its timing beside the pyarrow limit's, run just before it.
Under pyinstrument the profile shows every thread's Python frames; time inside Arrow's C++
threads (JSON parsing, Parquet encoding) shows as the frames that wait for them.

>>> parse_arguments(["--rows", "2000", "--sink", "delta"])
Namespace(rows=2000, sink='delta', no_limit=False)
"""

from __future__ import annotations

import argparse
import sys

from benchmarks.copiers import SINK_KINDS, limit_copy, mgdc_copy
from benchmarks.data import message_delivery
from benchmarks.settings import DEFAULT_ROWS, Settings


def parse_arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.profile_copy", description=__doc__)
    parser.add_argument("--rows", type=int, default=DEFAULT_ROWS, help="rows of the input")
    parser.add_argument("--sink", choices=SINK_KINDS, default="parquet")
    parser.add_argument("--no-limit", action="store_true", help="skip the pyarrow limit's run")
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    arguments = parse_arguments(argv)
    settings = Settings(rows=arguments.rows)
    delivery = message_delivery(arguments.rows)
    if not arguments.no_limit:
        limit = limit_copy(str(delivery.files[0]), str(settings.folder("profile", "limit")))
        print(f"limit: {limit['seconds']:.2f} s")
    ours = mgdc_copy(
        str(delivery.root), str(settings.folder("profile", "mgdc")),
        str(settings.folder("profile", "quarantine")), sink=arguments.sink,
    )
    print(f"mgdc ({arguments.sink}): {ours['seconds']:.2f} s for {ours['rows']} rows")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
