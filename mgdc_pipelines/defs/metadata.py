"""What MGDC assets report to Dagster: column schemas, and each committed partition's numbers."""

from __future__ import annotations

import dagster as dg
import pyarrow as pa

# Dagster 1.13 does not re-export the typed metadata sets from `dagster`; they define the
# standard `dagster/row_count`, `dagster/column_schema`, `dagster/table_name`, `dagster/uri` keys.
from dagster._core.definitions.metadata.metadata_set import TableMetadataSet, UriMetadataSet

from mgdc_pipelines.defs.constants import (
    METADATA_BYTES,
    METADATA_DATE,
    METADATA_EMPTY_PARTITION,
    METADATA_FILES,
    METADATA_SCOPE,
    METADATA_SCOPE_GROUPS,
)
from mgdc_pipelines.sinks.base import CommitInfo
from mgdc_pipelines.sources.base import ExtractRequest


def table_schema(schema: pa.Schema) -> dg.TableSchema:
    """Dagster's column schema for an Arrow schema (nested types written out in full)."""
    return dg.TableSchema(columns=[dg.TableColumn(f.name, str(f.type)) for f in schema])


def dataset_table_metadata(schema: pa.Schema, table_name: str) -> dict:
    """Definition-time metadata: the UI shows the columns before anything is materialized."""
    return dict(TableMetadataSet(column_schema=table_schema(schema), table_name=table_name))


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
        **TableMetadataSet(
            row_count=info.rows,
            column_schema=table_schema(request.output_schema),
            table_name=request.dataset.name,
        ),
        **UriMetadataSet(uri=info.uri),
        METADATA_BYTES: dg.MetadataValue.int(info.bytes),
        METADATA_FILES: dg.MetadataValue.int(len(info.files)),
        METADATA_EMPTY_PARTITION: info.rows == 0,
        METADATA_DATE: info.partition.date.isoformat(),
        METADATA_SCOPE: scope.key,
        METADATA_SCOPE_GROUPS: "all" if scope.is_everyone else ", ".join(scope.group_ids or ()),
    }
