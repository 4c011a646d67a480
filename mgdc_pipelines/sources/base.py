"""The `Source` protocol: where rows come from.

A source turns one :class:`ExtractRequest` (a dataset, the wanted columns, a time window and a
scope) into a stream of Arrow record batches in the catalog schema. Sources never write to
sinks and never decide what is allowed: the request they get is already authorized.

>>> import datetime as dt
>>> from mgdc_pipelines.catalog import get_dataset
>>> request = ExtractRequest(
...     dataset=get_dataset("Message_v1"),
...     columns=("subject", "sender"),
...     date_filter_column="receivedDateTime",
...     window=TimeWindow.for_day(dt.date(2026, 11, 20)),
...     scope=Scope.everyone(),
...     tenant_id="00000000-0000-0000-0000-000000000001",
... )
>>> request.output_schema.names[:3]
['subject', 'sender', 'ptenant']
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from functools import cached_property
from typing import Protocol, runtime_checkable

import pyarrow as pa

from mgdc_pipelines.catalog import Dataset, Mode

DEFAULT_BATCH_ROWS = 4096


@dataclass(frozen=True)
class TimeWindow:
    """A half-open UTC interval ``[start, end)``."""

    start: dt.datetime
    end: dt.datetime

    def __post_init__(self) -> None:
        for bound in (self.start, self.end):
            if bound.tzinfo is None:
                raise ValueError(f"TimeWindow bounds must be timezone-aware, got {bound!r}")
        if self.end <= self.start:
            raise ValueError(f"TimeWindow end {self.end} must be after start {self.start}")

    @classmethod
    def for_day(cls, day: dt.date) -> TimeWindow:
        start = dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone.utc)
        return cls(start, start + dt.timedelta(days=1))

    def contains(self, moment: dt.datetime) -> bool:
        return self.start <= moment < self.end


@dataclass(frozen=True)
class Scope:
    """Which part of the organization a request covers.

    ``group_ids is None`` means the whole organization (MGDC: no ``allowedGroups``); otherwise
    user-scoped datasets cover the transitive members of those groups and group-scoped
    datasets cover the groups themselves.
    """

    key: str
    group_ids: tuple[str, ...] | None = None

    @classmethod
    def everyone(cls, key: str = "all") -> Scope:
        return cls(key=key, group_ids=None)

    @property
    def is_everyone(self) -> bool:
        return self.group_ids is None


@dataclass(frozen=True)
class ExtractRequest:
    """One partition's worth of rows to extract.

    ``columns`` are content columns (a subset of ``dataset.column_names``); every batch a source
    yields has exactly :attr:`output_schema`: those columns in catalog order, then the
    dataset's metadata columns.
    """

    dataset: Dataset
    columns: tuple[str, ...]
    date_filter_column: str | None
    window: TimeWindow
    scope: Scope
    tenant_id: str
    batch_rows: int = DEFAULT_BATCH_ROWS
    # Owners (``puser``, lower-case object ids) whose rows consent removes whatever they hold:
    # the deny list's members, for a dataset scoped by its owner. A source that reads owner by
    # owner need not read them at all (the Graph source skips their mailboxes, and counts them).
    unread_owners: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        self.dataset.output_schema(self.columns)  # raises on unknown columns
        if self.date_filter_column is None and self.dataset.mode is Mode.RANGE and self.dataset.date_filter_columns:
            raise ValueError(
                f"{self.dataset.name} is filtered by date: a request must name one of "
                f"{', '.join(self.dataset.date_filter_columns)}"
            )
        if self.date_filter_column and self.date_filter_column not in self.dataset.date_filter_columns:
            raise ValueError(
                f"{self.dataset.name}: {self.date_filter_column!r} is not a date-filter column; "
                f"allowed: {', '.join(self.dataset.date_filter_columns) or 'none'}"
            )

    @cached_property
    def output_schema(self) -> pa.Schema:
        return self.dataset.output_schema(self.columns)


@runtime_checkable
class Directory(Protocol):
    """Group membership and addresses, as the source's directory knows them.

    Consent enforcement uses it independently of extraction: to keep only rows of users inside
    the authorized scope, and to scrub rows involving members of a deny group.
    """

    def member_ids(self, group_ids: Sequence[str]) -> frozenset[str]:
        """Object ids of the transitive user members of the groups."""
        ...

    def addresses(self, user_ids: Iterable[str]) -> frozenset[str]:
        """Lower-case SMTP addresses of the users: mail, user principal name and every SMTP
        alias among their ``proxyAddresses`` (mail sent to an alias names the alias)."""
        ...


def smtp_addresses(proxy_addresses: Iterable[str]) -> set[str]:
    """The SMTP addresses among Exchange ``proxyAddresses`` (``SMTP:`` primary, ``smtp:``
    aliases), lower-case; other kinds (``SIP:``, ``X500:``, ``SPO:``) are not mail addresses.

    >>> sorted(smtp_addresses(["SMTP:Ana@Contoso.com", "smtp:ana@contoso.onmicrosoft.com",
    ...                        "SIP:ana@contoso.com", "X500:/o=ExchangeLabs/cn=ana"]))
    ['ana@contoso.com', 'ana@contoso.onmicrosoft.com']
    """
    kind = "smtp:"
    return {
        value[len(kind):].lower()
        for value in proxy_addresses
        if value[: len(kind)].lower() == kind and "@" in value
    }


@runtime_checkable
class Source(Protocol):
    """Anything that can stream a dataset partition as Arrow record batches."""

    def extract(self, request: ExtractRequest) -> Iterator[pa.RecordBatch]:
        """Yield batches of ``request.output_schema``; memory must not grow with row count."""
        ...


@runtime_checkable
class DeltaStateSource(Protocol):
    """A source that can deliver SharePoint delta states: the changes since an earlier snapshot."""

    def extract_delta(self, request: ExtractRequest, since: dt.date) -> Iterator[pa.RecordBatch]:
        """Rows created, updated or deleted (``Operation``) between ``since`` and the request's day."""
        ...


@runtime_checkable
class RunScopedSource(Protocol):
    """A source that works per run rather than per partition (MGDC through Azure Data Factory:
    one pipeline run covers many days, and its delivery must be cleaned up afterwards)."""

    def for_run(
        self, run_key: str, dataset: Dataset, partitions: Sequence[tuple[dt.date, Scope]]
    ) -> AbstractContextManager[Source]:
        ...


def for_run(
    source: Source, run_key: str, dataset: Dataset, partitions: Sequence[tuple[dt.date, Scope]]
) -> AbstractContextManager[Source]:
    """What a step copying ``partitions`` should read from: ``source`` itself, unless it is a
    :class:`RunScopedSource`, whose run it opens (close it when the step ends)."""
    if isinstance(source, RunScopedSource):
        return source.for_run(run_key, dataset, partitions)
    return nullcontext(source)
