"""The MGDC dataset catalog: exact column names, Arrow types, date filters, scope and mode.

>>> from mgdc_pipelines.catalog import get_dataset
>>> message = get_dataset("Message_v1")
>>> message.name, message.scope.value, message.mode.value
('BasicDataSet_v0.Message_v1', 'user', 'range')
>>> "receivedDateTime" in message.date_filter_columns
True
"""

from mgdc_pipelines.catalog.json_rows import ConversionResult, RowConversionError, rows_to_batch
from mgdc_pipelines.catalog.model import (
    DATASET_PREFIX,
    Category,
    Column,
    Dataset,
    Mode,
    ScopeKind,
    dataset,
)
from mgdc_pipelines.catalog.registry import UnknownDatasetError, get_dataset, list_datasets
from mgdc_pipelines.catalog.types import TIMESTAMP, parse_type

__all__ = [
    "DATASET_PREFIX",
    "TIMESTAMP",
    "Category",
    "Column",
    "ConversionResult",
    "Dataset",
    "Mode",
    "RowConversionError",
    "ScopeKind",
    "UnknownDatasetError",
    "dataset",
    "get_dataset",
    "list_datasets",
    "parse_type",
    "rows_to_batch",
]
