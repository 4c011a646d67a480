"""Downstream outputs stay inside the grant: stored in the app's sink, read back through it.

An asset built from MGDC data holds MGDC data (often the very addresses it was computed from),
so its output goes where the admin authorized the app to write, never into Dagster's default
pickle storage under ``DAGSTER_HOME``. :class:`DownstreamIOManager` (resource key
``<app>_mgdc_downstream_io``) writes a returned ``pandas.DataFrame`` or ``pyarrow.Table`` as a table of
the sink, committed atomically like every partition::

    <sink root>/<asset key joined by ".">/date=<partition day>/part-00000-<attempt>.parquet
    <sink root>/<asset key joined by ".">/part-00000-<attempt>.parquet      # unpartitioned

and hands it to the assets that read it as a ``pandas.DataFrame`` (or a ``pyarrow.Table`` when
the input is annotated so). Hashed columns stay hashed: a downstream function only ever sees
what the sink holds.

A ``downstream:`` entry of the spec is part of the app's registration. Its asset and its
inputs carry the entry's grant (``mgdc/downstream_grant`` metadata), and nothing of it is read
or written unless the authorization in force holds exactly that entry: a new or changed entry
needs the admin's approval, like a new dataset.
"""

# No `from __future__ import annotations`: Dagster's resource metaclass reads real annotations.
import datetime as dt
from typing import Any, Optional

import dagster as dg
import pandas as pd
import pyarrow as pa

from mgdc_pipelines.defs.loader import SinkProvider, record_table_version, sink_of
from mgdc_pipelines.defs.metadata import commit_metadata
from mgdc_pipelines.defs.loader_consent import (
    ConsentLocation,
    MgdcLoadError,
    refuse_ungranted_entry,
    refuse_while_suspended,
)
from mgdc_pipelines.sinks.base import PartitionRef, as_of_now


class DownstreamIOManager(dg.ConfigurableIOManager):
    """Stores downstream assets' tables in the app's sink and loads them back (see the module doc)."""

    sink: dg.ResourceDependency[SinkProvider]
    consent: Optional[ConsentLocation] = None

    def handle_output(self, context: dg.OutputContext, obj: Any) -> None:
        self._refuse_ungranted(context, context.definition_metadata, "written")
        table = _as_table(context, obj)
        partition = _partition(context, context.asset_key, context.partition_key if context.has_partition_key else None)
        sink = sink_of(self.sink)
        writer = sink.open_partition(partition, table.schema)
        try:
            for batch in table.to_batches():
                writer.write(batch)
            info = writer.commit()
        except BaseException:
            writer.abort()
            raise
        if self.consent is not None:
            self.consent.store(_instance(context)).record(
                "downstream_committed", app=self.consent.app_name, asset=context.asset_key.to_user_string(),
                partition=partition.relative_path, rows=info.rows, destination=info.uri,
            )
        context.add_output_metadata({**commit_metadata(info), "mgdc/stored_in_sink": True})

    def load_input(self, context: dg.InputContext) -> Any:
        self._refuse_ungranted(context, context.definition_metadata, "read")
        key = context.asset_key
        partition = _partition(context, key, context.asset_partition_key if context.has_asset_partitions else None)
        sink, version = as_of_now(sink_of(self.sink), partition.dataset)
        record_table_version(context, version)
        schemas = sink.committed_schemas(partition)
        if not schemas:
            raise MgdcLoadError(
                f"{key.to_user_string()} has no committed table at {sink.uri(partition)}: materialize it first"
            )
        schema = next(iter(schemas.values()))
        table = pa.Table.from_batches(list(sink.read_committed(partition, schema.names)), schema=schema)
        return table if context.dagster_type.typing_type is pa.Table else table.to_pandas()

    def _refuse_ungranted(self, context, metadata, action: str) -> None:
        """A spec entry's data moves only under the grant in force; nothing loads while suspended."""
        if self.consent is None:
            return
        store = self.consent.store(_instance(context))
        if action == "read":
            refuse_while_suspended(store, context.asset_key)
        refuse_ungranted_entry(store, metadata, action)


def _instance(context) -> dg.DagsterInstance:
    """Input contexts carry the instance; output contexts reach it through their step."""
    return context.instance if isinstance(context, dg.InputContext) else context.step_context.instance


def _as_table(context: dg.OutputContext, obj: Any) -> pa.Table:
    name = context.asset_key.to_user_string()
    if isinstance(obj, pa.Table):
        return obj
    if not isinstance(obj, pd.DataFrame):
        raise MgdcLoadError(
            f"{name} returned a {type(obj).__name__}; assets stored in the app's sink return a pandas "
            "DataFrame or a pyarrow Table"
        )
    try:
        return pa.Table.from_pandas(obj, preserve_index=False)
    except (pa.ArrowException, TypeError, ValueError):
        # Arrow's message quotes the offending value: name the columns and their dtypes instead.
        odd = [f"{column} ({dtype})" for column, dtype in obj.dtypes.items() if dtype == object]
        raise MgdcLoadError(
            f"{name}: the DataFrame cannot be stored as an Arrow table; columns holding mixed Python "
            f"objects: {', '.join(odd) or 'none found'}"
        ) from None


def _partition(context, key: dg.AssetKey, partition_key: Optional[str]) -> PartitionRef:
    dataset = ".".join(key.path)
    if partition_key is None:
        return PartitionRef(dataset, None)
    try:
        day = dt.date.fromisoformat(partition_key)
    except ValueError:
        raise MgdcLoadError(
            f"{key.to_user_string()}: partition {partition_key!r} is not a day; tables in the app's sink "
            "are daily, weekly (keyed by their first day) or unpartitioned"
        ) from None
    return PartitionRef(dataset, day)
