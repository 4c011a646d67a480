"""What MGDC assets report to Dagster: column schemas, and each committed partition's numbers."""

from __future__ import annotations

import dagster as dg
import pyarrow as pa

from mgdc_pipelines.catalog import Dataset
from mgdc_pipelines.defs.constants import (
    METADATA_BYTES,
    METADATA_DATE,
    METADATA_EMPTY_PARTITION,
    METADATA_FILES,
    METADATA_SCOPE,
    METADATA_SCOPE_GROUPS,
    METADATA_TABLE_VERSION,
)
from mgdc_pipelines.sinks.base import CommitInfo
from mgdc_pipelines.sources.base import ExtractRequest

# The keys the Dagster UI reads for tables and their location. Dagster 1.13 defines them in its
# TableMetadataSet / UriMetadataSet, which the public `dagster` module does not export.
ROW_COUNT = "dagster/row_count"
COLUMN_SCHEMA = "dagster/column_schema"
TABLE_NAME = "dagster/table_name"
URI = "dagster/uri"


def table_schema(schema: pa.Schema, dataset: Dataset | None = None) -> dg.TableSchema:
    """Dagster's column schema for an Arrow schema (nested types written out in full), with each
    column's description from ``dataset``'s catalog entry.

    >>> from mgdc_pipelines.catalog import get_dataset
    >>> user = get_dataset("User_v1")
    >>> column = table_schema(user.output_schema(["id"]), user).columns[0]
    >>> column.name, column.type, column.description
    ('id', 'string', 'The unique identifier of the user.')
    """
    catalog = (*dataset.columns, *dataset.metadata_columns) if dataset else ()
    descriptions = {column.name: column.description for column in catalog}
    return dg.TableSchema(
        columns=[dg.TableColumn(f.name, str(f.type), description=descriptions.get(f.name)) for f in schema]
    )


def commit_metadata(info: CommitInfo) -> dict:
    """Where a commit went and, for a Delta table, the version it made (a reader pins it).

    >>> import datetime as dt
    >>> from mgdc_pipelines.sinks.base import PartitionRef
    >>> info = CommitInfo(PartitionRef("Example_v1", dt.date(2026, 11, 20)), "file:///d", (), 0, 0, version=7)
    >>> commit_metadata(info)
    {'dagster/uri': 'file:///d', 'mgdc/table_version': 7}
    """
    version = {METADATA_TABLE_VERSION: info.version} if info.version is not None else {}
    return {URI: info.uri, **version}


def dataset_table_metadata(schema: pa.Schema, dataset: Dataset) -> dict:
    """Definition-time metadata: the UI shows the columns before anything is materialized."""
    return {COLUMN_SCHEMA: table_schema(schema, dataset), TABLE_NAME: dataset.name}


def partition_metadata(request: ExtractRequest, info: CommitInfo) -> dict:
    """What one committed partition reports in the Dagster UI.

    An empty commit says so (``mgdc/empty_partition``), so a day without rows stands out from
    one with a few:

    >>> import datetime as dt
    >>> from mgdc_pipelines.catalog import get_dataset
    >>> from mgdc_pipelines.sinks.base import PartitionRef
    >>> from mgdc_pipelines.sources.base import Scope, TimeWindow
    >>> day = dt.date(2026, 11, 20)
    >>> dataset = get_dataset("User_v1")
    >>> request = ExtractRequest(dataset, ("id",), None, TimeWindow.for_day(day), Scope.everyone(), "t")
    >>> info = CommitInfo(PartitionRef(dataset.name, day, "all"), "file:///d", ("file:///d/p",), 0, 9)
    >>> partition_metadata(request, info)["mgdc/empty_partition"]
    True
    """
    scope = request.scope
    return {
        **commit_metadata(info),
        ROW_COUNT: info.rows,
        COLUMN_SCHEMA: table_schema(request.output_schema, request.dataset),
        TABLE_NAME: request.dataset.name,
        METADATA_BYTES: dg.MetadataValue.int(info.bytes),
        METADATA_FILES: dg.MetadataValue.int(len(info.files)),
        METADATA_EMPTY_PARTITION: info.rows == 0,
        METADATA_DATE: info.partition.date.isoformat(),
        METADATA_SCOPE: scope.key,
        METADATA_SCOPE_GROUPS: "all" if scope.is_everyone else ", ".join(scope.group_ids or ()),
    }
