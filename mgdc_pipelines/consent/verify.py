"""Prove consent on what was WRITTEN: read committed files back and check them against the grant.

These checks never trust the in-memory batches that were written: they read the committed
partition as any reader would see it (every file in it, each with its own schema; for a Delta
table, the version the commit made, whatever other writers committed since), so a buggy
writer, a tampered file or a sink that adds a column after commit is caught.

Three checks, each returning the problems it found (empty: passed):

- ``consented_columns``: every column of every file is an authorized, not-dropped column or
  one of the dataset's metadata columns;
- ``scope_compliance``: every row's ``ptenant`` is the app's tenant, its ``puser`` /
  ``pObjectId`` belongs to the authorized scope, and no row involves a member of the approval's
  deny list (as owner, or in a written address or user id column; in a hashed column, by the
  hash of their address or id);
- ``transforms_applied``: hashed columns hold only hashes, dropped columns are absent.

Problems become check metadata and the suspension reason, so they name files, columns and
counts, never a written value (a foreign tenant id or an out-of-scope user id is data the app
was not allowed to hold).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.compute as pc

from mgdc_pipelines.catalog import Dataset
from mgdc_pipelines.consent.scrubbing import (
    DeniedPeople,
    any_of,
    denied_rows,
    people_columns,
)
from mgdc_pipelines.consent.transforms import array_is_hashed
from mgdc_pipelines.sinks.base import PartitionRef, Sink, SinkPathError, as_committed

CONSENTED_COLUMNS = "consented_columns"
SCOPE_COMPLIANCE = "scope_compliance"
TRANSFORMS_APPLIED = "transforms_applied"
CHECKS = (CONSENTED_COLUMNS, SCOPE_COMPLIANCE, TRANSFORMS_APPLIED)


@dataclass(frozen=True)
class WrittenPartition:
    """A committed partition and what its writer was allowed to put in it."""

    partition: PartitionRef
    dataset: Dataset
    allowed_columns: frozenset[str]  # authorized content columns that may be written
    hashed_columns: frozenset[str]
    dropped_columns: frozenset[str]
    tenant_id: str
    scope_ids: frozenset[str] | None  # allowed puser / pObjectId values; None = whole tenant
    version: int | None = None  # the table version the commit made (Delta sinks); None: folders
    # The deny list's people the enforcer removed, and the same people as the grant's `hash`
    # transform writes them (DeniedPeople.hashed: what hashed columns would hold for them;
    # empty: hashed columns are not read). People: never in a repr.
    denied: DeniedPeople = field(default=DeniedPeople(), repr=False)
    denied_hashed: DeniedPeople = field(default=DeniedPeople(), repr=False)


def verify_partition(sink: Sink, written: WrittenPartition) -> dict[str, list[str]]:
    """Problems per check for one committed partition.

    A committed file that cannot be read back (a corrupt or tampered file) fails every check:
    nothing in it can be proven, so it is withdrawn like any partition that broke consent. So
    does a partition of which nothing reads back at all (its files gone, or a table the checks
    cannot open): checks that found nothing to check would otherwise pass. And so does one the
    sink refuses to read (:class:`~mgdc_pipelines.sinks.base.SinkPathError`: its folder, or a
    file in it, is a symbolic link): what a reader of it meets is not what was written.
    """
    sink = as_committed(sink, written.partition, written.version)
    try:
        schemas = sink.committed_schemas(written.partition)
        if not schemas:
            return {check: ["nothing of it reads back from the sink"] for check in CHECKS}
        return {
            CONSENTED_COLUMNS: _unconsented_columns(schemas, written),
            SCOPE_COMPLIANCE: _out_of_scope_rows(sink, written)
            + _deny_listed_rows(sink, schemas, written),
            TRANSFORMS_APPLIED: _missing_transforms(sink, schemas, written),
        }
    except pa.ArrowInvalid as error:
        # Arrow's message may quote the file's content: name the failure, not the message.
        problem = f"its committed files cannot be read back ({type(error).__name__})"
        return {check: [problem] for check in CHECKS}
    except SinkPathError as error:  # names paths only, never content
        return {check: [f"its committed files cannot be read back: {error}"] for check in CHECKS}


def _unconsented_columns(schemas: dict[str, pa.Schema], written: WrittenPartition) -> list[str]:
    allowed = written.allowed_columns | set(written.dataset.metadata_column_names)
    return [
        f"{uri}: column {name!r} is not authorized"
        for uri, schema in schemas.items()
        for name in schema.names
        if name not in allowed
    ]


def _out_of_scope_rows(sink: Sink, written: WrittenPartition) -> list[str]:
    problems = []
    tenants = _distinct(sink.read_committed(written.partition, ["ptenant"]), "ptenant")
    foreign = [t for t in tenants if t != written.tenant_id]
    if foreign:
        problems.append(
            f"column 'ptenant' holds {len(foreign)} other tenant id(s) "
            f"(expected only {written.tenant_id})"
        )
    column = written.dataset.scope_column
    if column and written.scope_ids is not None:
        values = _distinct(sink.read_committed(written.partition, [column]), column)
        outside = [v for v in values if v not in written.scope_ids]
        if outside:
            problems.append(
                f"column {column!r} holds {len(outside)} value(s) outside the authorized scope"
            )
    return problems


def _deny_listed_rows(
    sink: Sink, schemas: dict[str, pa.Schema], written: WrittenPartition
) -> list[str]:
    if not written.denied:
        return []
    in_every_file = set.intersection(*(set(schema.names) for schema in schemas.values()))
    dataset = written.dataset
    present = [c for c in people_columns(dataset) if c in in_every_file]
    clear = [c for c in present if c not in written.hashed_columns]
    hashed = [c for c in present if c in written.hashed_columns] if written.denied_hashed else []
    if not clear and not hashed:
        return []
    involved = 0
    for batch in sink.read_committed(written.partition, [*clear, *hashed]):
        rows = any_of([
            denied_rows(batch.select(clear), dataset, written.denied),
            denied_rows(batch.select(hashed), dataset, written.denied_hashed),
        ])
        involved += 0 if rows is None else (pc.sum(rows).as_py() or 0)
    if not involved:
        return []
    read = ", ".join(clear) + (f"; hashed: {', '.join(hashed)}" if hashed else "")
    return [f"{involved} row(s) involve a member of the deny list (read: {read})"]


def _missing_transforms(
    sink: Sink, schemas: dict[str, pa.Schema], written: WrittenPartition
) -> list[str]:
    problems = [
        f"{uri}: dropped column {name!r} was written"
        for uri, schema in schemas.items()
        for name in schema.names
        if name in written.dropped_columns
    ]
    for column in sorted(written.hashed_columns):
        for batch in sink.read_committed(written.partition, [column]):
            if not array_is_hashed(batch.column(0)):
                problems.append(f"column {column!r} holds values that are not hashes")
                break
    return problems


def _distinct(batches: Iterable[pa.RecordBatch], column: str) -> set[str]:
    values: set[str] = set()
    for batch in batches:
        values.update(v for v in pc.unique(batch.column(column)).to_pylist() if v is not None)
    return values

