"""``python -m benchmarks.worker module:function '{"json": "kwargs"}'``: one competitor run.

Prints the function's result as one ``BENCHMARK-RESULT {...}`` line for the harness.
"""

from __future__ import annotations

import importlib
import json
import sys

from benchmarks.harness import RESULT_MARKER


def main(argv: list[str]) -> int:
    target, arguments = argv
    module_name, function_name = target.split(":")
    function = getattr(importlib.import_module(module_name), function_name)
    result = function(**json.loads(arguments))
    result["peak_rss_mb"] = peak_rss_mb()
    print(RESULT_MARKER + json.dumps(result), flush=True)
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
