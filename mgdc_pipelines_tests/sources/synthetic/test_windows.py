"""Time semantics: range windows, calendar views, snapshots and SharePoint snapshot dates."""

from __future__ import annotations

import datetime as dt

import pytest

from mgdc_pipelines.catalog import get_dataset
from mgdc_pipelines.sources import Scope
from mgdc_pipelines.sources.synthetic import SyntheticSource, TenantConfig
from mgdc_pipelines_tests.sources.synthetic.helpers import DAY, column, extract, request

NEXT_DAY = DAY + dt.timedelta(days=1)
# Activity signals busy on DAY (contact signals are covered in test_signals.py).
SIGNALS = (
    "OutlookMailActivity_v0",
    "OutlookMeetingActivity_v0",
    "TeamsChannelActivity_v0",
    "TeamsConversationActivity_v0",
)
RANGE_COLUMNS = [
    (name, date_column)
    for name in (
        "Message_v1", "SentItem_v1", "Event_v1", "TeamChat_v1",
        "TodoTasks_v0", "OutlookGroupConversations_v0", "TeamsCallRecords_v1",
        "TeamsChannelDetails_v0", "TeamsStandardChannelMessages_v0", "TeamsTranscript_v1",
        *SIGNALS,
    )
    for date_column in get_dataset(name).date_filter_columns
]
KEY = {
    "TeamChat_v1": ("Id", "puser"),
    "TodoTasks_v0": ("Id", "puser"),
    "OutlookGroupConversations_v0": ("Id", "pObjectId"),
    "TeamsCallRecords_v1": ("Id", "puser"),
    "TeamsChannelDetails_v0": ("id", "pObjectId"),
    "TeamsStandardChannelMessages_v0": ("Id", "pObjectId"),
    "TeamsTranscript_v1": ("Id", "puser"),
    **{name: ("Id", "puser") for name in SIGNALS},
}


def keys(table, name):
    id_column, owner = KEY.get(name, ("id", "puser"))
    return list(zip(column(table, id_column), column(table, owner)))


@pytest.mark.parametrize(("name", "date_column"), RANGE_COLUMNS)
def test_rows_fall_in_the_window_on_the_chosen_column(source, name, date_column):
    req = request(name, date_column=date_column)
    table = extract(source, req)
    assert table.num_rows > 0
    assert all(req.window.contains(moment) for moment in column(table, date_column))


@pytest.mark.parametrize(("name", "date_column"), RANGE_COLUMNS)
def test_two_adjacent_days_split_a_two_day_window_exactly(source, name, date_column):
    first = keys(extract(source, request(name, DAY, date_column=date_column)), name)
    second = keys(extract(source, request(name, NEXT_DAY, date_column=date_column)), name)
    both = keys(extract(source, request(name, DAY, days=2, date_column=date_column)), name)
    assert len(set(both)) == len(both)  # no row twice in one partition
    assert set(first).isdisjoint(second)
    assert sorted(first + second) == sorted(both)


def test_the_same_message_lands_on_different_days_depending_on_the_column(source):
    """A copy received late at night and read the next morning is in two days' partitions."""
    by_received = keys(
        extract(source, request("Message_v1", date_column="receivedDateTime")), "Message_v1"
    )
    by_modified = keys(
        extract(source, request("Message_v1", date_column="lastModifiedDateTime")), "Message_v1"
    )
    assert set(by_received) != set(by_modified)
    assert set(by_received) & set(by_modified)


def test_calendar_view_holds_occurrences_inside_the_window(source):
    req = request("CalendarView_v0", days=7)
    table = extract(source, req)
    starts = [
        dt.datetime.fromisoformat(s["dateTime"][:19]).replace(tzinfo=dt.timezone.utc)
        for s in column(table, "start")
    ]
    ends = [
        dt.datetime.fromisoformat(e["dateTime"][:19]).replace(tzinfo=dt.timezone.utc)
        for e in column(table, "end")
    ]
    assert all(req.window.start <= s and e <= req.window.end for s, e in zip(starts, ends))
    types = set(column(table, "type"))
    assert {"occurrence", "singleInstance"} <= types and "seriesMaster" not in types
    occurrences = [
        r
        for r in table.select(["type", "seriesMasterId", "originalStart"]).to_pylist()
        if r["type"] == "occurrence"
    ]
    assert all(r["seriesMasterId"] and r["originalStart"] for r in occurrences)


def test_event_items_are_filtered_on_creation_not_on_when_they_happen(source):
    req = request("Event_v1", date_column="createdDateTime")
    table = extract(source, req)
    starts = {s["dateTime"][:10] for s in column(table, "start")}
    assert len(starts) > 1  # invitations created today are for meetings on many days
    assert "seriesMaster" in set(column(extract(source, request("Event_v1", days=14)), "type"))


def test_snapshots_describe_the_state_at_the_end_of_the_window(source, tenant):
    early_day = tenant.config.tenant_start + dt.timedelta(days=200)
    early = extract(source, request("User_v1", early_day))
    now = extract(source, request("User_v1"))
    cutoff = dt.datetime.combine(
        early_day + dt.timedelta(days=1), dt.time(), tzinfo=dt.timezone.utc
    )
    expected = {u.id for u in tenant.users_in_scope(Scope.everyone(), as_of=cutoff)}
    assert set(column(early, "puser")) == expected
    assert 0 < len(expected) < now.num_rows
    assert len(column(extract(source, request("Contact_v1", early_day)), "id")) < len(
        column(extract(source, request("Contact_v1")), "id")
    )


@pytest.mark.parametrize("name", ("SharePointSites_v1", "SharePointPermissions_v1"))
def test_sharepoint_rows_are_a_full_snapshot_dated_at_the_window_start(source, name):
    req = request(name)
    table = extract(source, req)
    assert set(column(table, "SnapshotDate")) == {req.window.start}
    assert set(column(table, "Operation")) == {"Full"}


def test_sharepoint_snapshots_grow_over_time(source, tenant):
    earlier = extract(
        source, request("SharePointSites_v1", tenant.config.tenant_start + dt.timedelta(days=400))
    )
    later = extract(source, request("SharePointSites_v1"))
    assert set(column(earlier, "Id")) < set(column(later, "Id"))


WIDE_CHECKS = [
    ("Message_v1", "createdDateTime"),  # created before sent (drafts)
    ("Message_v1", "lastModifiedDateTime"),  # modified days after sent
    ("SentItem_v1", "lastModifiedDateTime"),
    ("Event_v1", "createdDateTime"),  # invitations go out up to two weeks ahead
    ("Event_v1", "lastModifiedDateTime"),
    ("TeamChat_v1", "LastModifiedDateTime"),  # edits
    ("TodoTasks_v0", "LastModifiedDateTime"),  # completed up to two weeks later; flags days later
    ("OutlookGroupConversations_v0", "SentDateTime"),  # replies up to two days into a thread
    ("TeamsCallRecords_v1", "CreatedDateTime"),  # written after the call ends
    ("OutlookMailActivity_v0", "CreationTime"),  # reads and flags days after sending
    ("OutlookMeetingActivity_v0", "CreationTime"),  # invitations two weeks ahead
    ("TeamsConversationActivity_v0", "CreationTime"),  # reactions, meetings joined
]


@pytest.mark.parametrize(("name", "date_column"), WIDE_CHECKS)
def test_a_day_holds_exactly_what_a_wide_window_puts_on_that_day(name, date_column):
    """Guards the look-back/look-ahead each generator uses: a day misses no row that a
    nine-day window, generated from much further around, places on that day."""
    tiny = SyntheticSource(TenantConfig(seed=5, users=24))
    id_column = KEY.get(name, ("id",))[0]
    columns = [id_column, date_column]
    wide = extract(
        tiny,
        request(name, DAY - dt.timedelta(days=4), days=9, columns=columns, date_column=date_column),
    )
    day = request(name, columns=columns, date_column=date_column).window
    expected = sorted(
        k for k, moment in zip(keys(wide, name), column(wide, date_column)) if day.contains(moment)
    )
    actual = sorted(
        keys(extract(tiny, request(name, columns=columns, date_column=date_column)), name)
    )
    assert actual and actual == expected


def test_a_calendar_day_holds_exactly_what_a_wide_window_puts_on_that_day():
    tiny = SyntheticSource(TenantConfig(seed=5, users=24))
    wide = extract(
        tiny,
        request(
            "CalendarView_v0", DAY - dt.timedelta(days=4), days=9, columns=["id", "start", "end"]
        ),
    )
    day = request("CalendarView_v0").window

    def inside(row):
        start, end = (
            dt.datetime.fromisoformat(row[k]["dateTime"][:19]).replace(tzinfo=dt.timezone.utc)
            for k in ("start", "end")
        )
        return day.start <= start and end <= day.end

    expected = sorted((r["id"], r["puser"]) for r in wide.to_pylist() if inside(r))
    actual = sorted(
        keys(extract(tiny, request("CalendarView_v0", columns=["id"])), "CalendarView_v0")
    )
    assert actual and actual == expected
