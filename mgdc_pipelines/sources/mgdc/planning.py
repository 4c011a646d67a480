"""Which ADF pipeline runs a Dagster run's partitions become, and each run's parameters.

MGDC bills every pipeline run separately, rounded up to 1,000 objects (``billing.py``), and each
run costs ADF's start-up time, so a backfill should trigger as few runs as it can:

* range datasets (Message_v1, Event_v1, ..., and CalendarView_v0, which MGDC filters on the
  event's start and end): one run per scope per maximal stretch of consecutive days, window
  ``[first_day 00:00Z, last_day + 1 00:00Z)``; the delivery is split by day afterwards
  (``delivery.py``);
* snapshot datasets (User_v1, Manager_v0, ...): one run per day. They have no date filter:
  each run delivers the state of the moment, so a run cannot serve several days;
* SharePoint datasets: one run per day. A run's start and end are dates on ``SnapshotDate``,
  and start == end is the *full snapshot* of that day, while start < end is the *delta*
  between two snapshots (rows created, updated or deleted), not the days' snapshots: so a
  stretch of days cannot be one run, each day's partition needs its own.

>>> import datetime as dt
>>> from mgdc_pipelines.catalog import get_dataset
>>> days = [dt.date(2026, 11, d) for d in (1, 2, 3, 5)]
>>> runs = plan_runs(get_dataset("Message_v1"), [(day, "sales") for day in days])
>>> [(run.first_day.day, run.last_day.day) for run in runs]
[(1, 3), (5, 5)]
>>> parameters = run_parameters(runs[0], get_dataset("Message_v1"), ["g1"], "staging/r1/m")
>>> parameters["windowStart"], parameters["windowEnd"], parameters["allowedGroups"]
('2026-11-01T00:00:00Z', '2026-11-04T00:00:00Z', ['g1'])
>>> sites = get_dataset("SharePointSites_v1")
>>> full = run_parameters(PlannedRun("all", days[0], days[0]), sites, None, "staging/r1/s")
>>> full["windowStart"], full["windowEnd"]
('2026-11-01', '2026-11-01')
>>> delta = run_parameters(PlannedRun("all", days[1], days[1]), sites, None, "staging/r1/s",
...                        previous_snapshot=days[0])
>>> delta["windowStart"], delta["windowEnd"]
('2026-11-01', '2026-11-02')
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import groupby
from typing import Any

from mgdc_pipelines.catalog import Dataset, Mode, ScopeKind
from mgdc_pipelines.sources.base import TimeWindow

MAX_ALLOWED_GROUPS = 10  # MGDC refuses more (reference §4, Copy source `allowedGroups`)
ONE_DAY = dt.timedelta(days=1)


@dataclass(frozen=True, order=True)
class PlannedRun:
    """One ADF pipeline run: a scope and the days ``first_day..last_day`` (both included)."""

    scope_key: str
    first_day: dt.date
    last_day: dt.date

    def __post_init__(self) -> None:
        if self.last_day < self.first_day:
            raise ValueError(
                f"run of scope {self.scope_key}: {self.last_day} is before {self.first_day}"
            )

    @property
    def window(self) -> TimeWindow:
        """``[first_day 00:00Z, last_day + 1 00:00Z)``."""
        start = TimeWindow.for_day(self.first_day).start
        return TimeWindow(start, TimeWindow.for_day(self.last_day).end)

    @property
    def days(self) -> tuple[dt.date, ...]:
        count = (self.last_day - self.first_day).days + 1
        return tuple(self.first_day + index * ONE_DAY for index in range(count))


def plan_runs(
    dataset: Dataset,
    partitions: Iterable[tuple[dt.date, str]],
    max_days_per_run: int | None = None,
) -> list[PlannedRun]:
    """The pipeline runs for the ``(day, scope key)`` partitions, by scope then day.

    ``max_days_per_run`` cuts longer stretches (a spec's policy, e.g. 31: a failed run is
    retried whole, and its delivery is staged whole):

    >>> from mgdc_pipelines.catalog import get_dataset
    >>> days = [dt.date(2026, 1, 1) + dt.timedelta(days=n) for n in range(70)]
    >>> runs = plan_runs(get_dataset("Message_v1"), [(day, "all") for day in days], 31)
    >>> [len(run.days) for run in runs]
    [31, 31, 8]
    """
    if max_days_per_run is not None and max_days_per_run < 1:
        raise ValueError(f"max_days_per_run must be at least 1, got {max_days_per_run}")
    by_scope = sorted({(scope_key, day) for day, scope_key in partitions})
    runs: list[PlannedRun] = []
    for scope_key, pairs in groupby(by_scope, key=lambda pair: pair[0]):
        days = [day for _, day in pairs]
        if dataset.mode is Mode.RANGE:
            stretches = _stretches(days, max_days_per_run)
            runs += [PlannedRun(scope_key, first, last) for first, last in stretches]
        else:  # snapshot and SharePoint datasets: one run per day (see the module docstring)
            runs += [PlannedRun(scope_key, day, day) for day in days]
    return runs


def _stretches(
    days: Sequence[dt.date], max_days: int | None
) -> list[tuple[dt.date, dt.date]]:
    """Maximal stretches of consecutive days of sorted, distinct ``days``, of at most
    ``max_days`` days each."""
    stretches: list[tuple[dt.date, dt.date]] = []
    for day in days:
        if stretches and _extends(stretches[-1], day, max_days):
            stretches[-1] = (stretches[-1][0], day)
        else:
            stretches.append((day, day))
    return stretches


def _extends(stretch: tuple[dt.date, dt.date], day: dt.date, max_days: int | None) -> bool:
    first, last = stretch
    if last + ONE_DAY != day:
        return False
    return max_days is None or (day - first).days < max_days


def run_parameters(
    planned: PlannedRun,
    dataset: Dataset,
    group_ids: Sequence[str] | None,
    output_folder: str,
    previous_snapshot: dt.date | None = None,
) -> dict[str, Any]:
    """The ``createRun`` body of the contract's pipeline for ``planned``.

    ``group_ids`` are the scope's groups (``None``: the whole organization, sent as ``[]``);
    ``previous_snapshot`` (SharePoint only) makes the run a delta since that day.
    """
    start, end = _window_parameters(planned, dataset, previous_snapshot)
    return {
        "windowStart": start,
        "windowEnd": end,
        "allowedGroups": _allowed_groups(planned, dataset, group_ids),
        "userScopeFilterUri": "",  # scoping is by allowedGroups only
        "outputFolder": output_folder,
    }


def _window_parameters(
    planned: PlannedRun, dataset: Dataset, previous_snapshot: dt.date | None
) -> tuple[str, str]:
    if dataset.mode is not Mode.SHAREPOINT:
        if previous_snapshot is not None:
            raise ValueError(f"{dataset.name} is not a SharePoint dataset: it has no delta runs")
        window = planned.window
        return _iso_z(window.start), _iso_z(window.end)
    if planned.first_day != planned.last_day:
        days = f"{planned.first_day}..{planned.last_day}"
        raise ValueError(f"{dataset.name}: a SharePoint run covers one day, not {days}")
    day = planned.first_day
    if previous_snapshot is not None and previous_snapshot >= day:
        raise ValueError(
            f"{dataset.name} scope {planned.scope_key}: the previous snapshot {previous_snapshot} "
            f"must be before {day} for a delta run"
        )
    return (previous_snapshot or day).isoformat(), day.isoformat()


def _allowed_groups(
    planned: PlannedRun, dataset: Dataset, group_ids: Sequence[str] | None
) -> list[str]:
    if dataset.scope is ScopeKind.NONE or group_ids is None:
        return []  # tenant-wide datasets are not scoped; None is the whole organization
    if not group_ids:
        # [] would mean everyone to MGDC: a scope that lost its groups must not widen.
        raise ValueError(
            f"scope {planned.scope_key!r} has no groups; refusing to run it as the whole "
            "organization"
        )
    if len(group_ids) > MAX_ALLOWED_GROUPS:
        raise ValueError(
            f"scope {planned.scope_key!r} has {len(group_ids)} groups; MGDC's allowedGroups "
            f"takes at most {MAX_ALLOWED_GROUPS}: split the scope or use a group that nests them"
        )
    return list(group_ids)


def _iso_z(moment: dt.datetime) -> str:
    return moment.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
