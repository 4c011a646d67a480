"""When a partition becomes copyable, and the run requests that copy the missing ones.

A day's data is copyable once the UTC day has closed *and* the dataset's availability lag has
passed (SharePoint: 48 h). Datasets of one copy job with the same lag form a :class:`Lane`:
their (day, scope) partitions become due together and are requested together, one run per
partition key, with a run key that makes a repeated request a no-op.

>>> import datetime as dt
>>> now = dt.datetime(2026, 11, 27, 1, 0, tzinfo=dt.timezone.utc)
>>> last_available_day(now, dt.timedelta(0)), last_available_day(now, dt.timedelta(hours=48))
(datetime.date(2026, 11, 26), datetime.date(2026, 11, 24))
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import dagster as dg

from mgdc_pipelines.catalog import ScopeKind
from mgdc_pipelines.defs.names import copy_job_name, sharepoint_job_name
from mgdc_pipelines.defs.partitions import scoped_key
from mgdc_pipelines.spec.model import AppSpec

# Keys per materialization query: bounded SQL `IN (...)` lists.
_QUERY_CHUNK = 500


@dataclass(frozen=True)
class LaneDataset:
    dataset: str  # full MGDC name, as consent reports refusals
    asset_key: dg.AssetKey
    check_keys: tuple[dg.AssetCheckKey, ...]


@dataclass(frozen=True)
class Lane:
    """Datasets of one copy job that share an availability lag."""

    job_name: str
    lag: dt.timedelta
    scoped: bool  # partitioned by date × scope (else by date alone)
    datasets: tuple[LaneDataset, ...]

    @property
    def id(self) -> str:
        return f"{self.job_name}+{int(self.lag.total_seconds() // 3600)}h"

    def run_key(self, partition_key: str) -> str:
        return f"{self.id}:{partition_key}"


def build_lanes(app: AppSpec, assets: Sequence[dg.AssetsDefinition]) -> list[Lane]:
    """The app's lanes, from its datasets and the assets built for them (same order)."""
    grouped: dict[tuple[str, dt.timedelta], list[LaneDataset]] = {}
    for item, asset in zip(app.datasets, assets, strict=True):
        scoped = item.dataset.scope is not ScopeKind.NONE
        job = copy_job_name(app) if scoped else sharepoint_job_name(app)
        entry = LaneDataset(item.dataset.name, asset.key, tuple(sorted(asset.check_keys)))
        grouped.setdefault((job, item.availability_lag), []).append(entry)
    return [
        Lane(job, lag, job == copy_job_name(app), tuple(datasets))
        for (job, lag), datasets in sorted(grouped.items(), key=lambda kv: (kv[0][0], kv[0][1]))
    ]


def last_available_day(now: dt.datetime, lag: dt.timedelta) -> dt.date:
    """The latest UTC day that closed at least ``lag`` before ``now``."""
    return (now - lag).astimezone(dt.timezone.utc).date() - dt.timedelta(days=1)


def days(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]


@dataclass(frozen=True)
class DuePartition:
    day: dt.date
    scope: str | None  # None for tenant-wide datasets

    @property
    def key(self) -> str:
        return scoped_key(self.day, self.scope)


def missing_run_requests(
    instance: dg.DagsterInstance,
    lane: Lane,
    due: Iterable[DuePartition],
    *,
    refused_datasets: frozenset[str] = frozenset(),
    tags: dict[str, str] | None = None,
) -> list[dg.RunRequest]:
    """One run request per due partition some of the lane's datasets lack.

    Only the due keys are looked up (indexed by asset and partition), never an asset's whole
    history: the cost follows the number of new partitions, not the number of old ones.
    """
    datasets = [d for d in lane.datasets if d.dataset not in refused_datasets]
    due = list(due)
    keys = [partition.key for partition in due]
    done = {d.asset_key: materialized_among(instance, d.asset_key, keys) for d in datasets}
    requests = []
    for key in keys:
        lacking = [d for d in datasets if key not in done[d.asset_key]]
        if lacking:
            requests.append(run_request(lane, key, lacking, tags or {}))
    return requests


def run_request(
    lane: Lane, key: str, datasets: Sequence[LaneDataset], tags: dict[str, str], *, run_key: str | None = None
) -> dg.RunRequest:
    """A run of ``lane``'s job for partition ``key`` of ``datasets`` and their checks (run key: the lane's)."""
    return dg.RunRequest(
        run_key=run_key or lane.run_key(key),
        job_name=lane.job_name,
        partition_key=key,
        asset_selection=[d.asset_key for d in datasets],
        asset_check_keys=[check for d in datasets for check in d.check_keys],
        tags=tags,
    )


def materialized_among(instance: dg.DagsterInstance, asset_key: dg.AssetKey, keys: Sequence[str]) -> set[str]:
    """Which of ``keys`` have a materialization of ``asset_key`` (since the asset's last wipe).

    One grouped query per chunk of keys, answered from the (asset, event type, partition) index
    alone. Fetching the materialization records instead made SQLite walk the asset's events newest
    first (for their ``ORDER BY id``) until it had found every key, i.e. through the whole history
    whenever a key was missing: its cost grew with the years of history.
    """
    found: set[str] = set()
    for start in range(0, len(keys), _QUERY_CHUNK):
        chunk = set(keys[start : start + _QUERY_CHUNK])  # never empty: an empty set means "all"
        found.update(instance.get_latest_storage_id_by_partition(
            asset_key, dg.DagsterEventType.ASSET_MATERIALIZATION, chunk
        ))
    return found
