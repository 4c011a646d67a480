"""What the sensor and schedule tests share: a small approved app, a movable clock, real ticks."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass

import dagster as dg

from mgdc_pipelines.defs import build_defs, build_mgdc_assets, copy_jobs
from mgdc_pipelines.defs.partitions import scope_partitions_name
from mgdc_pipelines.defs.sensors import availability_sensor
from mgdc_pipelines.spec.model import AppSpec

SALES = "3af3fdfe-f047-5c2e-87b2-226f88aba79e"
ENGINEERING = "96f7b3c4-3c1b-590e-bf5a-b683cb913652"
MARKETING = "0b9f1c3e-5a41-4c55-9a53-6a1f3c2d7e10"
UTC = dt.timezone.utc
# Before every clock of the sensor and schedule tests: a decision dated after a tick's "now" is
# refused as coming from the future.
APPROVED_AT = dt.datetime(2026, 11, 1, tzinfo=UTC)


def approved_before_the_clock(small_spec_factory):
    """``small_spec_factory`` approving at :data:`APPROVED_AT`, a minute later at each call (a new
    decision must be newer than the one the audit log holds); override the fixture with it."""
    calls = itertools.count()
    return lambda *args, **kwargs: small_spec_factory(
        *args, approved_at=APPROVED_AT + dt.timedelta(minutes=next(calls)), **kwargs
    )


def small_app(raw: dict, scopes: dict | None = None) -> None:
    """Three datasets (range, snapshot, SharePoint), two group scopes (no `all`)."""
    raw["scopes"] = scopes or {"sales": [SALES], "engineering": [ENGINEERING]}
    raw["datasets"] = [d for d in raw["datasets"] if d["name"] in ("Message_v1", "User_v1", "SharePointSites_v1")]
    raw.pop("downstream", None)


@dataclass
class Clock:
    now: dt.datetime

    def __call__(self) -> dt.datetime:
        return self.now


@dataclass
class Tick:
    requests: list[dg.RunRequest]
    skip: str | None
    added: list[str]
    removed: list[str]

    @property
    def keys(self) -> list[tuple[str, str]]:
        return [(r.job_name, r.partition_key) for r in self.requests]


class SensorHarness:
    """The availability sensor of ``app`` evaluated tick after tick against a real instance.

    Dynamic partition requests are applied to the instance after each tick, as the sensor
    daemon does; the cursor is carried over.
    """

    def __init__(self, instance: dg.DagsterInstance, app: AppSpec, clock: Clock) -> None:
        self.instance, self.clock, self.cursor = instance, clock, None
        self.use(app)

    def use(self, app: AppSpec) -> None:
        """Deploy a new version of the spec (the code location reloads)."""
        self.app = app
        assets = build_mgdc_assets(app)
        jobs = copy_jobs(app, assets)
        self.sensor = availability_sensor(app, assets, jobs, clock=self.clock)
        resources = dict(build_defs(app).resources)
        self.defs = dg.Definitions(assets=assets, jobs=jobs, sensors=[self.sensor], resources=resources)

    def tick(self) -> Tick:
        # With an instance ref, as in the daemon, run requests are validated against the dynamic
        # partitions as they will be after this tick's requests.
        # `with`: the context opens an instance from the ref; closing it resets the Dagster state
        # that instance set for this thread (else later tests meet a dead instance).
        with dg.build_sensor_context(instance_ref=self.instance.get_ref(), cursor=self.cursor, definitions=self.defs) as context:
            data = self.sensor.evaluate_tick(context)  # validates partition keys against the defs
        added, removed = [], []
        name = scope_partitions_name(self.app)
        for request in data.dynamic_partitions_requests or []:
            assert request.partitions_def_name == name
            if isinstance(request, dg.AddDynamicPartitionsRequest):
                self.instance.add_dynamic_partitions(name, list(request.partition_keys))
                added += request.partition_keys
            else:
                for key in request.partition_keys:
                    self.instance.delete_dynamic_partition(name, key)
                removed += request.partition_keys
        if data.cursor is not None:
            self.cursor = data.cursor
        return Tick(list(data.run_requests or []), data.skip_message, added, removed)

    def scopes(self) -> list[str]:
        return sorted(self.instance.get_dynamic_partitions(scope_partitions_name(self.app)))


def at(day: str, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(hour=hour, minute=minute, tzinfo=UTC)


def mark_materialized(instance: dg.DagsterInstance, asset_key: dg.AssetKey, *partitions: str) -> None:
    """Record materializations the way a finished run does (a real event in the instance)."""
    for partition in partitions:
        instance.report_runless_asset_event(dg.AssetMaterialization(asset_key=asset_key, partition=partition))
