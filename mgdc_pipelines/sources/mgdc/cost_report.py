"""What a backfill through MGDC costs: the spec's backfill policy against one run per day.

MGDC bills each pipeline run separately, rounded up to whole units (1,000 objects), and each
run carries a fixed overhead of about 45 minutes. A backfill split into one run per day pays
both once per day per dataset and scope; the spec's policy (``dagster.max_partitions_per_run``
consecutive days per run) pays them once per run. Daily object counts come from the synthetic
tenant (the spec's, or one of ``users`` people), sampled over a few days and repeated; or from
a number the caller gives (``objects_per_day``).

>>> from mgdc_pipelines.spec import load_spec, DEMO_SPEC_PATH
>>> app = load_spec(DEMO_SPEC_PATH)
>>> report = backfill_cost_report(app, days=365, objects_per_day=500, datasets=("Message_v1",))
>>> [(line.scope, line.policy.runs, line.policy.units, line.per_day.runs, line.per_day.units) for line in report.lines]
[('all', 12, 188, 365, 365), ('sales', 12, 188, 365, 365), ('engineering', 12, 188, 365, 365)]
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from mgdc_pipelines.catalog import Mode, ScopeKind
from mgdc_pipelines.sources.base import ExtractRequest, Scope, TimeWindow
from mgdc_pipelines.sources.mgdc.billing import BackfillEstimate, BillingRates, estimate_backfill
from mgdc_pipelines.spec.model import AppSpec, DatasetSpec, MgdcSourceSpec, SyntheticSourceSpec


@dataclass(frozen=True)
class CostLine:
    """One dataset and scope: its year of objects under the spec's policy and one run per day."""

    dataset: str
    scope: str
    days_per_run: int
    policy: BackfillEstimate
    per_day: BackfillEstimate


@dataclass(frozen=True)
class CostReport:
    days: int
    rates: BillingRates
    lines: tuple[CostLine, ...]
    objects_from: str  # how the daily object counts were obtained

    def total(self, which: str) -> tuple[int, int, float, float]:
        """(runs, units, usd, overhead hours) summed over the lines, for ``policy`` or ``per_day``."""
        estimates = [getattr(line, which) for line in self.lines]
        return (
            sum(e.runs for e in estimates),
            sum(e.units for e in estimates),
            round(sum(e.usd for e in estimates), 2),
            round(sum(e.overhead_hours for e in estimates), 1),
        )


def backfill_cost_report(
    app: AppSpec,
    *,
    days: int = 365,
    objects_per_day: int | None = None,
    sample_days: int = 7,
    users: int = 1000,
    datasets: Sequence[str] = (),
) -> CostReport:
    """The cost of backfilling ``days`` days of every dataset (or those named) and scope of ``app``."""
    rates = BillingRates(usd_per_unit=app.source.usd_per_unit) if isinstance(app.source, MgdcSourceSpec) else BillingRates()
    sampler = None if objects_per_day is not None else _SyntheticSampler(app, users, sample_days)
    lines = []
    for item in _selected(app, datasets):
        for scope in _scopes(app, item):
            daily = [objects_per_day] * days if sampler is None else sampler.daily_objects(item, scope, days)
            days_per_run = _days_per_run(app, item, days)
            lines.append(CostLine(
                item.dataset.short_name, scope.key, days_per_run,
                policy=estimate_backfill(item.dataset, daily, days_per_run, rates),
                per_day=estimate_backfill(item.dataset, daily, 1, rates),
            ))
    source = f"{objects_per_day:,} objects per day" if sampler is None else sampler.describe()
    return CostReport(days, rates, tuple(lines), source)


def _selected(app: AppSpec, names: Sequence[str]) -> list[DatasetSpec]:
    return [app.dataset(name) for name in names] if names else list(app.datasets)


def _scopes(app: AppSpec, item: DatasetSpec) -> list[Scope]:
    if item.dataset.scope is ScopeKind.NONE:
        return [Scope.everyone()]
    return [Scope(scope.key, scope.group_ids) for scope in app.scopes]


def _days_per_run(app: AppSpec, item: DatasetSpec, days: int) -> int:
    """Consecutive days one pipeline run covers: snapshots and SharePoint need a run per day."""
    if item.dataset.mode is not Mode.RANGE:
        return 1
    if app.dagster.backfill_policy == "single_run":
        return days
    return app.dagster.max_partitions_per_run


class _SyntheticSampler:
    """Objects per day of a synthetic tenant: ``sample_days`` days counted, then repeated."""

    def __init__(self, app: AppSpec, users: int, sample_days: int) -> None:
        from mgdc_pipelines.sources.synthetic import SyntheticSource, TenantConfig

        options = app.source.options if isinstance(app.source, SyntheticSourceSpec) else {"users": users}
        self._config = TenantConfig(**options)
        self._source = SyntheticSource(self._config)
        self._app = app
        last = dt.date.today() - dt.timedelta(days=3)  # closed days, SharePoint's 48 h included
        self._days = [last - dt.timedelta(days=n) for n in reversed(range(sample_days))]

    def describe(self) -> str:
        first, last = self._days[0], self._days[-1]
        return (f"a synthetic tenant of {self._config.users:,} people, {first.isoformat()} .. "
                f"{last.isoformat()} repeated")

    def daily_objects(self, item: DatasetSpec, scope: Scope, days: int) -> list[int]:
        sample = [self._count(item, scope, day) for day in self._days]
        return list(itertools.islice(itertools.cycle(sample), days))

    def _count(self, item: DatasetSpec, scope: Scope, day: dt.date) -> int:
        request = ExtractRequest(
            dataset=item.dataset, columns=item.selected_columns[:1], date_filter_column=item.date_filter_column,
            window=TimeWindow.for_day(day), scope=scope, tenant_id=self._app.app.tenant_id,
        )
        return sum(batch.num_rows for batch in self._source.extract(request))
