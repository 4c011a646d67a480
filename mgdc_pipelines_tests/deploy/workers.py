"""Catch a run worker inside a step: the moment a fault test kills it, or takes its database away.

A copy of a small partition takes milliseconds, too short to hit by polling. So the worker is
run in slices: stopped (SIGSTOP), its event log read, and let go (SIGCONT) for a few
milliseconds, until the log shows a step started and not finished. The worker is left stopped
there; the caller kills it or continues it (:func:`resume`).
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable
from pathlib import Path

import dagster as dg

from mgdc_pipelines_tests.deploy.events import running_steps

SLICE_SECONDS = 0.005


def pause_in_step(
    instance: dg.DagsterInstance, run_id: str, pid: int, *, also: Callable[[], object] = lambda: True,
    timeout: float = 120.0,
) -> str:
    """Stop the worker ``pid`` of ``run_id`` while a step is running and ``also()`` holds; the step's key."""
    deadline = time.monotonic() + timeout
    while True:
        os.kill(pid, signal.SIGSTOP)
        steps = running_steps(instance, run_id)
        if steps and also():
            return steps[0]
        os.kill(pid, signal.SIGCONT)
        if time.monotonic() > deadline:
            raise AssertionError(f"run {run_id}: no step started within {timeout:.0f} s")
        time.sleep(SLICE_SECONDS)


def resume(pid: int) -> None:
    os.kill(pid, signal.SIGCONT)


def kill(pid: int) -> None:
    """SIGKILL, as the kernel's OOM killer or a lost node would end it: no cleanup of any kind."""
    os.kill(pid, signal.SIGKILL)


def staging_attempts(sink_root: Path) -> list[str]:
    """The write attempts in the sink's staging area right now (names only)."""
    staging = sink_root / "_staging"
    return sorted(path.name for path in staging.iterdir()) if staging.is_dir() else []
