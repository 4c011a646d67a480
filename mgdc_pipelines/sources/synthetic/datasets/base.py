"""What a dataset generator is, and the context it generates rows in.

A generator turns one *unit* into row dicts keyed by catalog column names:

* ``per_user`` datasets get one valid user at a time (the mailbox or profile owner);
* ``per_group`` datasets get one group at a time;
* ``per_tenant`` datasets (SharePoint) are called once;
* ``per_room`` datasets (ConferenceRoomCalendar_v0) get one room mailbox at a time.

The source resolves the scope into units, stamps MGDC's metadata columns and builds batches;
generators only describe rows. They must yield exactly the rows of the request's window
(for range datasets, those whose date-filter column falls in it).
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from mgdc_pipelines.sources.base import ExtractRequest, TimeWindow
from mgdc_pipelines.sources.synthetic.activity.models import Activity
from mgdc_pipelines.sources.synthetic.tenant import SyntheticTenant


class Unit(str, enum.Enum):
    USER = "user"
    GROUP = "group"
    TENANT = "tenant"
    ROOM = "room"  # user-scoped, but only room mailboxes (not users) have rows


@dataclass(frozen=True)
class RowContext:
    """One extraction: the tenant, its activity models and the request being served."""

    tenant: SyntheticTenant
    activity: Activity
    request: ExtractRequest
    date_column: str | None

    @property
    def window(self) -> TimeWindow:
        return self.request.window

    @property
    def as_of(self) -> dt.datetime:
        """Snapshot datasets describe the state at the end of the window."""
        return self.request.window.end

    @property
    def odata_type(self) -> str | None:
        return self.request.dataset.odata_type

    @property
    def seed(self) -> int:
        return self.tenant.config.seed


@dataclass(frozen=True)
class Generator:
    """How one dataset's rows are made."""

    dataset: str  # short name, e.g. "Message_v1"
    unit: Unit
    rows: Callable[[RowContext, Any], Iterable[dict]]
    # From version 3 of the rows (``TenantConfig.rows_version``), where set: the record batches
    # of all the units at once, built column by column (``message_batches.py``).
    batches: Callable[[RowContext, tuple], Iterable[pa.RecordBatch]] | None = None

    def batches_in(
        self, context: RowContext
    ) -> Callable[[RowContext, tuple], Iterable[pa.RecordBatch]] | None:
        """What makes the record batches in the context's version of the rows; None: that
        version makes this dataset's rows one dict each (:attr:`rows`)."""
        return self.batches if context.tenant.config.rows_version >= 3 else None


def unit_rows(generator: Generator, context: RowContext, unit: Any) -> Iterable[dict]:
    """One unit's rows, one dict each, in the config's version of the rows (from version 3,
    the message datasets' rows come from their record batches): what the emulator serves.
    """
    batches = generator.batches_in(context)
    if batches is not None:
        return (row for batch in batches(context, (unit,)) for row in batch.to_pylist())
    return generator.rows(context, unit)
