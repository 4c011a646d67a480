"""Launching work the way the Dagster UI does, against the code location a workspace loads.

``mgdc-pipelines demo`` uses it: a local ``dagster-webserver`` and ``dagster-daemon``
(:class:`LocalDagster`), runs launched through GraphQL and followed to the end (:mod:`.submit`),
and the demo's plan (:func:`plan_demo`, :func:`run_demo`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mgdc_pipelines.lazy_exports import lazy_exports

__all__ = [
    "DemoOutcome",
    "DemoPlan",
    "LocalDagster",
    "LocalDagsterError",
    "RunState",
    "follow_runs",
    "launch_run",
    "plan_demo",
    "run_demo",
]

# Imported on first use: the CLI needs `LocalDagsterError` for every command, and `launch.demo`
# would import Dagster for all of them.
_MODULES = {
    "mgdc_pipelines.launch.demo": ("DemoOutcome", "DemoPlan", "plan_demo", "run_demo"),
    "mgdc_pipelines.launch.local_dagster": ("LocalDagster", "LocalDagsterError"),
    "mgdc_pipelines.launch.submit": ("RunState", "follow_runs", "launch_run"),
}
__getattr__, __dir__ = lazy_exports(globals(), _MODULES, __all__)

if TYPE_CHECKING:
    from mgdc_pipelines.launch.demo import DemoOutcome, DemoPlan, plan_demo, run_demo
    from mgdc_pipelines.launch.local_dagster import LocalDagster, LocalDagsterError
    from mgdc_pipelines.launch.submit import RunState, follow_runs, launch_run
