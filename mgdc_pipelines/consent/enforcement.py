"""Row and column enforcement in the data path: only what the admin authorized is written.

Batches stream from the source to the sink through an :class:`Enforcer`, one at a time, so
memory does not grow with the partition. For each batch it drops columns nobody authorized,
rows of another tenant (``ptenant``), rows outside the authorized scope and rows involving
deny-listed people, hashes and drops the
columns the grant says to, and returns a batch of exactly :attr:`Enforcer.output_schema`.
What it removed is counted in :class:`EnforcementCounts` for the materialization's metadata.

>>> import pyarrow as pa
>>> from mgdc_pipelines.catalog import get_dataset
>>> message = get_dataset("Message_v1")
>>> enforcer = Enforcer(
...     dataset=message, authorized_columns=["subject", "sender"], transforms={"sender": "hash"},
...     tenant_id="tenant-1", scope_member_ids=frozenset({"user-1"}), hash_key=b"0123456789abcdef-example",
... )
>>> rows = [
...     {"subject": "Hi", "sender": {"emailAddress": {"name": "Bob", "address": "bob@contoso.com"}},
...      "ptenant": tenant, "puser": user}
...     for tenant, user in (("tenant-1", "user-1"), ("tenant-1", "user-2"), ("tenant-2", "user-1"))
... ]
>>> batch = pa.RecordBatch.from_pylist(rows, schema=message.output_schema(["subject", "sender"]))
>>> written = enforcer.apply(batch)
>>> written.num_rows, written.schema == enforcer.output_schema
(1, True)
>>> written.column("sender")[0]["emailAddress"]["name"].as_py() is None
True
>>> metadata = enforcer.counts.as_metadata()
>>> metadata["consent/rows_foreign_tenant"], metadata["consent/rows_out_of_scope"], metadata["consent/values_hashed"]
(1, 1, {'sender': 1})
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from mgdc_pipelines.catalog import Dataset
from mgdc_pipelines.catalog.json_rows import uncastable_count
from mgdc_pipelines.consent.scrubbing import DeniedPeople, denied_rows
from mgdc_pipelines.consent.transforms import (
    HASHABLE_TYPES,
    HashMemo,
    can_hash,
    check_hash_key,
    hash_array,
    hashed_value_count,
)

HASH = "hash"
DROP = "drop"
TRANSFORMS = (DROP, HASH)


@dataclass
class EnforcementCounts:
    """What an :class:`Enforcer` let through and what it removed, summed over its batches."""

    rows_in: int = 0
    rows_out: int = 0
    # Column name -> rows in which it arrived without authorization (and was dropped).
    unauthorized_columns: Counter[str] = field(default_factory=Counter)
    rows_foreign_tenant: int = 0  # another tenant's (or no tenant's) rows: never written
    rows_out_of_scope: int = 0
    rows_deny_listed: int = 0
    # Column name -> non-null strings replaced by their hash.
    values_hashed: Counter[str] = field(default_factory=Counter)

    def as_metadata(self) -> dict[str, Any]:
        """Flat, JSON-friendly materialization metadata under ``consent/``."""
        return {
            "consent/rows_in": self.rows_in,
            "consent/rows_written": self.rows_out,
            "consent/rows_foreign_tenant": self.rows_foreign_tenant,
            "consent/rows_out_of_scope": self.rows_out_of_scope,
            "consent/rows_deny_listed": self.rows_deny_listed,
            "consent/unauthorized_columns_dropped": dict(sorted(self.unauthorized_columns.items())),
            "consent/values_hashed": dict(sorted(self.values_hashed.items())),
        }


# ---------------------------------------------------------------------------------------------
# Checks at construction: a misconfigured enforcer must fail before any row moves.


def _authorized_content_columns(dataset: Dataset, authorized: Collection[str]) -> tuple[str, ...]:
    """The authorized content columns in catalog order; metadata names are always allowed."""
    known = set(dataset.column_names) | set(dataset.metadata_column_names)
    unknown = sorted(set(authorized) - known)
    if unknown:
        raise ValueError(
            f"{dataset.name}: authorized columns {unknown} are not columns of the dataset; "
            f"its columns are {', '.join(dataset.column_names)}"
        )
    wanted = set(authorized)
    return tuple(name for name in dataset.column_names if name in wanted)


def _check_transforms(
    dataset: Dataset, authorized: tuple[str, ...], transforms: Mapping[str, str]
) -> None:
    for column, transform in transforms.items():
        if column not in authorized:
            raise ValueError(
                f"{dataset.name}: transform {transform!r} on column {column!r}, which is not "
                f"authorized; transforms apply to the authorized columns: {', '.join(authorized)}"
            )
        if transform not in TRANSFORMS:
            raise ValueError(
                f"{dataset.name}: unknown transform {transform!r} for column {column!r}; "
                f"allowed: {', '.join(TRANSFORMS)}"
            )
        if transform == HASH and not can_hash(dataset.column(column).type):
            raise ValueError(
                f"{dataset.name}: cannot hash column {column!r} of type "
                f"{dataset.column(column).notation}; `hash` applies to {HASHABLE_TYPES}"
            )


def _checked_hash_key(
    dataset: Dataset, hashed_columns: tuple[str, ...], hash_key: bytes | None
) -> bytes | None:
    if hash_key is not None:
        check_hash_key(hash_key)
    elif hashed_columns:
        raise ValueError(
            f"{dataset.name}: columns {', '.join(hashed_columns)} are to be hashed but no hash "
            "key was given (set the environment variable the consent block names)"
        )
    return hash_key


def _lowered_ids(ids: Collection[str]) -> pa.Array:
    # Object ids are GUIDs, which have no case: spec and data may spell them differently.
    return pa.array(sorted({value.lower() for value in ids}), type=pa.string())


def _is_any_of(values: pa.Array, lowered_ids: pa.Array) -> pa.Array:
    """Row mask: the id is one of ``lowered_ids`` (a null id is none of them)."""
    return pc.fill_null(pc.is_in(pc.utf8_lower(values), value_set=lowered_ids), False)


def _remove_rows(batch: pa.RecordBatch, remove: pa.Array) -> tuple[pa.RecordBatch, int]:
    """``batch`` without the rows where ``remove`` is true, and how many those were."""
    removed = pc.sum(remove).as_py() or 0
    if removed == 0:
        return batch, 0
    return batch.filter(pc.invert(remove)), removed


class Enforcer:
    """Applies one dataset's grant (columns, transforms, scope, deny-list) to record batches."""

    def __init__(
        self,
        *,
        dataset: Dataset,
        authorized_columns: Collection[str],
        tenant_id: str | None = None,
        transforms: Mapping[str, str] = {},  # noqa: B006 - read only, never mutated
        scope_member_ids: frozenset[str] | None = None,
        scope_group_ids: frozenset[str] | None = None,
        denied_user_ids: frozenset[str] = frozenset(),
        denied_addresses: frozenset[str] = frozenset(),
        hash_key: bytes | None = None,
    ) -> None:
        self.dataset = dataset
        self._authorized = _authorized_content_columns(dataset, authorized_columns)
        _check_transforms(dataset, self._authorized, transforms)
        self._hashed = tuple(c for c in self._authorized if transforms.get(c) == HASH)
        self._dropped = tuple(c for c in self._authorized if transforms.get(c) == DROP)
        hash_key = _checked_hash_key(dataset, self._hashed, hash_key)
        # Hashes computed for one batch serve the next: addresses repeat across a partition.
        self._hash_memo = HashMemo(hash_key) if hash_key is not None else None
        self._output_schema = dataset.output_schema(
            c for c in self._authorized if c not in self._dropped
        )
        # A scope restriction applies to the dataset's own scope column; the other kind (or any
        # kind, for tenant-wide SharePoint datasets) has nothing to restrict and is ignored.
        allowed_ids = {"puser": scope_member_ids, "pObjectId": scope_group_ids}.get(
            dataset.scope_column or ""
        )
        self._allowed_scope_ids = None if allowed_ids is None else _lowered_ids(allowed_ids)
        # The app's tenant: a row whose `ptenant` is another (or none) is never written.
        self._tenant = _lowered_ids([tenant_id]) if tenant_id else None
        # Object ids are GUIDs, which have no case: the directory and the data may differ.
        self.denied = DeniedPeople(
            user_ids=frozenset(i.lower() for i in denied_user_ids),
            addresses=frozenset(denied_addresses),
        )
        self.counts = EnforcementCounts()

    def __repr__(self) -> str:
        # Never the hash key, nor the deny-list itself (it names people).
        denied_users = len(self.denied.user_ids)
        return (
            f"Enforcer(dataset={self.dataset.short_name}, "
            f"written={list(self.output_schema.names)}, "
            f"hashed={list(self._hashed)}, dropped={list(self._dropped)}, "
            f"tenant_restricted={self._tenant is not None}, "
            f"scope_restricted={self._allowed_scope_ids is not None}, "
            f"deny_listed_users={denied_users}, "
            f"deny_listed_addresses={len(self.denied.addresses)})"
        )

    @property
    def requested_columns(self) -> tuple[str, ...]:
        """What the source may be asked for: the authorized content columns in catalog order,
        ``drop`` ones included (they may be needed, e.g. for scrubbing; they are never written)."""
        return self._authorized

    @property
    def output_schema(self) -> pa.Schema:
        """The schema of every batch :meth:`apply` returns (hashing keeps types)."""
        return self._output_schema

    def stream(self, batches: Iterable[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        """:meth:`apply` to each batch as it comes, never holding more than one."""
        for batch in batches:
            yield self.apply(batch)

    def apply(self, batch: pa.RecordBatch) -> pa.RecordBatch:
        """One batch as it may be written: exactly :attr:`output_schema`, possibly 0 rows."""
        self.counts.rows_in += batch.num_rows
        # (1) Columns first, so no later step can carry an unauthorized column along, and so
        # the later steps see catalog types whatever the source produced.
        batch = self._known_columns_only(batch)
        # (2) Another tenant's rows before anything else looks at them (MGDC never crosses tenants).
        batch = self._own_tenant_rows(batch)
        # (3) Scope before the deny-list: an out-of-scope row is counted as such, not as denied.
        batch = self._in_scope_rows(batch)
        # (4) The deny-list needs the addresses in clear, so it runs before hashing.
        batch = self._rows_not_deny_listed(batch)
        # (5) Hash while every column is still there; (6) and (7): drop the `drop` columns and
        # put the rest in output order by selecting exactly the output schema.
        batch = self._with_hashed_columns(batch)
        written = pa.RecordBatch.from_arrays(
            [batch.column(name) for name in self._output_schema.names], schema=self._output_schema
        )
        self.counts.rows_out += written.num_rows
        return written

    # -- (1) columns ------------------------------------------------------------------------

    def _known_columns_only(self, batch: pa.RecordBatch) -> pa.RecordBatch:
        readable = (*self._authorized, *self.dataset.metadata_column_names)
        arrived = Counter(batch.schema.names)
        for name in sorted(arrived.keys() - set(readable)):
            # Schema drift or a buggy source: never written, but counted so it gets noticed.
            self.counts.unauthorized_columns[name] += batch.num_rows
        twice = sorted(name for name in readable if arrived[name] > 1)
        if twice:
            raise ValueError(f"{self.dataset.name}: the batch carries column(s) {twice} twice")
        missing = [name for name in self._output_schema.names if name not in arrived]
        if missing:
            raise ValueError(
                f"{self.dataset.name}: the batch has no column {missing[0]!r}"
                + (f" (nor {missing[1:]})" if missing[1:] else "")
                + "; the source must deliver every authorized column and the metadata columns"
            )
        kept = [name for name in readable if name in arrived]
        return pa.RecordBatch.from_arrays(
            [self._in_catalog_type(name, batch.column(name)) for name in kept], names=kept
        )

    def _in_catalog_type(self, name: str, values: pa.Array) -> pa.Array:
        catalog_type = self.dataset.column(name).type
        if values.type == catalog_type:
            return values
        try:
            return values.cast(catalog_type)
        except pa.ArrowException as error:
            # Arrow's message quotes the value that failed: count them instead.
            raise ValueError(
                f"{self.dataset.name}: column {name!r} arrived as {values.type}, which cannot be "
                f"read as {self.dataset.column(name).notation}: "
                f"{uncastable_count(values, catalog_type)} of its {len(values)} values do not "
                f"convert ({type(error).__name__})"
            ) from None

    # -- (2) tenant ---------------------------------------------------------------------------

    def _own_tenant_rows(self, batch: pa.RecordBatch) -> pa.RecordBatch:
        if self._tenant is None:
            return batch
        if "ptenant" not in batch.schema.names:
            foreign = pa.array([True] * batch.num_rows)  # unprovable: never written
        else:
            foreign = pc.invert(_is_any_of(batch.column("ptenant"), self._tenant))
        batch, removed = _remove_rows(batch, foreign)
        self.counts.rows_foreign_tenant += removed
        return batch

    # -- (3) scope ----------------------------------------------------------------------------

    def _in_scope_rows(self, batch: pa.RecordBatch) -> pa.RecordBatch:
        if self._allowed_scope_ids is None:
            return batch
        scope_ids = batch.column(self.dataset.scope_column)
        out_of_scope = pc.invert(_is_any_of(scope_ids, self._allowed_scope_ids))
        batch, removed = _remove_rows(batch, out_of_scope)
        self.counts.rows_out_of_scope += removed
        return batch

    # -- (4) deny-list ------------------------------------------------------------------------

    def _rows_not_deny_listed(self, batch: pa.RecordBatch) -> pa.RecordBatch:
        denied = denied_rows(batch, self.dataset, self.denied)
        if denied is None:
            return batch
        batch, removed = _remove_rows(batch, denied)
        self.counts.rows_deny_listed += removed
        return batch

    # -- (5) hashing --------------------------------------------------------------------------

    def _with_hashed_columns(self, batch: pa.RecordBatch) -> pa.RecordBatch:
        for name in self._hashed:
            index = batch.schema.get_field_index(name)
            values = batch.column(index)
            self.counts.values_hashed[name] += hashed_value_count(values)
            batch = batch.set_column(index, name, hash_array(self._hash_memo, values))
        return batch
