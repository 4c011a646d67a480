"""``control_plane``: the availability sensor's tick and a backfill's planning, SQLite beside PostgreSQL.

Both storages run the production profile (``benchmarks/instances.py``); the PostgreSQL server is
a throwaway cluster this case starts and removes (``LocalPostgres.temporary()``). The two
storages alternate, each measurement in a fresh process on a fresh instance (and, for
PostgreSQL, a fresh database). Per storage (``benchmarks/control_plane.py``):

* ``tick_s``: the sensor's tick over ``history`` days × ``scopes`` of ``Message_v1`` history
  (median of the warm ticks; ``first_tick_s`` the cold first one), ``history_load_s`` the time
  to load that history (not a target), ``statements_per_tick`` the SQL it sends;
* ``backfill_plan_s``: a ``backfill_days`` × ``scopes`` backfill from the UI's GraphQL mutation
  to the run requests of the daemon's first iteration; ``runs``/``partitions`` what the spec's
  ``multi_run`` policy made of it; ``submit_s_per_run`` queueing one of its runs (sampled).

``ratios``: PostgreSQL's seconds over SQLite's.
"""

from __future__ import annotations

from typing import Any

from benchmarks.harness import alternate
from benchmarks.instances import STORAGES, bench_postgres
from benchmarks.settings import Settings

# (days of history, scopes, days of the backfill): 3 years and a year of 200 scopes; --quick smaller.
DEFAULT_SIZE = (3 * 365, 200, 365)
QUICK_SIZE = (30, 20, 30)
DATABASE = "bench_control_plane"
TICK_KEYS = ("tick_s", "first_tick_s", "idle_tick_s", "new_day_tick_s", "history_load_s",
             "statements_per_tick", "connections_per_tick", "connection_ms", "statements_per_idle_tick", "run_requests")
BACKFILL_KEYS = ("backfill_plan_s", "launch_s", "planning_s", "runs", "partitions", "distinct_partitions",
                 "max_partitions_in_a_run", "submit_s_per_run", "submit_all_estimate_s",
                 "connections_per_queued_run", "sampled_runs_queued", "backfill_statements")


def run(settings: Settings) -> dict[str, Any]:
    history, scopes, backfill_days = QUICK_SIZE if settings.quick else DEFAULT_SIZE
    with bench_postgres() as server:
        def competitor(storage: str) -> tuple[str, dict[str, Any]]:
            """One deployment on ``storage``, in its own folder (and, on PostgreSQL, its own database)."""
            database = None
            if storage == "postgres":
                database = DATABASE
                server.create_database(database)
            return "benchmarks.control_plane:control_plane", {
                "storage": storage, "folder": str(settings.folder("control_plane", storage)),
                "database": database, "history_days": history, "backfill_days": backfill_days,
                "scopes": scopes, "warm_ticks": 3 if settings.quick else 5, "sample_runs": 2 if settings.quick else 5}

        runs = alternate({storage: competitor(storage) for storage in STORAGES}, repetitions=1)
    per_storage = {storage: _pick(runs[storage][-1].details, TICK_KEYS + BACKFILL_KEYS) for storage in STORAGES}
    return {
        "history_days": history,
        "scopes": scopes,
        "backfill_days": backfill_days,
        "max_partitions_per_run": runs["sqlite"][-1].details["max_partitions_per_run"],
        **per_storage,
        "ratios": {key: per_storage["postgres"][key] / per_storage["sqlite"][key]
                   for key in ("tick_s", "first_tick_s", "backfill_plan_s", "submit_s_per_run")},
    }


def _pick(details: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    return {key: details[key] for key in keys}
