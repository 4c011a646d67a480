"""How long one availability-sensor tick takes with years of history: ``python -m benchmarks.sensor_tick``.

The demo app with ``--scopes`` group scopes (default 200) and ``--years`` of daily partitions
(default 3; ``--days`` for another length), approved, on a real SQLite ``DagsterInstance``.
Every scoped partition of ``Message_v1`` is recorded as materialized (``--years`` × 365 ×
``--scopes`` events, inserted in one transaction), so the instance holds the history a
long-running deployment has. The seeded event log is kept under ``/tmp/mgdc-sensor-tick`` for
reruns (``--no-cache`` seeds afresh). Then four ticks are timed: the first ever (no cursor), an
idle one (nothing new), a new day closing, and for comparison the full scan a cursor-less design
would make (every materialized partition of one asset). ``--profile`` prints where tick 1 spends
its time.

Measured 2026-11-27 (2 cores shared with other jobs, load 1.3–2.8; Dagster 1.13.27; 3 years ×
200 scopes = 219,000 materializations; 14 assets in 2 lanes), ``python -m benchmarks.sensor_tick``:

======================================  ====================  ==================
tick                                    before (one record    after (one index
                                        query per key chunk)  query per chunk)
======================================  ====================  ==================
1: no cursor, 603 runs requested        0.42–0.49 s           0.12–0.22 s
2: idle, nothing new                    0.010–0.024 s         0.011–0.016 s
3: a day closes, 201 runs requested     0.19–0.25 s           0.057–0.13 s
======================================  ====================  ==================

The cost no longer depends on the history: with 3 days, 30 days, 1 year and 3 years of history
tick 1 takes 0.125, 0.116, 0.121 and 0.12 s (before: 0.15 s at 30 days, 0.44 s at 3 years — the
record query walked the asset's events newest first until every asked key was found, i.e. the
whole history whenever one was missing). Seeding 219,000 events takes 45–49 s (was 24 min,
event by event); from the cache, a rerun takes 4 s.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import copy
import datetime as dt
import itertools
import os
import pstats
import shutil
import tempfile
import time
import uuid
from pathlib import Path

import dagster as dg
import sqlalchemy as db
import yaml
from dagster._core.events import DagsterEvent, DagsterEventType, StepMaterializationData
from dagster._core.events.log import EventLogEntry
from dagster._core.instance.utils import RUNLESS_JOB_NAME, RUNLESS_RUN_ID
from dagster._core.storage.event_log import SqlEventLogStorageTable
from dagster._core.storage.event_log.sqlite.consolidated_sqlite_event_log import SQLITE_EVENT_LOG_FILENAME

from mgdc_pipelines.consent.authorization import decide, write_authorization
from mgdc_pipelines.consent.keys import generate_keypair
from mgdc_pipelines.consent.registration import registration_for
from mgdc_pipelines.consent.store import ConsentStore
from mgdc_pipelines.consent.trust import TRUSTED_KEYS_ENV
from mgdc_pipelines.defs import build_mgdc_assets, copy_jobs
from mgdc_pipelines.defs.availability import build_lanes
from mgdc_pipelines.defs.partitions import scoped_key
from mgdc_pipelines.defs.scopes import sync_scope_partitions
from mgdc_pipelines.defs.sensors import evaluate_availability
from mgdc_pipelines.spec import DEMO_SPEC_PATH, load_spec

CACHE = Path(tempfile.gettempdir()) / "mgdc-sensor-tick"  # seeded event logs, for reruns


def make_app(folder: Path, scopes: int, start: dt.date):
    raw = copy.deepcopy(yaml.safe_load(DEMO_SPEC_PATH.read_text()))
    raw.pop("downstream", None)
    raw["scopes"] = {f"team-{n:03d}": [str(uuid.uuid5(uuid.NAMESPACE_DNS, f"team-{n}"))] for n in range(scopes)}
    raw["partitions"]["start_date"] = start.isoformat()
    private_key, public_key = generate_keypair()
    keys = Path(tempfile.mkdtemp(prefix="mgdc-sensor-tick-keys-"))  # not in the spec's folder
    (keys / "admin.pub").write_bytes(public_key)
    os.environ[TRUSTED_KEYS_ENV] = str(keys)  # this benchmark is its own deployment: it trusts its admin
    raw["consent"] = {"authorization": str(folder / "auth.json")}
    spec_path = folder / "mgdc.yaml"
    spec_path.write_text(yaml.safe_dump(raw, sort_keys=False))
    app = load_spec(spec_path)
    # Decided before the ticks' "now" (one day back): a decision from the future would be refused.
    decided = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=3)
    authorization = decide(registration_for(app), decision="approved", approver="admin@contoso.example.com",
                           private_key=private_key, now=decided)
    write_authorization(app.consent.authorization_path(), authorization, private_key)
    ConsentStore.of(app).record_decision(decided)
    return app


def seed_history(instance: dg.DagsterInstance, key: dg.AssetKey, days: list[dt.date], scopes) -> int:
    """Record a materialization of ``key`` for every (day, scope), in one transaction.

    ``store_event_batch`` stores event by event, two commits each (24 minutes for 219,000 on
    SQLite); this writes the same rows with the storage's own batch insert statement and then
    updates the asset's last-materialization entry once, as ``store_event`` would have.
    """
    storage = instance.event_log_storage
    entries = (_materialization(key, scoped_key(day, scope)) for day in days for scope in scopes)
    written, last = 0, None
    with storage.index_transaction() as conn:
        while batch := list(itertools.islice(entries, 1_000)):
            conn.execute(storage.prepare_insert_event_batch(batch))
            written, last = written + len(batch), batch[-1]
        if last is not None:
            last_id = conn.execute(db.select(db.func.max(SqlEventLogStorageTable.c.id))).scalar_one()
            storage._store_asset_event(conn, last, last_id)  # noqa: SLF001 - no public bulk API
    return written


def _materialization(key: dg.AssetKey, partition: str) -> EventLogEntry:
    event = DagsterEvent(
        event_type_value=DagsterEventType.ASSET_MATERIALIZATION.value,
        event_specific_data=StepMaterializationData(dg.AssetMaterialization(key, partition=partition)),
        job_name=RUNLESS_JOB_NAME,
    )
    return EventLogEntry(None, "DEBUG", "", RUNLESS_RUN_ID, time.time(), job_name=RUNLESS_JOB_NAME, dagster_event=event)


def seeded_event_log(folder: Path, seed, cache: Path | None) -> None:
    """Put the seeded event log database in ``folder``: copied from ``cache``, or made by ``seed``.

    ``seed(instance_folder)`` writes the history; a fresh seed is then saved to ``cache``.
    """
    if cache is not None and cache.is_dir():
        print(f"history copied from {cache} (delete it to seed again)")
        for file in cache.iterdir():
            shutil.copy2(file, folder / file.name)
        return
    seed(folder)
    if cache is not None:
        shutil.rmtree(CACHE, ignore_errors=True)  # one cached history at a time: 3 years is 270 MB
        partial = CACHE / "partial"  # renamed when complete: an interrupted copy is never reused
        partial.mkdir(parents=True)
        for file in folder.glob(f"{SQLITE_EVENT_LOG_FILENAME}.db*"):
            shutil.copy2(file, partial / file.name)
        partial.rename(cache)


def _one_database(folder: str) -> dict:
    """All events in one SQLite table, as in Postgres (the default splits them per run)."""
    return {"event_log_storage": {"module": "dagster.core.storage.event_log",
                                  "class": "ConsolidatedSqliteEventLogStorage", "config": {"base_dir": folder}}}


def timed(label: str, work) -> object:
    start = time.perf_counter()
    result = work()
    print(f"{label:<58} {time.perf_counter() - start:8.3f} s")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scopes", type=int, default=200)
    parser.add_argument("--years", type=int, default=3)
    parser.add_argument("--days", type=int, help="days of history instead of --years × 365")
    parser.add_argument("--no-cache", action="store_true", help=f"seed afresh, not from {CACHE}")
    parser.add_argument("--profile", action="store_true", help="print where tick 1 spends its time")
    args = parser.parse_args()
    now, yesterday = tick_instants()
    history = history_days(now, args.days or 365 * args.years)
    last = history[-1]
    messages = dg.AssetKey(["mgdc", "Message_v1"])
    with tempfile.TemporaryDirectory() as folder:
        app = make_app(Path(folder), args.scopes, history[0])
        instance_dir = Path(folder) / "instance"
        instance_dir.mkdir()

        def seed(target: Path) -> None:
            with _instance(target) as instance:
                count = timed(f"seed {len(history)} days × {args.scopes} scopes of Message_v1",
                              lambda: seed_history(instance, messages, history, app.scope_keys))
            print(f"  {count:,} materializations written")

        cache = None if args.no_cache else CACHE / f"{args.scopes}-scopes-{history[0]}-to-{last}"
        seeded_event_log(instance_dir, seed, cache)
        with _instance(instance_dir) as instance:
            _ticks(instance, app, messages, now, yesterday, profile=args.profile)


def _instance(folder: Path):
    return dg.instance_for_test(temp_dir=str(folder), overrides=_one_database(str(folder)))


def tick_instants() -> tuple[dt.datetime, dt.datetime]:
    """``now`` (01:00 UTC today) and the instant one day before, when the first ticks run.

    >>> now, yesterday = tick_instants()
    >>> (now - yesterday).days, now.hour
    (1, 1)
    """
    now = dt.datetime.now(dt.timezone.utc).replace(hour=1, minute=0, second=0, microsecond=0)
    return now, now - dt.timedelta(days=1)


def history_days(now: dt.datetime, days: int) -> list[dt.date]:
    """The ``days`` closed days of history before yesterday's tick, oldest first.

    >>> history_days(dt.datetime(2026, 3, 10, 1, tzinfo=dt.timezone.utc), 2)
    [datetime.date(2026, 3, 7), datetime.date(2026, 3, 8)]
    """
    last = now.date() - dt.timedelta(days=2)
    return [last - dt.timedelta(days=n) for n in range(days)][::-1]


def wired_lanes(instance: dg.DagsterInstance, app):
    """The app's availability lanes, its jobs built and its scopes in the instance, as at load."""
    assets = build_mgdc_assets(app)
    lanes = build_lanes(app, assets)
    copy_jobs(app, assets)
    sync_scope_partitions(instance, app)
    print(f"{len(assets)} assets, {len(lanes)} lanes")
    return lanes


def _ticks(instance: dg.DagsterInstance, app, messages: dg.AssetKey, now: dt.datetime, yesterday: dt.datetime,
           *, profile: bool) -> None:
    lanes = wired_lanes(instance, app)  # the cursor is one day behind `now`
    profiler = cProfile.Profile() if profile else contextlib.nullcontext()
    with profiler:
        first = timed("tick 1: no cursor (lookback days × scopes × assets)",
                      lambda: evaluate_availability(instance, None, app, lanes, yesterday))
    print(f"  {len(first.run_requests)} run requests")
    if profile:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
    idle = timed("tick 2: idle (same instant, nothing new)",
                 lambda: evaluate_availability(instance, first.cursor, app, lanes, yesterday))
    print(f"  {len(idle.run_requests)} run requests")
    new_day = timed("tick 3: a new day closed (1 day × scopes × assets)",
                    lambda: evaluate_availability(instance, idle.cursor, app, lanes, now))
    print(f"  {len(new_day.run_requests)} run requests")
    scanned = timed("for comparison: scan every materialized partition of 1 asset",
                    lambda: instance.get_materialized_partitions(messages))
    print(f"  {len(scanned):,} partitions")


if __name__ == "__main__":
    main()
