"""``python -m benchmarks.worker module:function '{"json": "kwargs"}'``: one competitor run.

Prints the function's result as one ``BENCHMARK-RESULT {...}`` line, and writes it to the file
named by ``MGDC_BENCH_RESULT_FILE`` when the harness sets it (the harness reads only the file).
"""

from __future__ import annotations

import importlib
import json
import os
import sys
from pathlib import Path

from benchmarks.harness import CORES_VARIABLE, RESULT_FILE_VARIABLE, RESULT_MARKER


def main(argv: list[str]) -> int:
    target, arguments = argv
    if os.environ.get(CORES_VARIABLE):  # before the target starts any thread or process
        os.sched_setaffinity(0, {int(core) for core in os.environ[CORES_VARIABLE].split(",")})
    module_name, function_name = target.split(":")
    function = getattr(importlib.import_module(module_name), function_name)
    result = function(**json.loads(arguments))
    result["peak_rss_mb"] = peak_rss_mb()
    text = json.dumps(result)
    print(RESULT_MARKER + text, flush=True)
    if os.environ.get(RESULT_FILE_VARIABLE):
        Path(os.environ[RESULT_FILE_VARIABLE]).write_text(text)
    return 0


def peak_rss_mb() -> float:
    """This process's own high-water RSS (``VmHWM``). Not ``ru_maxrss``: after fork + exec, that
    starts from the parent's RSS at the fork, which would charge the driver's memory to us."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
