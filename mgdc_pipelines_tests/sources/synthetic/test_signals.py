"""Activity signals tell the same story as the mailboxes, calendars, contacts, chats and teams."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import pytest

from mgdc_pipelines.sources.synthetic.activity.signals import MAX_RECORDING_DELAY
from mgdc_pipelines.sources.synthetic.batches import iso_z
from mgdc_pipelines_tests.sources.synthetic.helpers import (
    BUSY_DAY,
    DAY,
    extract,
    group_scope,
    request,
)

YESTERDAY = DAY - dt.timedelta(days=1)
ANSWERS = {
    "AcceptedMeetingRequest": "accepted",
    "TentativeMeetingRequest": "tentativelyAccepted",
    "DeclinedMeetingRequest": "declined",
}


def signals_of(source, name: str, kinds: tuple[str, ...], day: dt.date = DAY, days: int = 1):
    rows = extract(source, request(name, day, days=days)).to_pylist()
    found = [r for r in rows if r["SignalType"] in kinds]
    assert found, f"no {kinds} signal in {name}"
    return found


@pytest.fixture(scope="module")
def mail_signals(source):
    return extract(source, request("OutlookMailActivity_v0")).to_pylist()


def test_every_message_sent_signal_is_a_sent_item_of_its_user_and_back(source, mail_signals):
    """SentItem_v1 by sentDateTime over the day before too: a signal is recorded after sending."""
    columns = ["sentDateTime"]
    sent = extract(source, request("SentItem_v1", YESTERDAY, days=2, columns=columns)).to_pylist()
    sent_items = {(r["puser"], r["sentDateTime"]) for r in sent}
    signalled = {(r["puser"], r["StartTime"]) for r in mail_signals if r["SignalType"] == "MessageSent"}
    assert signalled and signalled <= sent_items
    day = request("SentItem_v1").window
    settled = {(user, at) for user, at in sent_items if day.start <= at < day.end - MAX_RECORDING_DELAY}
    assert settled <= signalled


def test_replies_are_sent_messages_and_reads_are_read_copies(source, mail_signals):
    by_kind = defaultdict(set)
    for row in mail_signals:
        by_kind[row["SignalType"]].add((row["puser"], row["StartTime"], row["EndTime"]))
    sent_at = {(user, start) for user, start, _ in by_kind["MessageSent"]}
    replies = by_kind["Reply"] | by_kind["ReplyAll"]
    assert replies
    assert all(start < end and (user, end) in sent_at for user, start, end in replies)
    columns = ["isRead", "lastModifiedDateTime"]
    copies = extract(
        source,
        request("Message_v1", YESTERDAY, days=2, columns=columns, date_column="lastModifiedDateTime"),
    ).to_pylist()
    read = {(r["puser"], r["lastModifiedDateTime"]) for r in copies if r["isRead"]}
    marked = {(user, start) for user, start, _ in by_kind["MarkMessageAsRead"]}
    assert marked and marked <= read
    viewed = {(user, start) for user, start, _ in by_kind["ViewMessage"]}
    assert viewed and viewed <= read  # the view that marked the copy read


def test_meeting_answers_are_the_attendees_calendar_responses(source):
    signals = signals_of(source, "OutlookMeetingActivity_v0", (*ANSWERS, "SendMeetingRequest"))
    # An attendee answers within two days of receiving the invitation (its copy's creation).
    columns = ["createdDateTime", "isOrganizer", "responseStatus"]
    events = extract(
        source, request("Event_v1", DAY - dt.timedelta(days=2), days=3, columns=columns)
    ).to_pylist()
    responses = {(e["puser"], e["responseStatus"]["response"], e["responseStatus"]["time"]) for e in events}
    invitations = {(e["puser"], e["createdDateTime"]) for e in events if e["isOrganizer"]}
    for row in signals:
        if row["SignalType"] == "SendMeetingRequest":
            assert (row["puser"], row["StartTime"]) in invitations
        else:
            assert (row["puser"], ANSWERS[row["SignalType"]], iso_z(row["StartTime"])) in responses


def test_contact_signals_are_the_address_book_changes(source):
    day, days = BUSY_DAY["OutlookContactActivity_v0"] - dt.timedelta(days=3), 5
    signals = signals_of(source, "OutlookContactActivity_v0", ("ContactCreated",), day, days)
    columns = ["createdDateTime", "lastModifiedDateTime"]
    contacts = extract(source, request("Contact_v1", day, days=days, columns=columns)).to_pylist()
    created = {(c["puser"], c["createdDateTime"]) for c in contacts}
    edited = {(c["puser"], c["lastModifiedDateTime"]) for c in contacts}
    for row in signals:
        assert (row["puser"], row["StartTime"]) in (created if row["SignalType"] == "ContactCreated" else edited)
    window = request("Contact_v1", day, days=days).window
    settled = {(user, at) for user, at in created if window.start <= at < window.end - MAX_RECORDING_DELAY}
    assert settled <= {(r["puser"], r["StartTime"]) for r in signals}


def test_instant_messages_are_chat_messages_the_user_sent(source, tenant):
    signals = signals_of(source, "TeamsConversationActivity_v0", ("InstantMessage",))
    columns = ["SentDateTime", "Sender", "ToRecipients"]
    chats = extract(source, request("TeamChat_v1", YESTERDAY, days=2, columns=columns)).to_pylist()
    mail_of = {u.id: u.mail for u in tenant.users}
    sent = {
        (r["puser"], r["SentDateTime"], tuple(t["EmailAddress"]["Address"] for t in r["ToRecipients"]))
        for r in chats
        if r["Sender"]["EmailAddress"]["Address"] == mail_of[r["puser"]]
    }
    for row in signals:
        interaction = row["InteractionMetadata"]
        assert interaction["InteractionInitiatorEmail"] == mail_of[row["puser"]]
        assert (row["puser"], row["StartTime"], tuple(interaction["InteractionTargetEmails"])) in sent


def test_meetings_joined_are_online_occurrences_in_the_users_calendar(source):
    signals = signals_of(source, "TeamsConversationActivity_v0", ("JoinMeeting",))
    columns = ["start", "end", "isOnlineMeeting", "isCancelled"]
    view = extract(source, request("CalendarView_v0", YESTERDAY, days=2, columns=columns)).to_pylist()
    online = defaultdict(list)
    for row in view:
        if row["isOnlineMeeting"] and not row["isCancelled"]:
            online[row["puser"]].append((_utc(row["start"]), _utc(row["end"])))
    for row in signals:
        assert any(
            start <= row["StartTime"] < row["EndTime"] <= end for start, end in online[row["puser"]]
        ), row


def _utc(date_time_time_zone: dict) -> dt.datetime:
    return dt.datetime.fromisoformat(date_time_time_zone["dateTime"][:19]).replace(tzinfo=dt.timezone.utc)


def test_channel_signals_happen_in_teams_the_user_belongs_to(source, tenant):
    signals = signals_of(source, "TeamsChannelActivity_v0", ("PostChannelMessage",), days=3)
    index_of = {u.id: u.index for u in tenant.users}
    for row in signals:
        team = tenant.group(row["TeamGroupId"])
        assert team.teams_enabled and row["TeamName"] == team.display_name
        assert index_of[row["puser"]] in tenant.valid_member_indices(team.id)


def test_a_new_hire_is_added_to_the_general_channel_of_each_team(source, tenant):
    newest = max((u for u in tenant.users if u.is_valid), key=lambda u: u.created_at)
    joined = newest.created_at.date()
    rows = extract(source, request("TeamsChannelActivity_v0", joined, days=2)).to_pylist()
    added = {r["TeamGroupId"] for r in rows if r["SignalType"] == "AddToChannel" and r["puser"] == newest.id}
    teams = {g.id for g in tenant.groups if g.teams_enabled and newest.index in tenant.valid_member_indices(g.id)}
    assert added and added == {t for t in teams if tenant.group(t).created_at < newest.created_at}
    for row in rows:
        if row["SignalType"] == "AddToChannel" and row["puser"] == newest.id:
            assert row["MembersAdded"] == [{"MemberId": newest.id, "Name": newest.display_name}]


@pytest.mark.parametrize(
    "name", ("OutlookMailActivity_v0", "TeamsConversationActivity_v0", "OutlookContactActivity_v0")
)
def test_group_scoped_requests_hold_only_the_members_signals(source, tenant, name):
    scope = group_scope(tenant, "sales", "engineering")
    members = {u.id for u in tenant.users_in_scope(scope)}
    rows = extract(source, request(name, scope=scope, columns=["SignalType"])).to_pylist()
    assert rows and {r["puser"] for r in rows} <= members


def test_contact_signal_days_split_a_wider_window_exactly(source):
    name, first = "OutlookContactActivity_v0", BUSY_DAY["OutlookContactActivity_v0"]
    keys = lambda day, days=1: sorted(  # noqa: E731
        (r["Id"], r["puser"]) for r in extract(source, request(name, day, days=days, columns=["Id"])).to_pylist()
    )
    days = [keys(first + dt.timedelta(days=n)) for n in range(3)]
    assert all(days) and sorted(sum(days, [])) == keys(first, 3)
