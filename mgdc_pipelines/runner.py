"""Run an app's copy jobs in this process: for tests, notebooks and benchmarks.

Each scope gets one run that covers the whole day range, exactly like a backfill run would, on
the ``DagsterInstance`` given. The scope partitions are dynamic: the authorized ones are added to
the instance first (``sync_scope_partitions``). Runs executed in process have no code-location
origin, so the UI does not list them under their jobs; ``mgdc-pipelines demo``
(:mod:`mgdc_pipelines.launch.demo`) launches its runs against the code location instead. The
plan, the summaries and the tags are shared with it.
"""

from __future__ import annotations

import datetime as dt
import urllib.parse
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

import dagster as dg

from mgdc_pipelines.catalog import ScopeKind
from mgdc_pipelines.consent.errors import ConsentError
from mgdc_pipelines.defs.availability import days as day_range, materialized_among
from mgdc_pipelines.defs.names import copy_job_name, sharepoint_job_name
from mgdc_pipelines.defs.constants import METADATA_BYTES
from mgdc_pipelines.defs.partitions import partition_tags, scoped_key
from mgdc_pipelines.defs.scopes import sync_scope_partitions
from mgdc_pipelines.spec.model import AppSpec


@dataclass
class DatasetSummary:
    """Totals over the partitions a set of runs materialized for a dataset."""

    asset_key: dg.AssetKey
    partitions: int = 0
    rows: int = 0
    bytes: int = 0
    uris: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class RunOutcome:
    job_name: str
    run_id: str
    success: bool
    partition_range: tuple[str, str]
    materializations: int


def closed_days(days: int, today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The last ``days`` complete UTC days: (first, last), last being yesterday."""
    today = today or dt.datetime.now(dt.timezone.utc).date()
    last = today - dt.timedelta(days=1)
    return last - dt.timedelta(days=days - 1), last


# Step-by-step engine logs belong in the UI; the console shows one line per run.
QUIET_RUN_CONFIG = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


def authorized_scopes(instance: dg.DagsterInstance, app: AppSpec) -> tuple[str, ...]:
    """The scopes the grant covers, synced into the instance; a ``ConsentError`` if none may be copied."""
    authorization = sync_scope_partitions(instance, app).authorization
    if not authorization.in_force:
        raise ConsentError(f"Nothing to copy: {authorization.reason}")
    return authorization.scopes


def run_planned(
    defs: dg.Definitions,
    instance: dg.DagsterInstance,
    runs: Iterable[tuple[str, str, str]],
    on_run: Callable[[RunOutcome], None] | None = None,
) -> tuple[list[RunOutcome], dict[dg.AssetKey, DatasetSummary]]:
    """Run each (job, first partition key, last partition key) as one range run, like a backfill run."""
    outcomes: list[RunOutcome] = []
    summaries: dict[dg.AssetKey, DatasetSummary] = {}
    for job_name, start, end in runs:
        job = defs.resolve_job_def(job_name)
        result = job.execute_in_process(
            instance=instance,
            run_config=QUIET_RUN_CONFIG,
            tags=partition_tags(start, end),
            raise_on_error=False,
        )
        events = result.get_asset_materialization_events()
        outcome = RunOutcome(job_name, result.run_id, result.success, (start, end), len(events))
        outcomes.append(outcome)
        for event in events:
            add_to_summary(summaries, event.materialization)
        if on_run:
            on_run(outcome)
    return outcomes, summaries


def planned_runs(
    app: AppSpec, scopes: tuple[str, ...], first: dt.date, last: dt.date
) -> Iterator[tuple[str, str, str]]:
    """(job, first partition key, last partition key): one run per scope, one for SharePoint."""
    has_scoped = any(item.dataset.scope is not ScopeKind.NONE for item in app.datasets)
    has_tenant_wide = any(item.dataset.scope is ScopeKind.NONE for item in app.datasets)
    if has_scoped:
        for scope in scopes:
            yield copy_job_name(app), f"{first.isoformat()}|{scope}", f"{last.isoformat()}|{scope}"
    if has_tenant_wide:
        yield sharepoint_job_name(app), first.isoformat(), last.isoformat()


def add_to_summary(summaries: dict[dg.AssetKey, DatasetSummary], event: dg.AssetMaterialization) -> None:
    summary = summaries.setdefault(event.asset_key, DatasetSummary(event.asset_key))
    metadata = event.metadata
    summary.partitions += 1
    summary.rows += _metadata_int(metadata, "dagster/row_count")
    summary.bytes += _metadata_int(metadata, METADATA_BYTES)
    uri = metadata.get("dagster/uri")
    if uri is not None:
        summary.uris.append(str(uri.value))


def _metadata_int(metadata: dict, key: str) -> int:
    value = metadata.get(key)
    return int(value.value) if value is not None else 0


def summary_table(summaries: dict[dg.AssetKey, DatasetSummary]) -> str:
    """A plain-text table: dataset, partitions, rows, bytes, path."""
    header = ("dataset", "partitions", "rows", "bytes", "path")
    lines = []
    totals = defaultdict(int)
    for key in sorted(summaries, key=lambda k: k.to_user_string()):
        summary = summaries[key]
        path = _dataset_folder(summary.uris)
        lines.append((key.path[-1], str(summary.partitions), f"{summary.rows:,}", _human_bytes(summary.bytes), path))
        totals["partitions"] += summary.partitions
        totals["rows"] += summary.rows
        totals["bytes"] += summary.bytes
    lines.append(("total", str(totals["partitions"]), f"{totals['rows']:,}", _human_bytes(totals["bytes"]), ""))
    widths = [max(len(row[i]) for row in (header, *lines)) for i in range(len(header))]

    def render(row: tuple[str, ...]) -> str:  # text columns left-aligned, numbers right-aligned
        cells = (c.ljust(widths[i]) if i in (0, 4) else c.rjust(widths[i]) for i, c in enumerate(row))
        return "  ".join(cells).rstrip()

    rule = "  ".join("-" * width for width in widths)
    return "\n".join([render(header), rule, *(render(row) for row in lines[:-1]), rule, render(lines[-1])])


def _dataset_folder(uris: list[str]) -> str:
    """``<root>/<dataset>/``, the folder all of a dataset's partitions share."""
    if not uris:
        return ""
    return urllib.parse.unquote(uris[0].removeprefix("file://")).split("/date=")[0] + "/"


def _human_bytes(size: int) -> str:
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"


# -- downstream assets: the `downstream:` entries and the examples built on them ----------------


@dataclass(frozen=True)
class DownstreamOutcome:
    """One run of the weekly downstream assets for one week, and what each produced."""

    week: str
    run_id: str
    success: bool
    built: dict[str, str]  # asset key → a one-line summary of its materialization
    checks: dict[str, bool]  # check name → passed


def run_downstream_week(
    app: AppSpec,
    defs: dg.Definitions,
    instance: dg.DagsterInstance,
    on_run: Callable[[RunOutcome], None] | None = None,
) -> tuple[list[RunOutcome], DownstreamOutcome | None]:
    """Materialize the weekly downstream assets of ``defs`` for the last complete week.

    The MGDC days of that week that are not materialized yet are copied first, by the same range
    runs as :func:`planned_runs` plans. Returns the copy runs and the downstream run (``None`` when
    ``defs`` has no weekly downstream asset).
    """
    from mgdc_pipelines.defs.downstream import weekly_partitions

    weekly = weekly_partitions(app)
    keys = [key for key, asset in _downstream_assets(defs) if asset.partitions_def == weekly]
    if not keys:
        return [], None
    week = weekly.get_last_partition_key()
    if week is None:
        raise ValueError(f"no complete week since partitions.start_date {app.partitions.start_date} of app {app.name}")
    window = weekly.time_window_for_partition_key(week)
    first, last = window.start.date(), window.end.date() - dt.timedelta(days=1)
    scopes = authorized_scopes(instance, app)
    planned = (still_missing(defs, instance, run) for run in planned_runs(app, scopes, first, last))
    missing = [run for run in planned if run]
    copies, _ = run_planned(defs, instance, missing, on_run)
    job = dg.define_asset_job(f"{app.name}_downstream_week", selection=dg.AssetSelection.assets(*keys))
    resolved = dg.Definitions.merge(defs, dg.Definitions(jobs=[job])).resolve_job_def(job.name)
    result = resolved.execute_in_process(instance=instance, partition_key=week, run_config=QUIET_RUN_CONFIG, raise_on_error=False)
    built = {
        event.asset_key.to_user_string(): headline(event.materialization.metadata)
        for event in result.get_asset_materialization_events()
    }
    checks = {
        evaluation.check_name: evaluation.passed
        for evaluation in (event.event_specific_data for event in result.all_events if event.event_type_value == "ASSET_CHECK_EVALUATION")
    }
    return copies, DownstreamOutcome(week, result.run_id, result.success, built, checks)


def downstream_summary(outcome: DownstreamOutcome) -> str:
    """Lines for the console: each asset built and each check's result."""
    lines = [f"Downstream assets for the week of {outcome.week} (run {outcome.run_id[:8]}):"]
    lines += [f"  {key:<36} {summary}" for key, summary in outcome.built.items()]
    lines += [f"  check {name:<30} {'passed' if passed else 'FAILED'}" for name, passed in outcome.checks.items()]
    if not outcome.success:
        lines.append("  the run FAILED; see it in the Dagster UI")
    return "\n".join(lines)


def _downstream_assets(defs: dg.Definitions) -> Iterator[tuple[dg.AssetKey, dg.AssetsDefinition]]:
    """Assets that are not MGDC copies (those carry ``mgdc/dataset`` metadata)."""
    from mgdc_pipelines.defs.constants import METADATA_DATASET

    for asset in defs.assets or ():
        if isinstance(asset, dg.AssetsDefinition):
            for key in asset.keys:
                if METADATA_DATASET not in asset.specs_by_key[key].metadata:
                    yield key, asset


def still_missing(
    defs: dg.Definitions, instance: dg.DagsterInstance, run: tuple[str, str, str]
) -> tuple[str, str, str] | None:
    """The part of a planned range run not materialized yet: from its first missing day to its
    last (days in between are copied again, harmlessly); ``None`` when nothing is missing."""
    job_name, start, end = run
    first, _, scope = start.partition("|")
    last = dt.date.fromisoformat(end.partition("|")[0])
    keys = [scoped_key(day, scope or None) for day in day_range(dt.date.fromisoformat(first), last)]
    assets = defs.resolve_job_def(job_name).asset_layer.selected_asset_keys
    done = [materialized_among(instance, asset, keys) for asset in assets]  # these keys only, not the history
    missing = [key for key in keys if any(key not in materialized for materialized in done)]
    return (job_name, missing[0], missing[-1]) if missing else None


def headline(metadata: dict) -> str:
    """``1,234 rows`` and the model's metrics, if any."""
    parts = []
    rows = metadata.get("dagster/row_count")
    if rows is not None:
        parts.append(f"{int(rows.value):,} rows")
    for name, value in metadata.items():
        if name.startswith("model/") and isinstance(value.value, (int, float)):
            number = value.value
            parts.append(f"{name.removeprefix('model/')} {number:.3f}" if isinstance(number, float) else f"{name.removeprefix('model/')} {number}")
    return ", ".join(parts)
