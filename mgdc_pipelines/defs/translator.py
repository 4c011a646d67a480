"""Translate a declared dataset into a Dagster ``AssetSpec``.

Subclass :class:`MgdcTranslator` to change keys, groups, tags or anything else, as with
dagster-sling's and dagster-dlt's translators: call ``super().get_asset_spec(data)`` and adjust
the result with ``replace_attributes`` / ``merge_attributes``.

>>> from mgdc_pipelines.spec import load_spec, DEMO_SPEC_PATH
>>> class TeamTranslator(MgdcTranslator):
...     def get_asset_spec(self, data):
...         spec = super().get_asset_spec(data)
...         return spec.replace_attributes(key=spec.key.with_prefix("analytics"))
>>> app = load_spec(DEMO_SPEC_PATH)
>>> data = MgdcTranslatorData(app=app, item=app.dataset("Message_v1"))
>>> TeamTranslator().get_asset_spec(data).key.path
['analytics', 'mgdc', 'Message_v1']
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

import dagster as dg

from mgdc_pipelines.catalog import Dataset
from mgdc_pipelines.defs.constants import (
    LOADER_RESOURCE_KEY,
    METADATA_APP,
    METADATA_COLUMNS,
    METADATA_DATASET,
    METADATA_DATE_FILTER,
    METADATA_WRITTEN_COLUMNS,
)
from mgdc_pipelines.defs.metadata import dataset_table_metadata
from mgdc_pipelines.defs.partitions import partitions_for
from mgdc_pipelines.spec.model import AppSpec, DatasetSpec


@dataclass(frozen=True)
class MgdcTranslatorData:
    """What the translator sees for one dataset: the whole app and the dataset's entry."""

    app: AppSpec
    item: DatasetSpec

    @property
    def dataset(self) -> Dataset:
        return self.item.dataset


class MgdcTranslator:
    """Default mapping: key ``[*key_prefix, <Dataset short name>]``, one group per app."""

    def get_asset_spec(self, data: MgdcTranslatorData) -> dg.AssetSpec:
        app, item, dataset = data.app, data.item, data.dataset
        schema = dataset.output_schema(item.selected_columns)
        return dg.AssetSpec(
            key=dg.AssetKey([*app.dagster.key_prefix, dataset.short_name]),
            description=_description(data),
            group_name=app.dagster.group_name or app.name,
            partitions_def=partitions_for(app, dataset),
            kinds={"mgdc", "parquet"},
            tags={
                "mgdc/category": dataset.category.value,
                "mgdc/mode": dataset.mode.value,
                "mgdc/scope_kind": dataset.scope.value,
            },
            owners=app_owners(app),
            code_version=_code_version(data),
            metadata={
                **dataset_table_metadata(schema, dataset),
                METADATA_APP: app.name,
                METADATA_DATASET: dataset.name,
                METADATA_COLUMNS: list(item.selected_columns),
                METADATA_WRITTEN_COLUMNS: list(item.written_columns),
                METADATA_DATE_FILTER: item.date_filter_column or "",
            },
        ).with_io_manager_key(LOADER_RESOURCE_KEY)  # downstream assets read it via MgdcIOManager


def _description(data: MgdcTranslatorData) -> str:
    dataset, item = data.dataset, data.item
    if item.date_filter_column:
        when = f"Daily partitions on `{item.date_filter_column}` (UTC)."
    elif dataset.mode.value == "snapshot":
        when = "Daily snapshots: each partition holds the state as of the end of its day."
    else:
        when = "Daily partitions (UTC)."
    return (
        f"{dataset.description}\n\nMGDC dataset `{dataset.name}` · {len(item.selected_columns)} of "
        f"{len(dataset.columns)} columns · {dataset.scope.value} scope. {when}"
    )


def _code_version(data: MgdcTranslatorData) -> str:
    """Changes when what the asset copies changes (columns, filter, source), not otherwise."""
    payload = {
        "dataset": data.dataset.name,
        "columns": data.item.selected_columns,
        "date_filter_column": data.item.date_filter_column,
        "source": data.app.source.model_dump(mode="json"),
    }
    digest = hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()
    return digest[:16]


def app_owners(app: AppSpec) -> list[str]:
    """The spec's ``app.owner`` as Dagster asset owners, when it is an e-mail address."""
    return [app.app.owner] if "@" in app.app.owner else []
