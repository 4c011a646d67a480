"""Downstream assets declared in the spec (``downstream:``): a plain function and its inputs.

Each entry becomes an asset keyed ``[<app name>, <entry name>]`` in the app's group. Its MGDC
inputs arrive through :class:`~mgdc_pipelines.defs.loader.MgdcIOManager` as ``pyarrow.Table``
(every scope of the partition's days: Dagster infers the mapping from ``date × scope`` to a
weekly or daily partition); inputs naming another entry arrive as a ``pandas.DataFrame``.

An entry is part of the app's registration: the asset and its inputs carry the entry's grant,
and nothing of it is read or written unless the authorization in force holds exactly that
entry. Its result (a DataFrame or an Arrow table) is stored in the app's own sink by
:class:`~mgdc_pipelines.defs.downstream_io.DownstreamIOManager`, never in Dagster's default
pickle storage.

>>> from mgdc_pipelines.spec import load_spec, DEMO_SPEC_PATH
>>> app = load_spec(DEMO_SPEC_PATH)
>>> [a.key.to_user_string() for a in build_downstream_assets(app, {})][:2]
['demo/collaboration_edges', 'demo/weekly_user_features']
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import dagster as dg
import pandas as pd

from mgdc_pipelines.consent.registration import downstream_grant_for
from mgdc_pipelines.defs.loader_consent import downstream_grant_metadata
from mgdc_pipelines.defs.names import (
    asset_key_prefix,
    downstream_automation_sensor_name,
    downstream_job_name,
    resource_keys,
)
from mgdc_pipelines.defs.partitions import daily_partitions
from mgdc_pipelines.defs.sensors import sensor_settings
from mgdc_pipelines.defs.translator import app_owners
from mgdc_pipelines.features.columns import column_descriptions
from mgdc_pipelines.spec.downstream import dataset_input, resolve_function
from mgdc_pipelines.spec.model import AppSpec, DownstreamSpec

METADATA_FUNCTION = "mgdc/function"
# Tags that let one job and one automation sensor per app select its weekly downstream assets
# (key prefixes may be shared, so they cannot).
TAG_DOWNSTREAM_OF = "mgdc/downstream_of"
TAG_PARTITIONS = "mgdc/partitions"
_PREVIEW_ROWS = 10


def downstream_asset_key(app: AppSpec, name: str) -> dg.AssetKey:
    """The key of the downstream entry (or example asset) ``name`` of ``app``."""
    return dg.AssetKey([app.name, name])


def weekly_partitions(app: AppSpec) -> dg.WeeklyPartitionsDefinition:
    """Sunday-to-Saturday UTC weeks from the spec's start date."""
    return dg.WeeklyPartitionsDefinition(start_date=app.partitions.start_date.isoformat(), timezone="UTC")


def downstream_partitions(app: AppSpec, entry: DownstreamSpec) -> dg.PartitionsDefinition | None:
    return {"weekly": weekly_partitions(app), "daily": daily_partitions(app), "none": None}[entry.partitions]


def build_downstream_assets(app: AppSpec, mgdc_keys: Mapping[str, dg.AssetKey]) -> list[dg.AssetsDefinition]:
    """One asset per ``downstream:`` entry; ``mgdc_keys`` maps dataset full names to their asset keys
    (what the translator chose), defaulting to ``[*key_prefix, <short name>]``."""
    return [_build(app, entry, mgdc_keys) for entry in app.downstream]


def _build(app: AppSpec, entry: DownstreamSpec, mgdc_keys: Mapping[str, dg.AssetKey]) -> dg.AssetsDefinition:
    function = resolve_function(entry.function)
    grant = downstream_grant_metadata(downstream_grant_for(app, entry))
    ins = {
        parameter: dg.AssetIn(_input_key(app, value, mgdc_keys), metadata=grant)
        for parameter, value in entry.inputs.items()
    }
    params = dict(entry.params)

    @dg.asset(
        name=entry.name,
        key_prefix=[app.name],
        ins=ins,
        partitions_def=downstream_partitions(app, entry),
        description=entry.description or (function.__doc__ or "").strip().split("\n\n")[0] or None,
        kinds={"python", "pandas"},
        metadata={METADATA_FUNCTION: entry.function, **grant},
        **downstream_asset_settings(app, entry.partitions),
    )
    def _compute(context, **inputs):  # no annotations: Dagster checks them at definition time
        result = function(**inputs, **params)
        context.log.info(f"{entry.function} → {type(result).__name__}")
        return dg.Output(result, metadata=result_metadata(result))

    return _compute


def downstream_asset_settings(app: AppSpec, partitions: str) -> dict[str, Any]:
    """The ``@dg.asset`` arguments every downstream asset of ``app`` shares, the spec's entries and
    assets written in Python beside them (the example persona model): its group, owners, tags
    (for the app's weekly job and automation sensor), automation condition and IO manager (the
    app's sink, never pickles)."""
    return {
        "group_name": app.dagster.group_name or app.name,
        "owners": app_owners(app),
        "tags": downstream_tags(app, partitions),
        "automation_condition": downstream_automation(),
        "io_manager_key": resource_keys(app).downstream_io,
    }


def downstream_tags(app: AppSpec, partitions: str) -> dict[str, str]:
    """The tags of a downstream asset of ``app`` partitioned ``weekly``, ``daily`` or ``none``."""
    return {TAG_DOWNSTREAM_OF: app.name, TAG_PARTITIONS: partitions}


def downstream_automation() -> dg.AutomationCondition:
    """Build a partition once all its inputs' partitions exist, again when they change.

    ``eager()``: the latest week (or day) only, never while an input partition is missing or
    a run of it is in progress; history is a backfill's job.
    """
    return dg.AutomationCondition.eager()


def weekly_downstream_selection(app: AppSpec) -> dg.AssetSelection:
    """The weekly downstream assets of ``app``: its entries and what examples add with the same tags."""
    return dg.AssetSelection.tag(TAG_DOWNSTREAM_OF, app.name) & dg.AssetSelection.tag(TAG_PARTITIONS, "weekly")


def downstream_jobs(app: AppSpec) -> list[dg.UnresolvedAssetJobDefinition]:
    """One job that builds a week of every weekly downstream asset of ``app`` (none without any)."""
    if not any(entry.partitions == "weekly" for entry in app.downstream):
        return []
    return [dg.define_asset_job(downstream_job_name(app), selection=weekly_downstream_selection(app),
                                description=f"Every weekly downstream asset of app {app.name}, for one week.")]


def downstream_automation_sensors(app: AppSpec) -> list[dg.AutomationConditionSensorDefinition]:
    """The sensor that evaluates the downstream assets' automation conditions, named after ``app``."""
    if not app.downstream:
        return []
    selection = dg.AssetSelection.tag(TAG_DOWNSTREAM_OF, app.name)
    return [dg.AutomationConditionSensorDefinition(
        downstream_automation_sensor_name(app), target=selection, **sensor_settings(app),
        description=f"Builds app {app.name}'s downstream assets once their inputs' partitions exist.")]


def _input_key(app: AppSpec, value: str, mgdc_keys: Mapping[str, dg.AssetKey]) -> dg.AssetKey:
    item = dataset_input(app, value)
    if item is None:  # validated: an entry declared above
        return downstream_asset_key(app, value)
    return mgdc_keys.get(item.dataset.name) or dg.AssetKey([*asset_key_prefix(app), item.dataset.short_name])


def result_metadata(result: Any) -> dict[str, Any]:
    """Row count, column schema, a preview and the counts in ``attrs`` of a DataFrame result."""
    if not isinstance(result, pd.DataFrame):
        return {}
    descriptions = column_descriptions(result)
    columns = dg.TableSchema(columns=[dg.TableColumn(str(name), str(dtype), description=descriptions.get(str(name)))
                                      for name, dtype in result.dtypes.items()])
    counts = {f"counts/{key}": value for key, value in result.attrs.items() if isinstance(value, (int, float))}
    return {
        "dagster/row_count": len(result),
        "dagster/column_schema": columns,
        "preview": dg.MetadataValue.md(markdown_table(result.head(_PREVIEW_ROWS))),
        **counts,
    }


def markdown_table(frame: pd.DataFrame) -> str:
    """A small DataFrame as a Markdown table (no extra dependency)."""
    header = "| " + " | ".join(str(c) for c in frame.columns) + " |"
    rule = "|" + "---|" * len(frame.columns)
    rows = ["| " + " | ".join(_cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([header, rule, *rows])


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3g}"
    return str(value).replace("|", "\\|")
