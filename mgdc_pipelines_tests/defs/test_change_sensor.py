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
from mgdc_pipelines.sources.base import Scope
from mgdc_pipelines_tests.conftest import approve, scoped_instance
from mgdc_pipelines_tests.defs.sensor_helpers import (
    APPROVED_AT,
    ENGINEERING,
    SALES,
    Clock,
    approved_before_the_clock,
    mark_materialized,
)
from mgdc_pipelines_tests.sources.graph.conftest import DAY, make_graph, request_for, start_emulator
from mgdc_pipelines_tests.sources.graph.test_spec_and_dagster import SECRET_ENV, graph_source_block

USERS = dg.AssetKey(["mgdc", "User_v1"])
MESSAGES = dg.AssetKey(["mgdc", "Message_v1"])


@pytest.fixture
def small_spec_factory(small_spec_factory):
    return approved_before_the_clock(small_spec_factory)


@pytest.fixture
def emulator():
    """Its own emulator: the test changes the tenant's data."""
    with start_emulator() as emu:
        emu.set_clock(dt.datetime(DAY.year, DAY.month, DAY.day, 12, tzinfo=dt.timezone.utc))
        yield emu


def graph_app(small_spec_factory, emulator, monkeypatch, datasets: tuple[str, ...], **options):
    monkeypatch.setenv(SECRET_ENV, DEMO_CLIENT_SECRET)

    def on_graph(raw):
        raw["source"] = {**graph_source_block(emulator), "state_dir": str(emulator.ca_pem_path.parent / "delta")}
        raw["scopes"] = {"sales": [SALES], "engineering": [ENGINEERING]}
        raw["datasets"] = [d for d in raw["datasets"] if d["name"] in datasets]
        raw.pop("downstream", None)

    return small_spec_factory(on_graph, **options)


@pytest.fixture
def app(small_spec_factory, emulator, monkeypatch):
    return graph_app(small_spec_factory, emulator, monkeypatch, ("User_v1", "Contact_v1"))


@pytest.fixture
def mail_app(small_spec_factory, emulator, monkeypatch):
    return graph_app(small_spec_factory, emulator, monkeypatch, ("Message_v1",))


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
    ConsentStore.of(app).suspend("hashed column in clear", dataset="BasicDataSet_v0.User_v1",
                                 partitions=[(f"{DAY}|sales", f"BasicDataSet_v0.User_v1/date={DAY}/scope=sales")],
                                 fingerprint=registration_for(app).fingerprint)
    with scoped_instance(app) as instance:
        result = ChangeHarness(instance, app, Clock(emulator.now())).tick()
    assert result.run_requests == []
    assert result.skip_message.startswith("Not reading changes: app demo is suspended")
    assert emulator.requests == [] or all("/delta" not in r.path for r in emulator.requests)


def sales_only_mail(emulator, tmp_path, day: dt.date) -> list[dict]:
    """Message_v1 rows of ``day`` in mailboxes of sales members outside engineering, as copied."""
    engineers = {u.id for u in emulator.tenant.members_of(ENGINEERING)}
    graph = make_graph(emulator, tmp_path / "reader-state", page_size=1000)
    rows = [row for batch in graph.extract(request_for("Message_v1", Scope("sales", (SALES,)), day))
            for row in batch.to_pylist()]
    return [row for row in rows if row["puser"] not in engineers]


def test_an_updated_or_deleted_message_re_copies_exactly_its_copied_partition(mail_app, emulator, tmp_path):
    copied, earlier = (sales_only_mail(emulator, tmp_path, day) for day in (DAY, DAY - dt.timedelta(days=1)))
    with scoped_instance(mail_app) as instance:
        harness = ChangeHarness(instance, mail_app, Clock(emulator.now()))
        assert "2 delta baselines recorded" in harness.tick().skip_message  # Message_v1 × 2 scopes
        mark_materialized(instance, MESSAGES, f"{DAY}|sales")  # DAY was copied for sales; DAY - 1 was not

        emulator.update_message(copied[0]["puser"], copied[0]["id"], isRead=not copied[0]["isRead"])
        [update] = harness.tick().run_requests
        assert (update.partition_key, update.asset_selection) == (f"{DAY}|sales", [MESSAGES])
        assert harness.tick().run_requests == []  # requested once

        emulator.delete_message(copied[1]["puser"], copied[1]["id"])
        [deletion] = harness.tick().run_requests
        assert (deletion.partition_key, deletion.asset_selection) == (f"{DAY}|sales", [MESSAGES])
        assert deletion.run_key != update.run_key  # another change: another re-copy

        emulator.update_message(earlier[0]["puser"], earlier[0]["id"], categories=["Customer"])
        emulator.delete_message(earlier[1]["puser"], earlier[1]["id"])
        quiet = harness.tick()
        assert quiet.run_requests == []  # its partition was never copied: the availability sensor's
        assert "1 changed partitions not copied yet" in quiet.skip_message
        assert "without a date" not in quiet.skip_message  # the deletion was placed, by its recorded day


def test_the_mailboxes_of_deny_listed_people_are_never_read_for_changes(
    small_spec_factory, emulator, monkeypatch, admin_keys
):
    """As the copy, the sensor reads no deny-listed person's mailbox: no message delta of theirs
    is requested (every row they own would be scrubbed, so their changes re-copy nothing)."""
    app = graph_app(small_spec_factory, emulator, monkeypatch, ("Message_v1",), approved=False)
    approve(app, admin_keys, deny_group_ids=[ENGINEERING], now=APPROVED_AT)
    engineers = {u.id.lower() for u in emulator.tenant.members_of(ENGINEERING)}
    with scoped_instance(app) as instance:
        assert "2 delta baselines recorded" in ChangeHarness(instance, app, Clock(emulator.now())).tick().skip_message
    read = {r.mailbox.lower() for r in emulator.requests if r.mailbox}
    sales = {u.id.lower() for u in emulator.tenant.members_of(SALES)}
    assert read == sales - engineers and read
