"""Partitions of an MGDC asset: date × scope, or date alone for tenant-wide datasets.

A key like ``2026-11-20|sales`` is the day 2026-11-20 (UTC) for the scope alias ``sales``.
Dimensions of a ``MultiPartitionsDefinition`` are ordered by name, so `date` comes first.

The scope dimension is *dynamic*: its keys live in the Dagster instance, and only scopes the
admin's grant covers are ever added (see :mod:`mgdc_pipelines.defs.scopes`).

>>> from mgdc_pipelines.spec import load_spec, DEMO_SPEC_PATH
>>> scope_partitions(load_spec(DEMO_SPEC_PATH)).name
'demo_scopes'
"""

from __future__ import annotations

import datetime as dt

import dagster as dg

from mgdc_pipelines.catalog import Dataset, ScopeKind
from mgdc_pipelines.defs.constants import DATE_DIMENSION, SCOPE_DIMENSION
from mgdc_pipelines.sinks.base import PartitionRef
from mgdc_pipelines.spec.model import AppSpec


def daily_partitions(app: AppSpec) -> dg.DailyPartitionsDefinition:
    """One partition per closed UTC day from the spec's start date."""
    return dg.DailyPartitionsDefinition(start_date=app.partitions.start_date.isoformat(), timezone="UTC")


def scope_partitions(app: AppSpec) -> dg.DynamicPartitionsDefinition:
    """The app's authorized scope aliases, one name per app in the instance."""
    return dg.DynamicPartitionsDefinition(name=scope_partitions_name(app))


def scope_partitions_name(app: AppSpec) -> str:
    return f"{app.name}_scopes"


def partitions_for(app: AppSpec, dataset: Dataset) -> dg.PartitionsDefinition:
    if dataset.scope is ScopeKind.NONE:
        return daily_partitions(app)
    return dg.MultiPartitionsDefinition(
        {DATE_DIMENSION: daily_partitions(app), SCOPE_DIMENSION: scope_partitions(app)}
    )


def scoped_key(day: dt.date, scope: str | None) -> str:
    """The partition key of ``day`` for ``scope`` (None: a tenant-wide dataset's key)."""
    if scope is None:
        return day.isoformat()
    return dg.MultiPartitionKey({DATE_DIMENSION: day.isoformat(), SCOPE_DIMENSION: scope})


def partition_ref(dataset: Dataset, partition_key: str) -> PartitionRef:
    """``2026-11-20|sales`` (or ``2026-11-20`` for unscoped datasets) → a sink partition."""
    if dataset.scope is ScopeKind.NONE:
        return PartitionRef(dataset.name, dt.date.fromisoformat(partition_key))
    by_dimension = _split(partition_key)
    return PartitionRef(
        dataset.name,
        dt.date.fromisoformat(by_dimension[DATE_DIMENSION]),
        by_dimension[SCOPE_DIMENSION],
    )


def _split(partition_key: str) -> dict[str, str]:
    if isinstance(partition_key, dg.MultiPartitionKey):
        return dict(partition_key.keys_by_dimension)
    date_key, separator, scope_key = partition_key.partition("|")
    if not separator:
        raise ValueError(f"expected a `date|scope` partition key, got {partition_key!r}")
    return {DATE_DIMENSION: date_key, SCOPE_DIMENSION: scope_key}


# Dagster's run tags for one partition, or for a range of them (what a backfill run carries).
PARTITION_TAG = "dagster/partition"
RANGE_START_TAG = "dagster/asset_partition_range_start"
RANGE_END_TAG = "dagster/asset_partition_range_end"


def partition_tags(start: str, end: str | None = None) -> dict[str, str]:
    """The tags of a run of one partition, or of the range ``start .. end`` (a backfill run's).

    >>> partition_tags("2026-11-22|all", "2026-11-28|all")["dagster/asset_partition_range_end"]
    '2026-11-28|all'
    >>> partition_tags("2026-11-22")
    {'dagster/partition': '2026-11-22'}
    """
    return {PARTITION_TAG: start} if end is None or end == start else {RANGE_START_TAG: start, RANGE_END_TAG: end}
