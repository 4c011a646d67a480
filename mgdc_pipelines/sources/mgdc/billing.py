"""What MGDC bills for the objects its pipeline runs deliver (reference §4, "Billing units").

The unit is 1,000 objects (one object: one email, one file, one chat message) and **each
pipeline run is billed separately and rounded up**: 20 runs of 500 objects are 20 units, not
10. User_v0/_v1, MailboxSettings, Manager, DirectReport, GroupDetails, GroupMembers and
GroupOwners are free; SharePointFiles_v1 is billed per 50,000 objects.

>>> from mgdc_pipelines.catalog import get_dataset
>>> message, rates = get_dataset("Message_v1"), BillingRates()
>>> sum(billable_units(message, 500) for _ in range(20)), billable_units(message, 20 * 500)
(20, 10)
>>> run_cost(message, 2_500, rates)
RunCost(objects=2500, units=3, usd=2.25)
>>> run_cost(get_dataset("User_v1"), 2_500, rates).usd
0.0
>>> billable_units(get_dataset("SharePointFiles_v1"), 50_001)
2

A one-year backfill of 800 messages a day, one run per day against 31 days per run (each
run rounds up once, and starts up once):

>>> daily = [800] * 365
>>> estimate_backfill(message, daily, 1, rates)
BackfillEstimate(runs=365, objects=292000, units=365, usd=273.75, overhead_hours=273.75)
>>> estimate_backfill(message, daily, 31, rates)
BackfillEstimate(runs=12, objects=292000, units=295, usd=221.25, overhead_hours=9.0)
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from mgdc_pipelines.catalog import Dataset

OBJECTS_PER_UNIT = 1_000
# Short names without their `_vN` version: every version of these is free.
FREE_FAMILIES = frozenset(
    {"User", "MailboxSettings", "Manager", "DirectReport", "GroupDetails", "GroupMembers",
     "GroupOwners"}
)
# Datasets billed per a larger block of objects at the same unit price.
OBJECTS_PER_UNIT_BY_DATASET = {"SharePointFiles_v1": 50_000}
DEFAULT_RUN_OVERHEAD_MINUTES = 45  # ADF queueing + MGDC's start-up, per run


@dataclass(frozen=True)
class BillingRates:
    """The price of one billing unit (pay-as-you-go: $0.75 per 1,000 objects)."""

    usd_per_unit: float = 0.75


@dataclass(frozen=True)
class RunCost:
    """What one pipeline run that delivered ``objects`` costs."""

    objects: int
    units: int
    usd: float


@dataclass(frozen=True)
class BackfillEstimate:
    """A backfill's runs, objects, units, price and the time its runs spend starting up."""

    runs: int
    objects: int
    units: int
    usd: float
    overhead_hours: float


def is_free(dataset: Dataset) -> bool:
    return re.sub(r"_v\d+$", "", dataset.short_name) in FREE_FAMILIES


def billable_units(dataset: Dataset, objects: int) -> int:
    """The units one run delivering ``objects`` is billed (rounded up; 0 for free datasets)."""
    if objects < 0:
        raise ValueError(f"{dataset.short_name}: a run cannot deliver {objects} objects")
    if is_free(dataset):
        return 0
    per_unit = OBJECTS_PER_UNIT_BY_DATASET.get(dataset.short_name, OBJECTS_PER_UNIT)
    return math.ceil(objects / per_unit)


def run_cost(dataset: Dataset, objects: int, rates: BillingRates) -> RunCost:
    units = billable_units(dataset, objects)
    return RunCost(objects, units, round(units * rates.usd_per_unit, 2))


def estimate_backfill(
    dataset: Dataset,
    daily_objects: Sequence[int],
    days_per_run: int,
    rates: BillingRates,
    run_overhead_minutes: float = DEFAULT_RUN_OVERHEAD_MINUTES,
) -> BackfillEstimate:
    """The cost of backfilling consecutive days (``daily_objects``: objects per day) with
    runs of ``days_per_run`` days each (the last one may be shorter)."""
    if days_per_run < 1:
        raise ValueError(f"days_per_run must be at least 1, got {days_per_run}")
    run_objects = [
        sum(daily_objects[start:start + days_per_run])
        for start in range(0, len(daily_objects), days_per_run)
    ]
    units = sum(billable_units(dataset, objects) for objects in run_objects)
    return BackfillEstimate(
        runs=len(run_objects),
        objects=sum(run_objects),
        units=units,
        usd=round(units * rates.usd_per_unit, 2),
        overhead_hours=round(len(run_objects) * run_overhead_minutes / 60, 2),
    )
