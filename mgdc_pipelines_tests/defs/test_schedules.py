"""Daily schedules declared in the spec, evaluated on a real instance."""

from __future__ import annotations

import dagster as dg
import pytest

from mgdc_pipelines.consent.registration import registration_for
from mgdc_pipelines.consent.store import ConsentStore
from mgdc_pipelines.defs.build import build_defs
from mgdc_pipelines.defs.partitions import scope_partitions_name
from mgdc_pipelines.spec.errors import SpecError
from mgdc_pipelines_tests.defs.sensor_helpers import approved_before_the_clock, at, mark_materialized, small_app

MESSAGES, USERS = dg.AssetKey(["mgdc", "Message_v1"]), dg.AssetKey(["mgdc", "User_v1"])


def evaluate(app, name: str, instance: dg.DagsterInstance, when):
    defs = build_defs(app)
    schedule = defs.resolve_schedule_def(name)
    repository = defs.get_repository_def()
    context = dg.build_schedule_context(instance=instance, scheduled_execution_time=when, repository_def=repository)
    return schedule.evaluate_tick(context)


@pytest.fixture
def small_spec_factory(small_spec_factory):
    return approved_before_the_clock(small_spec_factory)


@pytest.fixture
def app(small_spec_factory):
    return small_spec_factory(small_app)


def test_one_schedule_per_copy_job_as_the_spec_declares_it(small_spec_factory):
    def scheduled(raw):
        small_app(raw)
        raw["dagster"]["schedule"] = {"cron": "30 4 * * *", "timezone": "Europe/Paris", "default_status": "running"}

    defs = build_defs(small_spec_factory(scheduled))
    schedules = {s.name: s for s in defs.schedules}
    assert sorted(schedules) == ["demo_daily", "demo_sharepoint_daily"]
    daily = schedules["demo_daily"]
    assert (daily.cron_schedule, daily.execution_timezone) == ("30 4 * * *", "Europe/Paris")
    assert daily.default_status is dg.DefaultScheduleStatus.RUNNING
    assert daily.job_name == "demo_copy" and schedules["demo_sharepoint_daily"].job_name == "demo_sharepoint_copy"


def test_schedules_are_stopped_by_default_so_only_the_sensor_runs(app):
    assert {s.default_status for s in build_defs(app).schedules} == {dg.DefaultScheduleStatus.STOPPED}


def test_a_tick_requests_the_latest_available_day_for_every_authorized_scope(app):
    with dg.instance_for_test() as instance:
        daily = evaluate(app, "demo_daily", instance, at("2026-11-10", 6))
        sharepoint = evaluate(app, "demo_sharepoint_daily", instance, at("2026-11-10", 6))
        assert sorted(instance.get_dynamic_partitions(scope_partitions_name(app))) == ["engineering", "sales"]
    assert sorted(r.partition_key for r in daily.run_requests) == ["2026-11-09|engineering", "2026-11-09|sales"]
    assert {r.job_name for r in daily.run_requests} == {"demo_copy"}
    assert [r.partition_key for r in sharepoint.run_requests] == ["2026-11-07"]  # 48 h after 11-07 closed


def test_a_tick_skips_partitions_already_copied(app):
    with dg.instance_for_test() as instance:
        evaluate(app, "demo_daily", instance, at("2026-11-10", 6))
        mark_materialized(instance, MESSAGES, "2026-11-09|sales", "2026-11-09|engineering")
        mark_materialized(instance, USERS, "2026-11-09|sales", "2026-11-09|engineering")
        again = evaluate(app, "demo_daily", instance, at("2026-11-10", 6))
    assert again.run_requests == []
    assert again.skip_message == "The latest available day is already copied for every authorized scope."


def test_a_suspended_app_gets_a_skip_reason_and_no_run(app):
    ConsentStore.of(app).suspend(
        "scope violation", dataset="BasicDataSet_v0.Message_v1",
        partitions=[("2026-11-09|sales", "BasicDataSet_v0.Message_v1/date=2026-11-09/scope=sales")],
        fingerprint=registration_for(app).fingerprint,
    )
    with dg.instance_for_test() as instance:
        result = evaluate(app, "demo_daily", instance, at("2026-11-10", 6))
    assert result.run_requests == []
    assert result.skip_message.startswith("Not copying: app demo is suspended") and "scope violation" in result.skip_message


def test_a_bad_cron_or_timezone_is_a_spec_error_naming_the_field(small_spec_factory):
    def broken(raw):
        small_app(raw)
        raw["dagster"]["schedule"] = {"cron": "0 25 * * *", "timezone": "Europe/Pariss"}

    with pytest.raises(SpecError) as error:
        small_spec_factory(broken)
    message = str(error.value)
    assert "dagster.schedule.cron: '0 25 * * *' is not a cron expression" in message
    assert "dagster.schedule.timezone: unknown timezone 'Europe/Pariss'; did you mean 'Europe/Paris'" in message
