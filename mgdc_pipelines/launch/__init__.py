"""Launching work the way the Dagster UI does, against the code location a workspace loads.

``mgdc-pipelines demo`` uses it: a local ``dagster-webserver`` and ``dagster-daemon``
(:class:`LocalDagster`), runs launched through GraphQL and followed to the end (:mod:`.submit`),
and the demo's plan (:func:`plan_demo`, :func:`run_demo`).
"""

from mgdc_pipelines.launch.demo import DemoOutcome, DemoPlan, plan_demo, run_demo
from mgdc_pipelines.launch.local_dagster import LocalDagster, LocalDagsterError
from mgdc_pipelines.launch.submit import RunState, follow_runs, launch_run

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
