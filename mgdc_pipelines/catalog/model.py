"""What an MGDC dataset is: its columns, Arrow schema, date filters, scope kind and mode.

This module knows nothing about Dagster, YAML or I/O. A dataset is declared once in
``catalog/datasets/`` with :func:`dataset` and looked up with :func:`mgdc_pipelines.catalog.get_dataset`.
"""

from __future__ import annotations

import enum
import textwrap
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import pyarrow as pa

from mgdc_pipelines.catalog.types import parse_type

DATASET_PREFIX = "BasicDataSet_v0."
# Between a column's type and its description in a column block: `id: STRING -- Its id.`
COLUMN_DESCRIPTION_SEPARATOR = " -- "


class ScopeKind(str, enum.Enum):
    """How MGDC scopes a dataset (reference §1.2, "Scope")."""

    USER = "user"  # rows come from users' mailboxes/profiles and carry `puser`
    GROUP = "group"  # rows describe groups themselves and carry `pObjectId`
    NONE = "none"  # tenant-wide (SharePoint): scoping does not apply


class Mode(str, enum.Enum):
    """How a dataset is filtered in time (reference §1.2, "Mode")."""

    RANGE = "range"  # rows whose date-filter column falls in [start, end)
    SNAPSHOT = "snapshot"  # the whole current state, no date column
    SHAREPOINT = "sharepoint"  # pre-collected daily snapshots keyed by SnapshotDate


class Category(str, enum.Enum):
    MAIL = "mail"
    CALENDAR = "calendar"
    CONTACTS = "contacts"
    DIRECTORY = "directory"
    GROUPS = "groups"
    TEAMS = "teams"
    TASKS = "tasks"
    DEVICES = "devices"
    ACTIVITY = "activity"  # Outlook and Teams activity signals
    SHAREPOINT = "sharepoint"
    ONEDRIVE = "onedrive"
    VIVA = "viva"


@dataclass(frozen=True)
class Column:
    """One top-level column: its exact MGDC name, Arrow type, the notation it came from, and what
    it holds (Microsoft's description, shortened; ours for the metadata columns)."""

    name: str
    type: pa.DataType
    notation: str
    is_metadata: bool = False
    description: str = ""

    @property
    def field(self) -> pa.Field:
        return pa.field(self.name, self.type)


# MGDC adds these to every row of an Exchange/AAD dataset (reference §2.2). The scope column
# (`puser` or `pObjectId`) is chosen per dataset by its scope kind.
_ROW_INFORMATION = (
    "STRUCT<errorInformation: STRING, userReturnedNoData: BOOLEAN, "
    "isUserSummaryRow: BOOLEAN, userHasCompleteData: BOOLEAN>"
)
ROW_METADATA_COLUMNS: tuple[tuple[str, str], ...] = (
    ("pAdditionalInfo", "STRING"),
    ("datarow", "INT64"),
    ("userrow", "INT64"),
    ("pagerow", "INT64"),
    ("rowinformation", _ROW_INFORMATION),
)
SCOPE_COLUMN = {ScopeKind.USER: "puser", ScopeKind.GROUP: "pObjectId", ScopeKind.NONE: None}
# Microsoft documents only ptenant and puser; the rest is what the reference (§2.2) infers from
# real deliveries, and says so where it is an inference.
METADATA_DESCRIPTIONS: Mapping[str, str] = {
    "ptenant": "Metadata: the Entra ID tenant id the row was copied from.",
    "puser": "Metadata: the Entra ID object id of the user whose mailbox or profile holds the row.",
    "pObjectId": "Metadata: the Entra ID object id of the group the row belongs to.",
    "pAdditionalInfo": "Metadata: reserved by MGDC; null in every delivery seen.",
    "datarow": "Metadata: the row's counter within the extraction.",
    "userrow": "Metadata: the row's 0-based index within its user's (or group's) rows.",
    "pagerow": "Metadata: the row's index within its page of results.",
    "rowinformation": "Metadata: per-user extraction flags (error, no data, summary row, complete).",
}


@dataclass(frozen=True)
class Dataset:
    """An MGDC dataset as the catalog knows it.

    ``columns`` are the content columns a registration may ask for; ``metadata_columns`` are
    the ones MGDC adds to every row (``ptenant``, ``puser``/``pObjectId``, ``datarow``, ...).
    """

    name: str
    category: Category
    description: str
    columns: tuple[Column, ...]
    metadata_columns: tuple[Column, ...]
    scope: ScopeKind
    mode: Mode
    date_filter_columns: tuple[str, ...] = ()
    odata_type: str | None = None
    # Names found in real deliveries that mean one of our columns (e.g. GroupMembers_v0 samples
    # carry `puser` where the schema documents `pObjectId`).
    aliases: Mapping[str, str] = field(default_factory=dict)
    source_doc: str = ""

    @property
    def short_name(self) -> str:
        """``Message_v1`` for ``BasicDataSet_v0.Message_v1``."""
        return self.name.removeprefix(DATASET_PREFIX)

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)

    @property
    def metadata_column_names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.metadata_columns)

    @cached_property
    def json_text_columns(self) -> frozenset[str]:
        """Columns declared ``JSON``: strings that hold an object's JSON text."""
        return frozenset(column.name for column in self.columns if column.notation == "JSON")

    @property
    def scope_column(self) -> str | None:
        """``puser`` for user-scoped, ``pObjectId`` for group-scoped, ``None`` for SharePoint."""
        return SCOPE_COLUMN[self.scope]

    @cached_property
    def _columns_by_name(self) -> dict[str, Column]:
        return {column.name: column for column in (*self.columns, *self.metadata_columns)}

    def column(self, name: str) -> Column:
        try:
            return self._columns_by_name[name]
        except KeyError:
            raise KeyError(f"{self.name} has no column {name!r}") from None

    @cached_property
    def schema(self) -> pa.Schema:
        """The full output schema: every content column, then the metadata columns."""
        return self.output_schema(self.column_names)

    def output_schema(self, columns: Iterable[str]) -> pa.Schema:
        """The schema of written rows for a selection of content columns.

        Columns keep catalog order whatever order they were asked in, and the metadata columns
        always follow, so two selections of the same columns produce identical files.
        """
        wanted = set(columns)
        unknown = wanted - set(self.column_names)
        if unknown:
            raise KeyError(f"{self.name} has no content column(s) {sorted(unknown)}")
        fields = [c.field for c in self.columns if c.name in wanted]
        fields += [c.field for c in self.metadata_columns]
        return pa.schema(fields, metadata={b"mgdc.dataset": self.name.encode()})


def dataset(
    name: str,
    *,
    category: Category,
    description: str,
    scope: ScopeKind,
    mode: Mode,
    columns: str,
    date_filter_columns: Sequence[str] = (),
    odata_type: str | None = None,
    row_metadata: bool = True,
    aliases: Mapping[str, str] | None = None,
    source_doc: str = "",
) -> Dataset:
    """Declare a catalog dataset from a ``name: TYPE -- description`` block, one column per line.

    >>> ds = dataset(
    ...     "BasicDataSet_v0.Example_v0", category=Category.MAIL, description="An example.",
    ...     scope=ScopeKind.USER, mode=Mode.SNAPSHOT,
    ...     columns='''
    ...         id: STRING -- The unique identifier of the message.
    ...         sender: STRUCT<emailAddress: STRUCT<name: STRING, address: STRING>> -- Who sent it.
    ...     ''')
    >>> ds.schema.names
    ['id', 'sender', 'ptenant', 'puser', 'pAdditionalInfo', 'datarow', 'userrow', 'pagerow', 'rowinformation']
    >>> ds.column("sender").description
    'Who sent it.'
    """
    content = tuple(_parse_column_block(name, columns))
    metadata = tuple(_metadata_columns(scope, row_metadata))
    declared = {c.name for c in content}
    for filter_column in date_filter_columns:
        if filter_column not in declared:
            raise ValueError(f"{name}: date-filter column {filter_column!r} is not a column")
    clash = declared & {c.name for c in metadata}
    if clash:
        raise ValueError(f"{name}: content columns {sorted(clash)} clash with metadata columns")
    return Dataset(
        name=name,
        category=category,
        description=textwrap.dedent(description).strip(),
        columns=content,
        metadata_columns=metadata,
        scope=scope,
        mode=mode,
        date_filter_columns=tuple(date_filter_columns),
        odata_type=odata_type,
        aliases=dict(aliases or {}),
        source_doc=source_doc,
    )


def _parse_column_block(dataset_name: str, block: str) -> Iterable[Column]:
    """``name: TYPE -- description`` lines; a ``#`` before the description starts a comment."""
    seen: set[str] = set()
    for line in textwrap.dedent(block).strip().splitlines():
        # The description is split off first: it may hold a `#` (an OData type, say).
        declaration, _, description = line.partition(COLUMN_DESCRIPTION_SEPARATOR)
        declaration = declaration.split("#", 1)[0].strip()
        if not declaration:
            continue
        column_name, _, notation = declaration.partition(":")
        column_name, notation = column_name.strip(), notation.strip()
        if not notation:
            raise ValueError(f"{dataset_name}: column line {line.strip()!r} has no type")
        if column_name in seen:
            raise ValueError(f"{dataset_name}: column {column_name!r} declared twice")
        seen.add(column_name)
        yield Column(column_name, parse_type(notation), notation, description=description.strip())


def _metadata_columns(scope: ScopeKind, row_metadata: bool) -> Iterable[Column]:
    declared = [("ptenant", "STRING")]
    scope_column = SCOPE_COLUMN[scope]
    if scope_column:
        declared.append((scope_column, "STRING"))
    if row_metadata:
        declared.extend(ROW_METADATA_COLUMNS)
    for column_name, notation in declared:
        yield Column(column_name, parse_type(notation), notation, is_metadata=True,
                     description=METADATA_DESCRIPTIONS[column_name])
