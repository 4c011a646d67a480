"""How long one availability-sensor tick takes with years of history: ``python -m benchmarks.sensor_tick``.

The demo app with ``--scopes`` group scopes (default 200) and ``--years`` of daily partitions
(default 3), approved, on a real SQLite ``DagsterInstance``. Every scoped partition of
``Message_v1`` is recorded as materialized (``--years`` × 365 × ``--scopes`` events, written in
batches), so the instance holds the history a long-running deployment has. Then four ticks are
timed: the first ever (no cursor), an idle one (nothing new), a new day closing, and for
comparison the full scan a cursor-less design would make (every materialized partition of one
asset).
"""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import tempfile
import time
import uuid
from pathlib import Path

import dagster as dg
import yaml
from dagster._core.events import DagsterEvent, DagsterEventType, StepMaterializationData
from dagster._core.events.log import EventLogEntry
from dagster._core.instance.utils import RUNLESS_JOB_NAME, RUNLESS_RUN_ID

from mgdc_pipelines.consent.authorization import decide, write_authorization
from mgdc_pipelines.consent.keys import generate_keypair
from mgdc_pipelines.consent.registration import registration_for
from mgdc_pipelines.defs import build_mgdc_assets, copy_jobs
from mgdc_pipelines.defs.availability import build_lanes
from mgdc_pipelines.defs.partitions import scoped_key
from mgdc_pipelines.defs.scopes import sync_scope_partitions
from mgdc_pipelines.defs.sensors import evaluate_availability
from mgdc_pipelines.spec import DEMO_SPEC_PATH, load_spec


def make_app(folder: Path, scopes: int, start: dt.date):
    raw = copy.deepcopy(yaml.safe_load(DEMO_SPEC_PATH.read_text()))
    raw.pop("downstream", None)
    raw["scopes"] = {f"team-{n:03d}": [str(uuid.uuid5(uuid.NAMESPACE_DNS, f"team-{n}"))] for n in range(scopes)}
    raw["partitions"]["start_date"] = start.isoformat()
    private_key, public_key = generate_keypair()
    (folder / "admin.pub").write_bytes(public_key)
    raw["consent"] = {"authorization": str(folder / "auth.json"), "public_key": str(folder / "admin.pub")}
    spec_path = folder / "mgdc.yaml"
    spec_path.write_text(yaml.safe_dump(raw, sort_keys=False))
    app = load_spec(spec_path)
    authorization = decide(registration_for(app), decision="approved", approver="admin@contoso.example.com",
                           private_key=private_key)
    write_authorization(app.consent.authorization_path(), authorization, private_key)
    return app


def seed_history(instance: dg.DagsterInstance, key: dg.AssetKey, days: list[dt.date], scopes) -> int:
    batch: list[EventLogEntry] = []
    written = 0
    for day in days:
        for scope in scopes:
            event = DagsterEvent(
                event_type_value=DagsterEventType.ASSET_MATERIALIZATION.value,
                event_specific_data=StepMaterializationData(dg.AssetMaterialization(key, partition=scoped_key(day, scope))),
                job_name=RUNLESS_JOB_NAME,
            )
            batch.append(EventLogEntry(None, "DEBUG", "", RUNLESS_RUN_ID, time.time(), job_name=RUNLESS_JOB_NAME, dagster_event=event))
        if len(batch) >= 5_000:
            instance.event_log_storage.store_event_batch(batch)
            written += len(batch)
            batch = []
    instance.event_log_storage.store_event_batch(batch)
    return written + len(batch)


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
    args = parser.parse_args()
    now = dt.datetime.now(dt.timezone.utc).replace(hour=1, minute=0, second=0, microsecond=0)
    last = now.date() - dt.timedelta(days=2)
    history = [last - dt.timedelta(days=n) for n in range(365 * args.years)][::-1]
    with tempfile.TemporaryDirectory() as folder, dg.instance_for_test(temp_dir=folder, overrides=_one_database(folder)) as instance:
        app = make_app(Path(folder), args.scopes, history[0])
        assets = build_mgdc_assets(app)
        lanes = build_lanes(app, assets)
        copy_jobs(app, assets)
        sync_scope_partitions(instance, app)
        messages = dg.AssetKey(["mgdc", "Message_v1"])
        count = timed(f"seed {len(history)} days × {args.scopes} scopes of Message_v1",
                      lambda: seed_history(instance, messages, history, app.scope_keys))
        print(f"  {count:,} materializations in the instance; {len(assets)} assets, {len(lanes)} lanes")
        yesterday = now - dt.timedelta(days=1)  # the cursor is one day behind `now`
        first = timed("tick 1: no cursor (lookback days × scopes × assets)",
                      lambda: evaluate_availability(instance, None, app, lanes, yesterday))
        print(f"  {len(first.run_requests)} run requests")
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
