"""Helpers for the synthetic tenant tests: build requests, extract partitions into tables."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pyarrow as pa

from mgdc_pipelines.catalog import Dataset, get_dataset
from mgdc_pipelines.sources import ExtractRequest, Scope, TimeWindow
from mgdc_pipelines.sources.synthetic import SyntheticSource

TENANT_ID = "5b1c2c58-6a53-4f55-9d3f-2a0a1f0e7e11"
DAY = dt.date(2026, 11, 19)  # a Thursday
SUPPORTED = (
    "Message_v1",
    "SentItem_v1",
    "MailFolder_v0",
    "Event_v1",
    "CalendarView_v0",
    "Contact_v1",
    "User_v1",
    "Manager_v0",
    "DirectReport_v0",
    "GroupDetails_v0",
    "GroupMembers_v0",
    "TeamChat_v1",
    "GroupOwners_v0",
    "TeamChat_v2",
    "TeamsChannelDetails_v0",
    "TeamsStandardChannelMessages_v0",
    "TeamsTranscript_v1",
    "SharePointSites_v1",
    "SharePointPermissions_v1",
    "SharePointGroups_v1",
    "SharePointFiles_v1",
    "SharePointFileActions_v1",
    "OneDriveSyncHealth_v1",
    "OneDriveSyncErrors_v0",
    "TodoTaskFolders_v0",
    "TodoTasks_v0",
    "OutlookGroupConversations_v0",
    "TeamsCallRecords_v1",
    "User_v0",
    "LicenseDetails_v0",
    "OwnedDevices_v0",
    "RegisteredDevices_v0",
    "PlannerTasks_v0",
    "OutlookContactActivity_v0",
    "OutlookMailActivity_v0",
    "OutlookMeetingActivity_v0",
    "TeamsChannelActivity_v0",
    "TeamsConversationActivity_v0",
)
# Datasets the small tenant is quiet in on DAY, and a day it is not: its people joined by 2024
# and their address books stop growing three years in, so contacts change in its early years.
BUSY_DAY = {"OutlookContactActivity_v0": dt.date(2023, 5, 15)}


def request(
    dataset: str | Dataset,
    day: dt.date | None = None,
    *,
    days: int = 1,
    scope: Scope | None = None,
    columns: Sequence[str] | None = None,
    date_column: str | None = None,
    batch_rows: int = 4096,
) -> ExtractRequest:
    ds = get_dataset(dataset) if isinstance(dataset, str) else dataset
    window = TimeWindow.for_day(day or BUSY_DAY.get(ds.short_name, DAY))
    if days != 1:
        window = TimeWindow(window.start, window.start + dt.timedelta(days=days))
    return ExtractRequest(
        dataset=ds,
        columns=tuple(columns if columns is not None else ds.column_names),
        date_filter_column=date_column
        or (ds.date_filter_columns[0] if ds.date_filter_columns else None),
        window=window,
        scope=scope or Scope.everyone(),
        tenant_id=TENANT_ID,
        batch_rows=batch_rows,
    )


def extract(source: SyntheticSource, req: ExtractRequest) -> pa.Table:
    """The whole partition as one table (batches must all have the request's schema)."""
    batches = list(source.extract(req))
    for batch in batches:
        assert batch.schema.equals(req.output_schema, check_metadata=True)
    return pa.Table.from_batches(batches, schema=req.output_schema)


def group_scope(tenant, *nicknames: str) -> Scope:
    return Scope("-".join(nicknames), tuple(tenant.group_by_nickname[n].id for n in nicknames))


def column(table: pa.Table, name: str) -> list:
    return table.column(name).to_pylist()
