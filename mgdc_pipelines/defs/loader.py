"""Hand committed MGDC partitions to downstream assets: :class:`MgdcIOManager`.

MGDC assets write their own data through the sink and return no value. Every MGDC asset's
spec names this IO manager (resource key ``<app>_mgdc_loader``, set by the translator), so a
downstream asset only declares an input and annotates it. The input can be a lazy
``pyarrow.dataset.Dataset``, a ``pyarrow.Table`` (also what an unannotated input gets) or a
``pandas.DataFrame``. The rows carry the asset's written columns in their catalog types. They
also carry ``date`` and ``scope`` (the Hive partition folders; tenant-wide SharePoint datasets
have only ``date``).

Which partitions arrive is Dagster's partition mapping (Dagster 1.13, upstream ``date × scope``):

* daily downstream → every scope of that day (``MultiToSingleDimensionPartitionMapping``, inferred);
* weekly (any coarser time window) downstream → every day of the window × every scope (same
  mapping, inferred);
* ``date × scope`` downstream with a coarser date → ``MultiPartitionMapping`` with a
  ``TimeWindowPartitionMapping`` on ``date`` (it must be explicit: the inferred identity mapping
  would hand over the first day only);
* unpartitioned downstream (or an ``AllPartitionMapping``) → every partition that is
  materialized. This is the only case where partitions that were never materialized are left out.
  In every other case, a requested partition that is not committed in the sink is an error.

Example: a downstream asset next to the spec's assets. Materializing it reads every scope of
its day. ``mgdc_pipelines_tests/defs/test_loader.py`` materializes assets like it end to end.

>>> import dagster as dg
>>> import pandas as pd
>>> from mgdc_pipelines.defs import build_defs
>>> from mgdc_pipelines.spec import load_spec, DEMO_SPEC_PATH
>>> @dg.asset(
...     partitions_def=dg.DailyPartitionsDefinition("2026-01-01", timezone="UTC"),
...     ins={"messages": dg.AssetIn(["mgdc", "Message_v1"])},
... )
... def daily_mail_stats(messages: pd.DataFrame) -> dg.MaterializeResult:
...     per_scope = messages.groupby("scope").size()
...     return dg.MaterializeResult(metadata={s: int(n) for s, n in per_scope.items()})
>>> mgdc = build_defs(load_spec(DEMO_SPEC_PATH))
>>> defs = dg.Definitions.merge(mgdc, dg.Definitions(assets=[daily_mail_stats]))
>>> dg.Definitions.validate_loadable(defs)
>>> key = dg.AssetKey(["mgdc", "Message_v1"])
>>> defs.resolve_assets_def(key).get_io_manager_key_for_asset_key(key)
'demo_mgdc_loader'
"""

# No `from __future__ import annotations`: Dagster's resource metaclass must see the real
# `ResourceDependency[...]` annotation, not a string.
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Optional, Protocol

import dagster as dg
import pandas as pd
import pyarrow as pa
import pyarrow.dataset as pads

from mgdc_pipelines.catalog import Dataset, get_dataset
from mgdc_pipelines.defs.constants import (
    METADATA_COLUMNS,
    METADATA_DATASET,
    METADATA_TABLE_VERSION,
    METADATA_WRITTEN_COLUMNS,
)
from mgdc_pipelines.defs.loader_consent import (
    ConsentLocation,
    MgdcLoadError,
    listed_keys,
    refuse_ungranted_entry,
    refuse_while_suspended,
    without_withheld,
)
from mgdc_pipelines.defs.partitions import partition_ref
from mgdc_pipelines.sinks.base import PartitionRef, Sink, as_of_now

SUPPORTED_TYPES = "pyarrow.dataset.Dataset (lazy), pyarrow.Table or pandas.DataFrame"


class SinkProvider(Protocol):
    """What the loader needs from a sink resource (``LocalSinkResource``, an Azure one, ...)."""

    def get_sink(self) -> Sink: ...


class MgdcIOManager(dg.ConfigurableIOManager):
    """Loads committed MGDC partitions for downstream assets; stores nothing.

    Args:
        sink: the sink resource the MGDC assets write through. Any resource with
            ``get_sink() -> Sink`` works. Use the same resource object that is bound to
            ``<app>_mgdc_sink`` (:func:`~mgdc_pipelines.defs.build_defs` does this).
        consent: where the app's consent store is (:class:`ConsentLocation`;
            ``build_defs`` sets it from the spec). With it, nothing loads while the app is
            suspended, and partitions a failed blocking check flagged are left out until they
            are copied again (:mod:`~mgdc_pipelines.defs.loader_consent`). Without it (a custom
            setup), the loader applies no consent filtering: it hands over whatever is committed.

    ``load_input`` works in four steps:

    1. It finds the dataset and its written columns in the upstream spec's metadata
       (``mgdc/dataset`` and ``mgdc/written_columns``).
    2. It maps the upstream partition keys Dagster hands over to sink partitions (and, with
       ``consent``, refuses a suspended app and leaves out flagged partitions).
    3. It opens them with ``Sink.open_dataset`` in the written schema. On a Delta sink it
       reads the table at the version it has when the load starts, and records that version
       (``mgdc/table_version``) in the run's event log: a re-run can read the same commit.
    4. It converts the data to the input's annotation.

    Memory: a ``pyarrow.dataset.Dataset`` input reads nothing up front, so it can be scanned in
    batches or filtered. Read it inside the asset: a later re-commit of a partition replaces
    its files. For ``mgdc-jsonl`` sinks, read it with :func:`read_table` (see there for why).
    A ``pyarrow.Table`` or a ``pandas.DataFrame`` input holds every requested row in memory.
    """

    sink: dg.ResourceDependency[SinkProvider]
    consent: Optional[ConsentLocation] = None

    def handle_output(self, context: dg.OutputContext, obj: Any) -> None:
        # MGDC assets commit their data through the sink and yield a MaterializeResult without
        # a value; there is nothing to store.
        if obj is None or isinstance(obj, dg.MaterializeResult):
            return
        key = context.asset_key.to_user_string() if context.has_asset_key else context.name
        raise MgdcLoadError(
            f"MgdcIOManager stores nothing, but {key} returned a {type(obj).__name__}. "
            "MGDC assets write through their sink. For another asset, return None or a "
            "MaterializeResult, or give it another io_manager_key."
        )

    def load_input(self, context: dg.InputContext) -> Any:
        convert = _converter_for(context)  # an unsupported annotation fails before any I/O
        upstream = UpstreamDataset.from_context(context)
        store = self.consent.store(context.instance) if self.consent is not None else None
        if store is not None:
            refuse_while_suspended(store, upstream.key)
            refuse_ungranted_entry(store, context.definition_metadata, "read")
        partitions = partitions_to_load(context, upstream.dataset)
        if store is not None:
            partitions = without_withheld(context, store, upstream.key, upstream.dataset, partitions)
        sink, version = as_of_now(sink_of(self.sink), upstream.dataset.name)
        data = sink.open_dataset(partitions, upstream.schema)
        missing = _not_committed(sink, partitions, data)
        if missing:
            keys = [p.key for p in missing]
            raise MgdcLoadError(
                f"{len(missing)} of the {len(partitions)} requested partition(s) of "
                f"{upstream.key.to_user_string()} are not committed in the sink {sink.uri()}: "
                f"{listed_keys(keys)}. Materialize them first. No rows were loaded, so that a "
                "missing partition does not silently give fewer rows."
            )
        at_version = f" at table version {version}" if version is not None else ""
        context.log.info(
            f"Loading {len(partitions)} partition(s) of {upstream.dataset.name} "
            f"({partitions[0].key} … {partitions[-1].key}){at_version}"
        )
        record_table_version(context, version)
        return convert(data)


@dataclass(frozen=True)
class UpstreamDataset:
    """The MGDC dataset behind an input, and the schema its asset writes."""

    key: dg.AssetKey
    dataset: Dataset
    schema: pa.Schema

    @classmethod
    def from_context(cls, context: dg.InputContext) -> "UpstreamDataset":
        key = context.asset_key
        upstream = context.upstream_output
        metadata: Mapping[str, Any] = (upstream.definition_metadata if upstream else None) or {}
        name = _plain(metadata.get(METADATA_DATASET))
        if not name:
            raise MgdcLoadError(
                f"{key.to_user_string()} has no '{METADATA_DATASET}' metadata, so it is not an MGDC "
                "asset that MgdcIOManager can read. A custom translator must keep the metadata "
                "of super().get_asset_spec()."
            )
        dataset = get_dataset(name)
        return cls(key, dataset, written_schema(dataset, metadata))


def written_schema(dataset: Dataset, metadata: Mapping[str, Any]) -> pa.Schema:
    """The schema the asset writes: its selected columns minus ``drop`` transforms.

    It uses ``mgdc/written_columns``. Specs built without that key fall back to
    ``mgdc/columns``, and then a dropped column reads back as nulls.
    """
    columns = _plain(metadata.get(METADATA_WRITTEN_COLUMNS))
    if columns is None:
        columns = _plain(metadata.get(METADATA_COLUMNS))
    if columns is None:
        columns = dataset.column_names
    return dataset.output_schema(columns)


def partitions_to_load(context: dg.InputContext, dataset: Dataset) -> list[PartitionRef]:
    """The sink partitions behind the upstream partition keys that Dagster mapped, ordered by (date, scope).

    A mapping that covers every partition of the upstream (an unpartitioned downstream asset,
    or an ``AllPartitionMapping``) means "everything there is". Those keys are narrowed to the
    materialized ones. Any other mapping is taken as it is.
    """
    key = context.asset_key.to_user_string()
    if not context.has_asset_partitions:
        raise MgdcLoadError(f"{key} is not partitioned; MGDC assets always are (date × scope, or date)")
    keys = list(context.asset_partition_keys)
    # The scope dimension is dynamic: counting its keys needs the instance.
    with dg.partition_loading_context(dynamic_partitions_store=context.instance):
        every_partition = context.asset_partitions_def.get_num_partitions()
    if keys and len(keys) >= every_partition:
        materialized = context.instance.get_materialized_partitions(context.asset_key)
        keys = [k for k in keys if k in materialized]
        if not keys:
            raise MgdcLoadError(f"no partition of {key} has been materialized yet: materialize some first")
    if not keys:
        raise MgdcLoadError(f"the partition mapping asks for no partition of {key}")
    partitions = [partition_ref(dataset, k) for k in keys]
    return sorted(partitions, key=lambda p: (p.date, p.scope or ""))


def read_table(
    data: pads.Dataset, *, columns: Sequence[str] | None = None, filter: pads.Expression | None = None
) -> pa.Table:
    """Every row of ``data`` (optionally a projection or a filter) as one Table.

    Use this instead of ``data.to_table()`` on datasets from ``mgdc-jsonl`` sinks. pyarrow
    26's scanner can deadlock when it reads several JSON files that each span more than one
    block (1 MiB by default) at the same time on a small CPU thread pool. This was seen with
    2 threads, and with 4 threads on 12 files. ``count_rows()`` and ``to_batches()`` can also
    hang with a single thread. This function reads JSON datasets one file at a time, which has
    not hung with a single thread. Parquet datasets are read in one parallel scan.
    """
    if not isinstance(getattr(data, "format", None), pads.JsonFileFormat):
        return data.to_table(columns=columns, filter=filter)
    schema = data.schema if columns is None else pa.schema([data.schema.field(c) for c in columns])
    batches = (
        batch
        for fragment in data.get_fragments(filter=filter)
        for batch in fragment.to_batches(schema=data.schema, columns=columns, filter=filter)
    )
    return pa.Table.from_batches(batches, schema=schema)


def to_pandas(table: pa.Table) -> pd.DataFrame:
    """Arrow → pandas without lossy surprises.

    * Integers and booleans become nullable (``Int64``, ``boolean``), not float or object.
    * Timestamps stay tz-aware UTC in their own unit (µs), so year 9999 does not overflow.
    * Structs, lists and maps stay Arrow-typed (``pd.ArrowDtype``), for example
      ``df["sender"].struct.field("emailAddress")``.
    """
    return table.to_pandas(types_mapper=_pandas_dtype)


# -- internals ---------------------------------------------------------------------------------


def _converter_for(context: dg.InputContext) -> Callable[[pads.Dataset], Any]:
    wanted = context.dagster_type.typing_type
    if wanted is pads.Dataset:
        return lambda data: data
    if wanted is pa.Table or wanted is Any or wanted is object:
        return read_table
    if wanted is pd.DataFrame:
        return lambda data: to_pandas(read_table(data))
    name = getattr(wanted, "__qualname__", None) or repr(wanted)
    module = getattr(wanted, "__module__", "")
    raise MgdcLoadError(
        f"MgdcIOManager cannot load {context.asset_key.to_user_string()} as "
        f"{module + '.' if module and module != 'builtins' else ''}{name}: "
        f"annotate the input as {SUPPORTED_TYPES}, or leave it unannotated for a pyarrow.Table"
    )


def record_table_version(context: dg.InputContext, version: int | None) -> None:
    """The Delta table version a load read (None: a sink without versions) on the input's
    LOADED_INPUT event. Dagster 1.13's ``add_input_metadata`` also observes the input's one
    partition and fails for an input of several (a weekly asset reading days × scopes): those
    loads say the version in their log line only."""
    if version is not None and (not context.has_asset_partitions or len(context.asset_partition_keys) == 1):
        context.add_input_metadata({METADATA_TABLE_VERSION: version})


def sink_of(resource: Any) -> Sink:
    get_sink = getattr(resource, "get_sink", None)
    if get_sink is None:
        raise MgdcLoadError(
            f"MgdcIOManager.sink must be a sink resource with get_sink() (e.g. LocalSinkResource); "
            f"got {type(resource).__name__}"
        )
    return get_sink()


def _not_committed(sink: Sink, partitions: Sequence[PartitionRef], data: pads.Dataset) -> list[PartitionRef]:
    """The partitions the sink has not committed. Those with a file in ``data`` are; the sink is
    asked about the others (an empty JSON-lines partition has no file a scan can read)."""
    files = getattr(data, "files", None) or ()
    found = {_partition_folder(file, partitions[0].dataset) for file in files}
    return [p for p in partitions if p.relative_path not in found and sink.committed_rows(p) is None]


def _partition_folder(file: str, dataset: str) -> str | None:
    """``.../<dataset>/date=D/scope=S/part-0.parquet`` → ``<dataset>/date=D/scope=S``."""
    folder = file.replace("\\", "/").rsplit("/", 1)[0]
    marker = folder.rfind(f"/{dataset}/")
    if marker >= 0:
        return folder[marker + 1 :]
    return folder if folder.startswith(f"{dataset}/") else None


def _plain(value: Any) -> Any:
    return value.value if isinstance(value, dg.MetadataValue) else value


_NULLABLE = {
    pa.int8(): pd.Int8Dtype(),
    pa.int16(): pd.Int16Dtype(),
    pa.int32(): pd.Int32Dtype(),
    pa.int64(): pd.Int64Dtype(),
    pa.uint8(): pd.UInt8Dtype(),
    pa.uint16(): pd.UInt16Dtype(),
    pa.uint32(): pd.UInt32Dtype(),
    pa.uint64(): pd.UInt64Dtype(),
    pa.bool_(): pd.BooleanDtype(),
}


def _pandas_dtype(arrow_type: pa.DataType) -> Any:
    if pa.types.is_nested(arrow_type):
        return pd.ArrowDtype(arrow_type)
    return _NULLABLE.get(arrow_type)  # None: pandas' own default (str, float64, datetime64[us, UTC])
