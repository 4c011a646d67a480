"""Look datasets up by full (``BasicDataSet_v0.Message_v1``) or short (``Message_v1``) name.

Viva Insights query datasets are not in the static catalog: a spec declares each one's schema,
and loading the spec declares the dataset here (:func:`declare_dataset`) so every part of the
process finds it by name.

A few datasets go by a second name in Microsoft's own lists; either name finds the dataset:

>>> get_dataset("OneDriveSyncErrors_v1").short_name
'OneDriveSyncErrors_v0'
"""

from __future__ import annotations

import difflib
from functools import cache

from mgdc_pipelines.catalog.datasets import ALL_DATASETS
from mgdc_pipelines.catalog.model import DATASET_PREFIX, Dataset
from mgdc_pipelines.catalog.viva import VIVA_QUERY_PREFIX, is_viva_query

# Datasets declared by loaded specs (Viva Insights queries), by name.
_declared: dict[str, Dataset] = {}

# Other names → catalog names. OneDriveSyncErrors: the doc's title says _v0, ADF's table list _v1.
NAME_ALIASES = {
    "BasicDataSet_v0.OneDriveSyncErrors_v1": "BasicDataSet_v0.OneDriveSyncErrors_v0",
}


class UnknownDatasetError(KeyError):
    """Raised for a dataset name the catalog does not know; the message lists close matches."""

    def __str__(self) -> str:  # KeyError would quote the whole message
        return str(self.args[0])


@cache
def _by_name() -> dict[str, Dataset]:
    index: dict[str, Dataset] = {}
    for ds in ALL_DATASETS:
        if ds.name in index:
            raise ValueError(f"dataset {ds.name} is declared twice in the catalog")
        index[ds.name] = ds
    return index


def list_datasets() -> tuple[Dataset, ...]:
    """Every dataset in the static catalog, sorted by name (declared Viva queries excluded)."""
    return tuple(sorted(_by_name().values(), key=lambda ds: ds.name))


def declare_dataset(declared: Dataset) -> Dataset:
    """Make a spec-declared dataset (a Viva Insights query) known by name in this process.

    Declaring the same dataset again is a no-op; a different schema under a name already
    declared (two specs disagreeing) raises, naming the dataset.
    """
    if not is_viva_query(declared.name):
        raise ValueError(f"only Viva Insights query datasets can be declared, not {declared.name}")
    known = _declared.setdefault(declared.name, declared)
    if known.schema != declared.schema:
        raise ValueError(
            f"{declared.name} is already declared with another schema in this process "
            f"({', '.join(known.schema.names)}); give each Viva query one schema"
        )
    return known


def get_dataset(name: str) -> Dataset:
    """Return a dataset by full or short name; unknown names raise with suggestions."""
    if is_viva_query(name):
        return _declared_viva_query(name)
    full_name = name if name.startswith(DATASET_PREFIX) else DATASET_PREFIX + name
    full_name = NAME_ALIASES.get(full_name, full_name)
    try:
        return _by_name()[full_name]
    except KeyError:
        short_names = [ds.short_name for ds in list_datasets()]
        close = difflib.get_close_matches(full_name.removeprefix(DATASET_PREFIX), short_names, n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise UnknownDatasetError(
            f"unknown MGDC dataset {name!r}{hint} Known datasets: {', '.join(short_names)}"
        ) from None


def _declared_viva_query(name: str) -> Dataset:
    try:
        return _declared[name]
    except KeyError:
        raise UnknownDatasetError(
            f"Viva Insights query dataset {name!r} has no declared schema: its columns vary per "
            f"query, so declare them in the spec's dataset entry (column_types: {{column: TYPE}}); "
            f"names start with {VIVA_QUERY_PREFIX}"
        ) from None
