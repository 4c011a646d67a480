"""What `mgdc-pipelines demo` launches, and how it reports progress."""

from __future__ import annotations

import datetime as dt

import pytest

import dagster as dg

from mgdc_pipelines.launch.demo import ProgressPrinter, last_complete_week, plan_demo
from mgdc_pipelines.launch.submit import RunState
from mgdc_pipelines.spec import load_spec
from mgdc_pipelines_tests.conftest import demo_spec_dict, write_spec

WEDNESDAY = dt.date(2026, 12, 2)
SCOPES = ("all", "sales")


def demo_app(tmp_path, *, downstream: bool):
    return load_spec(write_spec(tmp_path, demo_spec_dict(downstream=downstream)))


def test_with_weekly_downstream_assets_the_demo_copies_the_last_complete_week_and_builds_it(tmp_path):
    plan = plan_demo(demo_app(tmp_path, downstream=True), SCOPES, None, today=WEDNESDAY)
    assert (plan.first, plan.last, plan.week) == (dt.date(2026, 11, 22), dt.date(2026, 11, 28), "2026-11-22")
    assert plan.copies == [
        ("demo_copy", "2026-11-22|all", "2026-11-28|all"),
        ("demo_copy", "2026-11-22|sales", "2026-11-28|sales"),
        ("demo_sharepoint_copy", "2026-11-22", "2026-11-28"),
    ]


def test_days_given_are_stretched_back_to_the_start_of_the_week_to_build(tmp_path):
    plan = plan_demo(demo_app(tmp_path, downstream=True), SCOPES, 2, today=WEDNESDAY)
    assert (plan.first, plan.last) == (dt.date(2026, 11, 22), dt.date(2026, 12, 1))


def test_without_downstream_assets_the_demo_copies_the_last_closed_days(tmp_path):
    app = demo_app(tmp_path, downstream=False)
    assert plan_demo(app, SCOPES, None, today=WEDNESDAY).first == dt.date(2026, 11, 25)
    plan = plan_demo(app, SCOPES, 2, today=WEDNESDAY)
    assert (plan.first, plan.last, plan.week) == (dt.date(2026, 11, 30), dt.date(2026, 12, 1), None)


def test_days_before_the_partitions_start_are_refused_with_the_way_out(tmp_path):
    with pytest.raises(ValueError, match="before partitions.start_date 2026-01-01 of app demo; lower --days"):
        plan_demo(demo_app(tmp_path, downstream=False), SCOPES, 400, today=WEDNESDAY)


def state(status: str, materializations: int = 0, seconds: float | None = None) -> RunState:
    return RunState("0123456789abcdef", "demo_copy", status, "2026-11-22|all .. 2026-11-28|all", materializations, seconds)


def test_progress_prints_each_status_once_and_a_running_count_at_most_every_few_seconds():
    lines: list[str] = []
    printer = ProgressPrinter(lines.append)
    for update in (state("QUEUED"), state("QUEUED"), state("STARTED", 0), state("STARTED", 5), state("SUCCESS", 84, 42.4)):
        printer(update)
    assert lines == [
        "  queued    demo_copy 2026-11-22|all .. 2026-11-28|all: 0 partitions materialized (run 01234567)",
        "  started   demo_copy 2026-11-22|all .. 2026-11-28|all: 0 partitions materialized (run 01234567)",
        "  ok        demo_copy 2026-11-22|all .. 2026-11-28|all: 84 partitions materialized in 42 s (run 01234567)",
    ]


def test_the_week_built_is_dagsters_last_weekly_partition_on_every_day_of_a_year():
    weekly = dg.WeeklyPartitionsDefinition(start_date="2025-01-01", timezone="UTC")
    for offset in range(366):
        today = dt.date(2026, 1, 1) + dt.timedelta(days=offset)
        now = dt.datetime.combine(today, dt.time(0, 0, 1), dt.timezone.utc)
        assert last_complete_week(today) == weekly.get_partition_keys(current_time=now)[-1], today
