"""One backfill of 30 days × 4 scopes of Message_v1, as Dagster runs on a real DagsterInstance.

``policy``: the spec's default backfill policy, ``multi_run(max_partitions_per_run)``: per
scope, runs of up to ``max_partitions_per_run`` consecutive days, each a range run (as a
Dagster backfill launches them, and as ``runner.run_planned`` executes them).
``per_partition``: one run per (day, scope) partition, what a backfill without a policy does.
Both execute in process against a persistent SQLite ``DagsterInstance`` in a fresh folder.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import time
from pathlib import Path
from typing import Any

SCOPES = {
    "all": "all",
    "sales": ["3af3fdfe-f047-5c2e-87b2-226f88aba79e"],
    "engineering": ["96f7b3c4-3c1b-590e-bf5a-b683cb913652"],
    "support": ["083102eb-f91c-5f46-bc8f-c9035abe7c6c"],
}
FIRST_DAY = dt.date(2026, 3, 1)
MAX_PARTITIONS_PER_RUN = 31


def spec_text(folder: Path) -> str:
    scopes = "\n".join(
        f"  {alias}: {value if value == 'all' else '[' + ', '.join(value) + ']'}"
        for alias, value in SCOPES.items()
    )
    return f"""
app:
  name: bench
  app_id: 7afa5ac9-c126-563f-ab81-5611ae5bbe41
  tenant_id: 884d4683-c007-5d56-9024-62e767f7906c
  owner: data-platform@contoso.example.com
source: {{type: synthetic, seed: 42, users: 60}}
sink: {{type: local, path: {folder / 'sink'}}}
partitions: {{start_date: 2026-01-01}}
scopes:
{scopes}
datasets:
  - name: Message_v1
    date_filter_column: receivedDateTime
    columns: [id, internetMessageId, subject, receivedDateTime, sender, toRecipients, isRead]
consent:
  authorization: {folder / 'bench.authorization.json'}
  state_dir: {folder / 'state'}
dagster:
  max_partitions_per_run: {MAX_PARTITIONS_PER_RUN}
"""


def planned_runs(mode: str, days: int, job: str, defs, instance) -> list[tuple[str, str, str]]:
    """(job, first partition key, last partition key) of every run of the backfill.

    ``policy`` asks Dagster itself how its backfill daemon would cut the backfill
    (``build_run_requests_with_backfill_policies``, as ``mgdc_pipelines_tests/defs/test_backfill.py``
    does), so the benchmark measures the runs a UI backfill really launches.
    """
    dates = [(FIRST_DAY + dt.timedelta(days=offset)).isoformat() for offset in range(days)]
    if mode == "per_partition":
        return [(job, f"{day}|{scope}", f"{day}|{scope}") for scope in SCOPES for day in dates]
    return [(job, start, end) for start, end in _policy_ranges(dates, defs, instance)]


def _policy_ranges(dates: list[str], defs, instance) -> list[tuple[str, str]]:
    import dagster as dg
    from dagster._core.definitions.automation_tick_evaluation_context import (
        build_run_requests_with_backfill_policies,
    )
    from dagster._core.definitions.events import AssetKeyPartitionKey
    from dagster._core.definitions.partitions.context import partition_loading_context
    from dagster._core.storage.tags import ASSET_PARTITION_RANGE_END_TAG, ASSET_PARTITION_RANGE_START_TAG

    graph = defs.resolve_asset_graph()
    (asset_key,) = graph.materializable_asset_keys
    wanted = {
        AssetKeyPartitionKey(asset_key, dg.MultiPartitionKey({"date": day, "scope": scope}))
        for day in dates
        for scope in SCOPES
    }
    with partition_loading_context(dynamic_partitions_store=instance):
        requests = build_run_requests_with_backfill_policies(wanted, graph, instance)
    return sorted(
        (request.tags[ASSET_PARTITION_RANGE_START_TAG], request.tags[ASSET_PARTITION_RANGE_END_TAG])
        for request in requests
    )


def backfill(mode: str, days: int, folder: str) -> dict[str, Any]:
    import dagster as dg

    from mgdc_pipelines.consent.demo import ensure_demo_authorization
    from mgdc_pipelines.consent.trust import DEMO_MODE_ENV
    from mgdc_pipelines.defs import build_defs
    from mgdc_pipelines.defs.build import copy_job_name
    from mgdc_pipelines.defs.scopes import sync_scope_partitions
    from mgdc_pipelines.runner import run_planned
    from mgdc_pipelines.spec import parse_spec

    work = Path(folder)
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    spec = parse_spec(spec_text(work), source=str(work / "bench.yaml"))
    os.environ[DEMO_MODE_ENV] = "1"  # this worker process is a demo deployment: the demo key approves
    ensure_demo_authorization(spec)
    defs = build_defs(spec)
    (work / "dagster_home").mkdir()
    with dg.DagsterInstance.local_temp(tempdir=str(work / "dagster_home")) as instance:
        sync_scope_partitions(instance, spec)
        runs = planned_runs(mode, days, copy_job_name(spec), defs, instance)
        start = time.perf_counter()
        outcomes, summaries = run_planned(defs, instance, runs)
        seconds = time.perf_counter() - start
    failed = [outcome.run_id for outcome in outcomes if not outcome.success]
    if failed:
        raise RuntimeError(f"{len(failed)} of {len(outcomes)} runs failed: {failed[:3]}")
    return {
        "seconds": seconds,
        "runs": len(outcomes),
        "partitions": sum(summary.partitions for summary in summaries.values()),
        "rows": sum(summary.rows for summary in summaries.values()),
    }
