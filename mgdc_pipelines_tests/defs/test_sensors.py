"""The availability sensor, tick after tick, on a real instance (build_sensor_context)."""

from __future__ import annotations

import datetime as dt

import dagster as dg
import pytest

from mgdc_pipelines.consent.registration import registration_for
from mgdc_pipelines.consent.store import ConsentStore
from mgdc_pipelines.defs.availability import materialized_among
from mgdc_pipelines.defs.build import build_defs
from mgdc_pipelines.defs.pools import pool_name
from mgdc_pipelines_tests.conftest import approve
from mgdc_pipelines_tests.defs.sensor_helpers import (
    APPROVED_AT,
    ENGINEERING,
    MARKETING,
    SALES,
    Clock,
    approved_before_the_clock,
    SensorHarness,
    at,
    mark_materialized,
    small_app,
)

COPY, SHAREPOINT = "demo_copy", "demo_sharepoint_copy"
MESSAGES, USERS, SITES = (dg.AssetKey(["mgdc", name]) for name in ("Message_v1", "User_v1", "SharePointSites_v1"))


def with_marketing(raw: dict) -> None:
    small_app(raw, {"sales": [SALES], "engineering": [ENGINEERING], "marketing": [MARKETING]})


@pytest.fixture
def small_spec_factory(small_spec_factory):
    return approved_before_the_clock(small_spec_factory)


@pytest.fixture
def app(small_spec_factory):
    return small_spec_factory(small_app)


def test_the_sensor_is_declared_with_the_specs_status_and_targets_both_copy_jobs(small_spec_factory):
    running = small_spec_factory(lambda raw: (small_app(raw), raw["dagster"].update(sensor={"default_status": "running"})))
    sensor = build_defs(running).resolve_sensor_def("demo_availability")
    assert sensor.default_status is dg.DefaultSensorStatus.RUNNING
    assert {target.job_name for target in sensor.targets} == {COPY, SHAREPOINT}
    # The bundled demo declares its sensors stopped: `make demo` copies by its own runs.
    stopped = small_spec_factory(small_app)
    assert build_defs(stopped).resolve_sensor_def("demo_availability").default_status is dg.DefaultSensorStatus.STOPPED


def test_first_tick_adds_the_authorized_scopes_and_requests_the_closed_days_within_the_lag(app):
    with dg.instance_for_test() as instance:
        harness = SensorHarness(instance, app, Clock(at("2026-11-10", 1)))
        tick = harness.tick()
        assert tick.added == ["sales", "engineering"]
        assert harness.scopes() == ["engineering", "sales"]
        # lookback_days=3: the three closed days × both scopes; SharePoint (48 h) ends two days earlier.
        copy = [f"2026-11-{d:02d}|{s}" for d in (7, 8, 9) for s in ("engineering", "sales")]
        sharepoint = ["2026-11-05", "2026-11-06", "2026-11-07"]
        assert sorted(tick.keys) == sorted([(COPY, k) for k in copy] + [(SHAREPOINT, k) for k in sharepoint])
        request = next(r for r in tick.requests if r.partition_key == "2026-11-09|sales")
        assert set(request.asset_selection) == {MESSAGES, USERS}
        assert {c.name for c in request.asset_check_keys} == {"consented_columns", "scope_compliance", "transforms_applied"}
        assert request.run_key == "demo_copy+0h:2026-11-09|sales"
        assert instance.event_log_storage.get_concurrency_info(pool_name(app)).slot_count == app.dagster.pool.limit


def test_each_closed_day_is_requested_once_when_it_closes(app):
    clock = Clock(at("2026-11-10", 1))
    with dg.instance_for_test() as instance:
        harness = SensorHarness(instance, app, clock)
        harness.tick()
        clock.now = at("2026-11-10", 23, 59)  # 11-10 has not closed yet
        quiet = harness.tick()
        assert quiet.requests == [] and quiet.skip.startswith("No newly available partition is missing")
        clock.now = at("2026-11-11", 0, 1)
        tick = harness.tick()
        assert sorted(tick.keys) == [
            (COPY, "2026-11-10|engineering"), (COPY, "2026-11-10|sales"), (SHAREPOINT, "2026-11-08"),
        ]
        assert harness.tick().requests == []  # the same instant again: nothing twice


def test_the_sharepoint_lag_holds_a_day_back_until_48_hours_after_it_closed(app):
    clock = Clock(at("2026-11-10", 1))
    with dg.instance_for_test() as instance:
        harness = SensorHarness(instance, app, clock)
        harness.tick()
        clock.now = at("2026-11-10", 23, 59)  # 11-08 closed 47 h 59 min ago
        assert (SHAREPOINT, "2026-11-08") not in harness.tick().keys
        clock.now = at("2026-11-11", 0, 0)
        assert (SHAREPOINT, "2026-11-08") in harness.tick().keys


def test_a_per_dataset_lag_from_the_spec_delays_only_that_dataset(small_spec_factory):
    def lagged(raw):
        small_app(raw)
        next(d for d in raw["datasets"] if d["name"] == "User_v1")["availability_lag_hours"] = 30

    app = small_spec_factory(lagged)
    with dg.instance_for_test() as instance:
        tick = SensorHarness(instance, app, Clock(at("2026-11-10", 1))).tick()
    by_key = {r.run_key: set(r.asset_selection) for r in tick.requests}
    assert by_key["demo_copy+0h:2026-11-09|sales"] == {MESSAGES}
    assert "demo_copy+30h:2026-11-08|sales" not in by_key  # 11-08 closed 25 h ago, not 30
    assert by_key["demo_copy+30h:2026-11-07|sales"] == {USERS}


def test_already_materialized_partitions_are_not_requested(app):
    clock = Clock(at("2026-11-10", 1))
    with dg.instance_for_test() as instance:
        harness = SensorHarness(instance, app, clock)
        harness.tick()
        mark_materialized(instance, MESSAGES, "2026-11-10|sales", "2026-11-10|engineering")
        mark_materialized(instance, USERS, "2026-11-10|sales")
        mark_materialized(instance, SITES, "2026-11-08")
        clock.now = at("2026-11-11", 1)
        tick = harness.tick()
    assert [(r.partition_key, r.asset_selection) for r in tick.requests] == [("2026-11-10|engineering", [USERS])]


def test_a_lost_cursor_gives_the_same_run_keys_so_the_daemon_launches_nothing_twice(app):
    with dg.instance_for_test() as instance:
        harness = SensorHarness(instance, app, Clock(at("2026-11-10", 1)))
        first = harness.tick()
        harness.cursor = None
        again = harness.tick()
    assert sorted(r.run_key for r in again.requests) == sorted(r.run_key for r in first.requests)
    assert len({r.run_key for r in first.requests}) == len(first.requests)


def test_a_newly_authorized_scope_is_added_and_copied_from_its_lookback(app, small_spec_factory):
    clock = Clock(at("2026-11-10", 1))
    with dg.instance_for_test() as instance:
        harness = SensorHarness(instance, app, clock)
        harness.tick()
        harness.use(small_spec_factory(with_marketing))  # and re-approved
        clock.now = at("2026-11-10", 2)
        tick = harness.tick()
        assert tick.added == ["marketing"]
        assert sorted(k for j, k in tick.keys if j == COPY) == [f"2026-11-{d:02d}|marketing" for d in (7, 8, 9)]
        assert harness.scopes() == ["engineering", "marketing", "sales"]


def test_a_scope_beyond_the_grant_is_never_added_nor_requested(app, small_spec_factory):
    clock = Clock(at("2026-11-10", 1))
    with dg.instance_for_test() as instance:
        harness = SensorHarness(instance, app, clock)
        harness.tick()
        harness.use(small_spec_factory(with_marketing, approved=False))  # update_available: the old grant keeps working for sales and engineering
        ticks = []
        for day in ("2026-11-10", "2026-11-11", "2026-11-12"):
            clock.now = at(day, 12)
            ticks.append(harness.tick())
        assert all(t.added == [] for t in ticks)
        assert not any("marketing" in key for t in ticks for _, key in t.keys)
        assert harness.scopes() == ["engineering", "sales"]
        assert (COPY, "2026-11-11|sales") in ticks[2].keys
        clock.now = at("2026-11-12", 13)
        assert "scopes beyond the grant, never requested: marketing" in harness.tick().skip


def test_a_revoked_scope_is_removed_and_no_longer_requested(app, small_spec_factory, admin_keys):
    clock = Clock(at("2026-11-10", 1))
    with dg.instance_for_test() as instance:
        harness = SensorHarness(instance, app, clock)
        harness.tick()
        # The admin re-approves a registration that covers sales only; the spec still lists both.
        narrower = small_spec_factory(lambda raw: small_app(raw, {"sales": [SALES]}), approved=False)
        approve(narrower, admin_keys, now=APPROVED_AT + dt.timedelta(hours=1))
        small_spec_factory(small_app, approved=False)  # the deployed spec file is unchanged
        clock.now = at("2026-11-11", 1)
        tick = harness.tick()
        assert tick.removed == ["engineering"]
        assert harness.scopes() == ["sales"]
        assert [k for j, k in tick.keys if j == COPY] == ["2026-11-10|sales"]


def test_a_suspended_app_skips_saying_why_and_requests_nothing(app):
    clock = Clock(at("2026-11-10", 1))
    with dg.instance_for_test() as instance:
        harness = SensorHarness(instance, app, clock)
        harness.tick()
        store = ConsentStore.of(app)
        store.suspend("column body written", dataset="BasicDataSet_v0.Message_v1",
                      partitions=[("2026-11-09|sales", "BasicDataSet_v0.Message_v1/date=2026-11-09/scope=sales")],
                      fingerprint=registration_for(app).fingerprint)
        clock.now = at("2026-11-12", 1)
        tick = harness.tick()
        assert tick.requests == [] and tick.added == tick.removed == []
        assert tick.skip.startswith("Not copying: app demo is suspended")
        assert "column body written" in tick.skip and "an admin lifts it by approving the app again" in tick.skip
        assert harness.scopes() == ["engineering", "sales"]  # kept for when the admin re-approves


def test_an_unapproved_app_skips_and_adds_no_scope(small_spec_factory):
    app = small_spec_factory(small_app, approved=False)
    with dg.instance_for_test() as instance:
        harness = SensorHarness(instance, app, Clock(at("2026-11-10", 1)))
        tick = harness.tick()
        assert tick.requests == [] and tick.added == []
        assert tick.skip.startswith("Not copying: app demo is pending: no authorization at")
        assert harness.scopes() == []


def test_the_materialization_lookup_answers_for_exactly_the_asked_keys_across_query_chunks():
    # More keys than one query takes (500), so the lookup spans chunks: the first, the boundary, the last.
    keys = [f"2026-11-{day:02d}|team-{n:03d}" for day in range(1, 4) for n in range(250)]
    first, boundary, last = keys[0], keys[500], keys[-1]
    with dg.instance_for_test() as instance:
        mark_materialized(instance, MESSAGES, first, boundary, last, last)  # `last` twice: one key
        mark_materialized(instance, MESSAGES, "2026-10-01|team-000")  # materialized, but not asked
        mark_materialized(instance, USERS, keys[1])  # another asset's partition
        assert materialized_among(instance, MESSAGES, keys) == {first, boundary, last}
        assert materialized_among(instance, MESSAGES, []) == set()  # not "every partition"
        instance.wipe_assets([MESSAGES])
        assert materialized_among(instance, MESSAGES, keys) == set()  # a wiped asset is copied again
        mark_materialized(instance, MESSAGES, boundary)
        assert materialized_among(instance, MESSAGES, keys) == {boundary}
        assert materialized_among(instance, USERS, keys) == {keys[1]}
