"""Which ADF pipeline runs a Dagster run's partitions become, and the parameters each run gets."""

from __future__ import annotations

import datetime as dt

import pytest

from mgdc_pipelines.catalog import get_dataset
from mgdc_pipelines.sources import TimeWindow
from mgdc_pipelines.sources.mgdc.planning import PlannedRun, plan_runs, run_parameters

NOV = [dt.date(2026, 11, day) for day in range(1, 31)]
MESSAGE = get_dataset("Message_v1")


def partitions(days, *scopes):
    return [(day, scope) for scope in scopes for day in days]


def test_range_datasets_run_once_per_scope_per_stretch_of_consecutive_days():
    days = [*NOV[0:3], NOV[4], *NOV[9:12]]  # 1-3, 5, 10-12
    shuffled = list(reversed(partitions(days, "sales", "all"))) + partitions(NOV[0:1], "sales")

    runs = plan_runs(MESSAGE, shuffled)

    stretches = [(NOV[0], NOV[2]), (NOV[4], NOV[4]), (NOV[9], NOV[11])]
    assert runs == [PlannedRun(scope, first, last) for scope in ("all", "sales") for first, last in stretches]
    assert runs[0].window == TimeWindow(
        dt.datetime(2026, 11, 1, tzinfo=dt.timezone.utc), dt.datetime(2026, 11, 4, tzinfo=dt.timezone.utc)
    )
    assert runs[0].days == tuple(NOV[0:3])


def test_a_policy_cuts_long_stretches_per_scope():
    runs = plan_runs(MESSAGE, partitions(NOV, "all", "sales") + [(dt.date(2026, 12, 5), "all")], 7)
    assert [(run.scope_key, len(run.days)) for run in runs] == [
        *[("all", 7)] * 4, ("all", 2), ("all", 1), *[("sales", 7)] * 4, ("sales", 2),
    ]
    assert runs[4] == PlannedRun("all", NOV[28], NOV[29])
    with pytest.raises(ValueError, match="max_days_per_run"):
        plan_runs(MESSAGE, partitions(NOV, "all"), 0)


def test_a_stretch_runs_across_month_ends():
    days = [dt.date(2026, 12, 30), dt.date(2026, 12, 31), dt.date(2027, 1, 1)]
    assert plan_runs(MESSAGE, partitions(days, "all")) == [PlannedRun("all", days[0], days[-1])]


def test_calendar_view_stretches_like_a_range_dataset():
    runs = plan_runs(get_dataset("CalendarView_v0"), partitions(NOV[0:7], "all"))
    assert runs == [PlannedRun("all", NOV[0], NOV[6])]


@pytest.mark.parametrize("dataset", ["User_v1", "Manager_v0", "SharePointSites_v1", "SharePointFiles_v1"])
def test_snapshot_and_sharepoint_datasets_run_once_per_day(dataset):
    runs = plan_runs(get_dataset(dataset), partitions(NOV[0:3], "all"))
    assert runs == [PlannedRun("all", day, day) for day in NOV[0:3]]


def test_range_parameters_are_the_window_in_utc_and_the_scope_groups():
    groups = [f"group-{n}" for n in range(10)]
    parameters = run_parameters(PlannedRun("sales", NOV[0], NOV[30 - 1]), MESSAGE, groups, "stage/r/m")
    assert parameters == {
        "windowStart": "2026-11-01T00:00:00Z",
        "windowEnd": "2026-12-01T00:00:00Z",
        "allowedGroups": groups,
        "userScopeFilterUri": "",
        "outputFolder": "stage/r/m",
    }
    assert run_parameters(PlannedRun("all", NOV[0], NOV[0]), MESSAGE, None, "f")["allowedGroups"] == []


def test_sharepoint_parameters_are_dates_a_full_snapshot_or_a_delta():
    sites, day = get_dataset("SharePointSites_v1"), PlannedRun("all", NOV[19], NOV[19])
    full = run_parameters(day, sites, None, "f")
    delta = run_parameters(day, sites, None, "f", previous_snapshot=NOV[12])
    assert (full["windowStart"], full["windowEnd"]) == ("2026-11-20", "2026-11-20")
    assert (delta["windowStart"], delta["windowEnd"]) == ("2026-11-13", "2026-11-20")
    assert full["allowedGroups"] == []
    with pytest.raises(ValueError, match="previous snapshot 2026-11-20 must be before 2026-11-20"):
        run_parameters(day, sites, None, "f", previous_snapshot=NOV[19])
    with pytest.raises(ValueError, match="covers one day"):
        run_parameters(PlannedRun("all", NOV[0], NOV[1]), sites, None, "f")


def test_more_than_ten_groups_is_refused_naming_the_scope():
    with pytest.raises(ValueError, match="scope 'big-team' has 11 groups; .* at most 10"):
        run_parameters(PlannedRun("big-team", NOV[0], NOV[0]), MESSAGE, [f"g{n}" for n in range(11)], "f")


def test_a_scope_without_groups_never_widens_to_the_whole_organization():
    with pytest.raises(ValueError, match="scope 'sales' has no groups"):
        run_parameters(PlannedRun("sales", NOV[0], NOV[0]), MESSAGE, [], "f")


def test_only_sharepoint_runs_take_a_previous_snapshot():
    with pytest.raises(ValueError, match="not a SharePoint dataset"):
        run_parameters(PlannedRun("all", NOV[0], NOV[0]), MESSAGE, None, "f", previous_snapshot=NOV[0])
