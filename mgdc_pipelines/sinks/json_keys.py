"""Which keys without a value an ``mgdc-jsonl`` row writes as ``null``, and which it leaves out.

Arrow has one null; MGDC's JSON has two: a key written as ``null`` and a key that is not there.
Counted on Microsoft's 36 sample deliveries (microsoftgraph/dataconnect-solutions @ff82ac5,
``sampledatasets/`` and ``Deprecated documentation/sampledatasets/``), MGDC follows the way the
dataset's rows are built:

- **Rows with MGDC's row metadata** (``pAdditionalInfo``, ``datarow``, ... : the Exchange and
  Entra ID extractions; 28 files, 360 rows): every top-level key is written, ``null`` when it
  has no value (1,711 nulls), except a list column, which is ``[]`` when empty and left out
  when there is none (the only 2 absent top-level keys: Message_v1 ``internetMessageHeaders``).
  Inside structs and list items a field without a value is left out (Event_v1
  ``location.address``, Message_v1 ``flag.dueDateTime``: 93 and 30 of the catalog's fields
  absent), except in the metadata MGDC builds itself
  (``rowinformation.errorInformation: null`` in every row) and Graph's attachment
  ``contentLocation``, which Graph always writes as ``null`` (133 of 133 attachments).
- **Rows without it** (SharePoint, OneDrive, Viva, and the ``puser`` + ``ptenant``-only datasets
  such as TodoTasks_v0, TeamsCallRecords_v1, TeamsTranscript_v1; 8 files): not one ``null`` in
  1,716 rows; a key without a value is left out, at every level.
- Anything else (a downstream table, a schema without its dataset): every key, ``null`` included.

>>> import pyarrow as pa
>>> from mgdc_pipelines.catalog import get_dataset
>>> event = null_keys_for(get_dataset("Event_v1").schema)
>>> event.keeps(("subject",), pa.string()), event.keeps(("location", "address"), pa.string())
(True, False)
>>> null_keys_for(get_dataset("SharePointSites_v1").schema).keeps(("GroupId",), pa.string())
False
>>> null_keys_for(pa.schema([("id", pa.string())])).keeps(("id",), pa.string())
True
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

from mgdc_pipelines.catalog import Dataset, UnknownDatasetError, get_dataset
from mgdc_pipelines.catalog.model import ROW_METADATA_COLUMNS

# The schema metadata key `Dataset.output_schema` sets: the written rows' dataset.
DATASET_METADATA_KEY = b"mgdc.dataset"
# Nested fields Graph writes as null when they have no value, so MGDC's rows carry them too.
GRAPH_NULL_FIELDS = frozenset({"contentLocation"})
_ROW_METADATA_NAMES = frozenset(name for name, _ in ROW_METADATA_COLUMNS)


@dataclass(frozen=True)
class NullKeys:
    """Whether a key whose value is null is written (``null``) or left out, by its path."""

    columns: bool  # top-level columns, lists aside
    list_columns: bool
    nested: bool  # fields inside structs and list items
    # Top-level columns written whole, every nested null included (metadata MGDC builds).
    whole_columns: frozenset[str] = frozenset()
    nested_names: frozenset[str] = frozenset()  # nested fields always written

    def keeps(self, path: tuple[str, ...], field_type: pa.DataType) -> bool:
        """Whether the key at ``path`` (column, then struct field names) is written as ``null``."""
        if len(path) == 1:
            is_list = pa.types.is_list(field_type) or pa.types.is_large_list(field_type)
            return self.list_columns if is_list else self.columns
        return self.nested or path[0] in self.whole_columns or path[-1] in self.nested_names


EVERY_KEY = NullKeys(columns=True, list_columns=True, nested=True)
NO_NULL_KEY = NullKeys(columns=False, list_columns=False, nested=False)


def null_keys_for(schema: pa.Schema) -> NullKeys:
    """The rule for rows of ``schema``: by its dataset (schema metadata), else every key."""
    name = (schema.metadata or {}).get(DATASET_METADATA_KEY)
    if name is None:
        return EVERY_KEY
    try:
        dataset = get_dataset(name.decode())
    except UnknownDatasetError:
        return EVERY_KEY
    return null_keys_of(dataset)


def null_keys_of(dataset: Dataset) -> NullKeys:
    """MGDC's rule for ``dataset``'s rows (see the module doc)."""
    metadata = set(dataset.metadata_column_names)
    if not metadata & _ROW_METADATA_NAMES:
        return NO_NULL_KEY
    return NullKeys(
        columns=True, list_columns=False, nested=False,
        whole_columns=frozenset(metadata), nested_names=GRAPH_NULL_FIELDS,
    )
