"""The change sensor against the HTTPS Graph emulator: re-copy exactly the copied partitions that changed."""

from __future__ import annotations

import datetime as dt

import dagster as dg
import pytest

from mgdc_pipelines.consent.registration import registration_for
from mgdc_pipelines.consent.store import ConsentStore
from mgdc_pipelines.defs import build_defs, build_mgdc_assets, copy_jobs
from mgdc_pipelines.defs.change_sensor import change_sensors
from mgdc_pipelines.emulator import DEMO_CLIENT_SECRET
from mgdc_pipelines_tests.conftest import scoped_instance
from mgdc_pipelines_tests.defs.sensor_helpers import ENGINEERING, SALES, Clock, mark_materialized
from mgdc_pipelines_tests.sources.graph.conftest import DAY, start_emulator
from mgdc_pipelines_tests.sources.graph.test_spec_and_dagster import SECRET_ENV, graph_source_block

USERS = dg.AssetKey(["mgdc", "User_v1"])


@pytest.fixture
def emulator():
    """Its own emulator: the test changes the tenant's data."""
    with start_emulator() as emu:
        emu.set_clock(dt.datetime(DAY.year, DAY.month, DAY.day, 12, tzinfo=dt.timezone.utc))
        yield emu


@pytest.fixture
def app(small_spec_factory, emulator, monkeypatch):
    monkeypatch.setenv(SECRET_ENV, DEMO_CLIENT_SECRET)

    def on_graph(raw):
        raw["source"] = {**graph_source_block(emulator), "state_dir": str(emulator.ca_pem_path.parent / "delta")}
        raw["scopes"] = {"sales": [SALES], "engineering": [ENGINEERING]}
        raw["datasets"] = [d for d in raw["datasets"] if d["name"] in ("User_v1", "Contact_v1")]
        raw.pop("downstream", None)

    return small_spec_factory(on_graph)


class ChangeHarness:
    def __init__(self, instance, app, clock):
        assets = build_mgdc_assets(app)
        [self.sensor] = change_sensors(app, assets, copy_jobs(app, assets), clock=clock)
        self.instance, self.defs = instance, build_defs(app)

    def tick(self):
        with dg.build_sensor_context(instance_ref=self.instance.get_ref(), definitions=self.defs,
                                     resources=dict(self.defs.resources)) as context:
            return self.sensor.evaluate_tick(context)


def only_in(tenant, group: str, other: str):
    others = {u.id for u in tenant.members_of(other)}
    return next(u for u in tenant.members_of(group) if u.id not in others)


def test_a_changed_user_re_copies_only_the_copied_partition_of_its_scope(app, emulator):
    clock = Clock(emulator.now())
    today = DAY.isoformat()
    with scoped_instance(app) as instance:
        harness = ChangeHarness(instance, app, clock)
        first = harness.tick()
        assert first.run_requests == [] and "2 delta baselines recorded" in first.skip_message  # User_v1 × 2 scopes
        assert harness.tick().skip_message == "No change touches a copied partition."

        mark_materialized(instance, USERS, f"{today}|sales")  # today's snapshot was copied for sales only
        user = only_in(emulator.tenant, SALES, ENGINEERING)
        emulator.update_user(user.id, jobTitle="Chief Delta Officer")
        emulator.set_clock(emulator.now() + dt.timedelta(seconds=1))
        clock.now = emulator.now()
        [request] = harness.tick().run_requests
        assert (request.job_name, request.partition_key, request.asset_selection) == ("demo_copy", f"{today}|sales", [USERS])
        assert request.run_key.startswith(f"changes:demo_copy+0h:{today}|sales:")
        assert {c.name for c in request.asset_check_keys} == {"consented_columns", "scope_compliance", "transforms_applied"}
        assert harness.tick().run_requests == []  # the delta link moved on: requested once

        engineer = only_in(emulator.tenant, ENGINEERING, SALES)
        emulator.update_user(engineer.id, jobTitle="Delta Engineer")
        emulator.set_clock(emulator.now() + dt.timedelta(seconds=1))
        clock.now = emulator.now()
        quiet = harness.tick()  # engineering's snapshot of today was never copied: not a re-copy
        assert quiet.run_requests == []
        assert "1 changed partitions not copied yet" in quiet.skip_message


def test_no_change_sensor_for_datasets_without_a_delta_and_a_skip_when_suspended(app, emulator):
    assert [s.name for s in build_defs(app).sensors] == ["demo_availability", "demo_changes"]
    ConsentStore(app.consent, app.name).suspend("hashed column in clear", dataset="BasicDataSet_v0.User_v1",
                                                partitions=[f"{DAY}|sales"], fingerprint=registration_for(app).fingerprint)
    with scoped_instance(app) as instance:
        result = ChangeHarness(instance, app, Clock(emulator.now())).tick()
    assert result.run_requests == []
    assert result.skip_message.startswith("Not reading changes: app demo is suspended")
    assert emulator.requests == [] or all("/delta" not in r.path for r in emulator.requests)
