"""A Graph JSON item as a row of a catalog dataset: property names and type names as MGDC writes them.

Graph writes properties in lowerCamel at every depth. A dataset may spell them otherwise:
MGDC's v0 datasets write PascalCase at every depth (``Sender.EmailAddress.Address``) and name
the item's type as Outlook REST did (``#Microsoft.OutlookServices.Message``), while reading the
very resource their v1 pair reads. Nested keys are matched to the catalog's field names
ignoring case, only in columns whose catalog spelling differs from Graph's.

>>> from mgdc_pipelines.catalog import get_dataset
>>> read = GraphItemReader(get_dataset("Message_v0"))
>>> row = read({"@odata.etag": "x", "@odata.type": "#microsoft.graph.message", "subject": "Hi",
...             "sender": {"emailAddress": {"name": "Ann", "address": "ann@contoso.com"}}})
>>> row == {"ODataType": "#Microsoft.OutlookServices.Message", "Subject": "Hi",
...         "Sender": {"EmailAddress": {"Name": "Ann", "Address": "ann@contoso.com"}}}
True
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pyarrow as pa

from mgdc_pipelines.catalog import Dataset
from mgdc_pipelines.catalog.graph import catalog_columns_by_property, graph_endpoint
from mgdc_pipelines.catalog.json_rows import json_text

Rename = Callable[[Any], Any]


class GraphItemReader:
    """Graph properties → catalog columns for one dataset; OData annotations other than the type
    dropped. Properties the catalog does not know keep their name: the batch builder counts and
    drops them, so nothing disappears unnoticed. An object in a ``JSON`` column (Planner's
    ``assignments``) becomes compact JSON text.

    >>> from mgdc_pipelines.catalog import get_dataset
    >>> GraphItemReader(get_dataset("PlannerTasks_v0"))({"assignments": {"u1": {"orderHint": " !"}}})
    {'assignments': '{"u1":{"orderHint":" !"}}'}
    """

    def __init__(self, dataset: Dataset) -> None:
        self.columns_by_property = catalog_columns_by_property(dataset)
        self._odata_type = dataset.odata_type
        renames = ((column.name, _nested_rename(column.type)) for column in dataset.columns)
        self._nested = {name: rename for name, rename in renames if rename is not None}
        self._text = dataset.json_text_columns
        self._complete = graph_endpoint(dataset).completes

    def __call__(self, item: Mapping[str, Any]) -> dict[str, Any]:
        columns = self.columns_by_property
        row = {
            columns.get(key, key): value
            for key, value in item.items()
            if key in columns or not key.startswith("@")
        }
        for name, rename in self._nested.items():
            if row.get(name) is not None:
                row[name] = rename(row[name])
        for name in self._text.intersection(row):
            if isinstance(row[name], (dict, list)):
                row[name] = json_text(row[name])
        if row.get("ODataType") and self._odata_type and _same_type(row["ODataType"], self._odata_type):
            row["ODataType"] = self._odata_type
        return self._complete(row) if self._complete else row


def _same_type(graph_type: str, catalog_type: str) -> bool:
    """``#microsoft.graph.message`` and ``#Microsoft.OutlookServices.Message`` name one type."""
    return graph_type.rpartition(".")[2].lower() == catalog_type.rpartition(".")[2].lower()


def _nested_rename(arrow_type: pa.DataType) -> Rename | None:
    """A function renaming nested keys to ``arrow_type``'s field names, or ``None`` if Graph's
    lowerCamel names are already the catalog's at every depth."""
    if pa.types.is_list(arrow_type):
        items = _nested_rename(arrow_type.value_type)
        if items is None:
            return None
        return lambda value: [items(v) for v in value] if isinstance(value, list) else value
    if not pa.types.is_struct(arrow_type):
        return None
    fields = {field.name: _nested_rename(field.type) for field in arrow_type}
    if all(rename is None and _lower_camel(name) == name for name, rename in fields.items()):
        return None
    names = {name.lower(): name for name in fields}

    def rename(value: Any) -> Any:
        if not isinstance(value, Mapping):
            return value  # not an object: the batch builder says what arrived instead
        renamed = {}
        for key, item in value.items():
            name = names.get(key.lower(), key)
            inner = fields.get(name)
            renamed[name] = inner(item) if inner is not None else item
        return renamed

    return rename


def _lower_camel(name: str) -> str:
    return name if name == "ODataType" else name[:1].lower() + name[1:]
