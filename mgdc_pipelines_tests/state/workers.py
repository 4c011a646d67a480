"""What parallel worker processes do to the state database in the concurrency tests.

:func:`run_in_parallel` starts the workers (forked: separate processes with their own
connections, without re-importing Dagster in each) and says how each one ended.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
from collections.abc import Callable

from mgdc_pipelines.consent.audit import LedgerIdentity
from mgdc_pipelines.consent.audit_database import DatabaseAuditLog
from mgdc_pipelines.sources.graph.delta_state_database import DatabaseDeltaStore
from mgdc_pipelines.state import StateDatabase

APP = LedgerIdentity("demo", "7afa5ac9-c126-563f-ab81-5611ae5bbe41", "884d4683-c007-5d56-9024-62e767f7906c")
DELTA_NAMESPACE = "tenant/app"


def append_audit_records(url: str, worker: int, count: int) -> None:
    log = DatabaseAuditLog(StateDatabase(url), APP)
    for n in range(count):
        log.append("partition_committed", worker=worker, n=n)


def advance_delta_counter(url: str, worker: int, count: int) -> None:
    """Read the delta link as a counter and store counter + 1: a lost update would show."""
    store = DatabaseDeltaStore(StateDatabase(url), DELTA_NAMESPACE)
    for _ in range(count):
        with store.session("User_v1", "all") as state:
            seen = int(state.links.get("", "0"))
            state.record([(f"user-{seen}", dt.date(2026, 11, 20))], previous=True)
            state.save_links({"": str(seen + 1)}, None)


def run_in_parallel(target: Callable[[str, int, int], None], url: str, workers: int, count: int) -> list[int | None]:
    """Run ``target(url, worker, count)`` in ``workers`` separate processes; their exit codes."""
    context = multiprocessing.get_context("fork")  # each worker opens its own StateDatabase (own connections)
    processes = [context.Process(target=target, args=(url, worker, count)) for worker in range(workers)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(120)
    return [process.exitcode for process in processes]
