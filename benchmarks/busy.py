"""A CPU-bound "other engineer" for the ``--busy`` pass: one spinning process on one core.

:func:`busy_core` starts ``python -m benchmarks.busy <parent pid>`` pinned to the busy core and
stops it when the ``with`` block ends, however it ends (an exception, Ctrl-C). If the bench
itself dies without running its ``finally`` (SIGKILL), the spinner notices that its parent is
gone (it was re-parented) and exits: no orphan keeps burning a core.

>>> with busy_core({0}) as spinner:
...     spinner.poll() is None
True
>>> spinner.poll() is not None
True
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Iterator

from benchmarks.harness import PROJECT_ROOT

STOP_TIMEOUT_S = 5.0
PARENT_CHECK_EVERY = 200_000  # loop turns between two looks at the parent (a few ms)


@contextlib.contextmanager
def busy_core(cores: set[int]) -> Iterator[subprocess.Popen]:
    """A spinning process pinned to ``cores`` for the duration of the block."""
    path = os.pathsep.join(filter(None, [str(PROJECT_ROOT), os.environ.get("PYTHONPATH")]))
    spinner = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.busy", str(os.getpid())],
        cwd=PROJECT_ROOT, env={**os.environ, "PYTHONPATH": path},
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
    )
    try:
        os.sched_setaffinity(spinner.pid, cores)
        yield spinner
    finally:
        stop(spinner)


def stop(process: subprocess.Popen) -> None:
    """Terminate ``process`` and reap it; kill it if it does not go within ``STOP_TIMEOUT_S``."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def spin(parent: int) -> None:
    """Burn CPU until the parent process is gone (then ``getppid`` no longer returns it)."""
    while os.getppid() == parent:
        for _ in range(PARENT_CHECK_EVERY):
            pass


if __name__ == "__main__":
    try:
        spin(int(sys.argv[1]))
    except KeyboardInterrupt:  # Ctrl-C reaches the whole process group; the bench stops us anyway
        pass
