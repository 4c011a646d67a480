"""Hand-built tables in a catalog dataset's exact types, as the loader hands them to features."""

from __future__ import annotations

import pyarrow as pa

from mgdc_pipelines.catalog import get_dataset


def catalog_table(dataset: str, rows: list[dict]) -> pa.Table:
    """``rows`` as ``dataset``'s written schema; columns no row names are left out, missing keys are null."""
    named = {key for row in rows for key in row}
    full = get_dataset(dataset)
    schema = full.output_schema([c for c in full.column_names if c in named])
    schema = pa.schema([f for f in schema if f.name in named])
    return pa.table({name: [row.get(name) for row in rows] for name in schema.names}, schema=schema)
