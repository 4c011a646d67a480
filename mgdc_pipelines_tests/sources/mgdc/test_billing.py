"""MGDC billing: 1,000 objects a unit, each run rounded up on its own, free datasets, SharePoint Files."""

from __future__ import annotations

import pytest

from mgdc_pipelines.catalog import get_dataset
from mgdc_pipelines.sources.mgdc.billing import (
    BackfillEstimate,
    BillingRates,
    RunCost,
    billable_units,
    estimate_backfill,
    run_cost,
)

MESSAGE = get_dataset("Message_v1")
RATES = BillingRates()


def test_each_run_is_rounded_up_on_its_own():
    assert sum(billable_units(MESSAGE, 500) for _ in range(20)) == 20
    assert billable_units(MESSAGE, 10_000) == 10
    assert [billable_units(MESSAGE, n) for n in (0, 1, 1_000, 1_001)] == [0, 1, 1, 2]


def test_a_run_costs_its_units_at_the_rate():
    assert run_cost(MESSAGE, 1_001, RATES) == RunCost(objects=1_001, units=2, usd=1.5)
    assert run_cost(MESSAGE, 1_001, BillingRates(usd_per_unit=1.0)).usd == 2.0


@pytest.mark.parametrize("dataset", [
    "User_v0", "User_v1", "MailboxSettings_v0", "Manager_v0", "DirectReport_v0",
    "GroupDetails_v0", "GroupMembers_v0", "GroupOwners_v0",
])
def test_free_datasets_cost_nothing(dataset):
    assert run_cost(get_dataset(dataset), 123_456, RATES) == RunCost(123_456, 0, 0.0)


@pytest.mark.parametrize("dataset", ["Contact_v1", "MailFolder_v0", "LicenseDetails_v0", "TeamChat_v1"])
def test_datasets_not_on_the_free_list_are_billed(dataset):
    assert billable_units(get_dataset(dataset), 1) == 1


def test_sharepoint_files_are_billed_per_fifty_thousand_objects():
    files = get_dataset("SharePointFiles_v1")
    assert [billable_units(files, n) for n in (1, 50_000, 50_001)] == [1, 1, 2]
    assert billable_units(get_dataset("SharePointSites_v1"), 50_000) == 50


def test_a_year_backfill_in_monthly_runs_costs_less_than_in_daily_runs():
    daily = [800] * 365
    per_day = estimate_backfill(MESSAGE, daily, 1, RATES)
    per_month = estimate_backfill(MESSAGE, daily, 31, RATES)
    assert per_day == BackfillEstimate(runs=365, objects=292_000, units=365, usd=273.75, overhead_hours=273.75)
    # 11 runs of 24,800 objects (25 units) and one of 24 days, 19,200 objects (20 units).
    assert per_month == BackfillEstimate(runs=12, objects=292_000, units=295, usd=221.25, overhead_hours=9.0)


def test_the_run_overhead_is_per_run():
    estimate = estimate_backfill(MESSAGE, [0] * 10, 5, RATES, run_overhead_minutes=30)
    assert (estimate.runs, estimate.units, estimate.overhead_hours) == (2, 0, 1.0)


def test_nonsense_inputs_are_refused():
    with pytest.raises(ValueError, match="days_per_run"):
        estimate_backfill(MESSAGE, [1], 0, RATES)
    with pytest.raises(ValueError, match="Message_v1"):
        billable_units(MESSAGE, -1)
