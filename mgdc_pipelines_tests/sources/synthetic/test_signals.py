"""Activity signals tell the same story as the mailboxes, calendars, contacts, chats and teams."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import pytest

from mgdc_pipelines.sources import TimeWindow
from mgdc_pipelines.sources.synthetic.activity.signals import MAX_RECORDING_DELAY
from mgdc_pipelines.sources.synthetic.batches import iso_z
from mgdc_pipelines_tests.sources.synthetic.helpers import (
    BUSY_DAY,
    DAY,
    extract,
    group_scope,
    request,
)

SENT = "MessageSent"
YESTERDAY = DAY - dt.timedelta(days=1)
CONTACT_DAYS = (BUSY_DAY["OutlookContactActivity_v0"] - dt.timedelta(days=3), 5)
ANSWERS = {
    "AcceptedMeetingRequest": "accepted",
    "TentativeMeetingRequest": "tentativelyAccepted",
    "DeclinedMeetingRequest": "declined",
}


def rows_of(source, name: str, day: dt.date | None = None, days: int = 1, **options) -> list:
    return extract(source, request(name, day, days=days, **options)).to_pylist()


def signals_of(source, name: str, kinds: tuple[str, ...], day=None, days: int = 1) -> list:
    found = [r for r in rows_of(source, name, day, days) if r["SignalType"] in kinds]
    assert found, f"no {kinds} signal in {name}"
    return found


def settled(moments: set, window: TimeWindow) -> set:
    """The ``(..., moment)`` tuples whose signal is surely recorded inside the window."""
    return {key for key in moments if window.start <= key[-1] < window.end - MAX_RECORDING_DELAY}


@pytest.fixture(scope="module")
def mail_signals(source):
    return rows_of(source, "OutlookMailActivity_v0")


def test_every_message_sent_signal_is_a_sent_item_of_its_user_and_back(source, mail_signals):
    """SentItem_v1 from the day before too: a signal is recorded a little after sending."""
    sent = rows_of(source, "SentItem_v1", YESTERDAY, 2, columns=["sentDateTime"])
    sent_items = {(r["puser"], r["sentDateTime"]) for r in sent}
    signalled = {(r["puser"], r["StartTime"]) for r in mail_signals if r["SignalType"] == SENT}
    assert signalled and signalled <= sent_items
    assert settled(sent_items, request("SentItem_v1").window) <= signalled


def test_replies_are_sent_messages_and_reads_are_read_copies(source, mail_signals):
    by_kind = defaultdict(set)
    for row in mail_signals:
        by_kind[row["SignalType"]].add((row["puser"], row["StartTime"], row["EndTime"]))
    sent_at = {(user, start) for user, start, _ in by_kind["MessageSent"]}
    replies = by_kind["Reply"] | by_kind["ReplyAll"]
    assert replies
    assert all(start < end and (user, end) in sent_at for user, start, end in replies)
    copies = rows_of(
        source, "Message_v1", YESTERDAY, 2,
        columns=["isRead", "lastModifiedDateTime"], date_column="lastModifiedDateTime",
    )
    read = {(r["puser"], r["lastModifiedDateTime"]) for r in copies if r["isRead"]}
    for kind in ("MarkMessageAsRead", "ViewMessage"):  # a copy is marked read when viewed
        moments = {(user, start) for user, start, _ in by_kind[kind]}
        assert moments and moments <= read, kind


def test_meeting_answers_are_the_attendees_calendar_responses(source):
    signals = signals_of(source, "OutlookMeetingActivity_v0", (*ANSWERS, "SendMeetingRequest"))
    # An attendee answers within two days of receiving the invitation (its copy's creation).
    columns = ["createdDateTime", "isOrganizer", "responseStatus"]
    events = rows_of(source, "Event_v1", DAY - dt.timedelta(days=2), 3, columns=columns)
    responses = {
        (e["puser"], e["responseStatus"]["response"], e["responseStatus"]["time"]) for e in events
    }
    invitations = {(e["puser"], e["createdDateTime"]) for e in events if e["isOrganizer"]}
    for row in signals:
        if row["SignalType"] == "SendMeetingRequest":
            assert (row["puser"], row["StartTime"]) in invitations
        else:
            answer = (row["puser"], ANSWERS[row["SignalType"]], iso_z(row["StartTime"]))
            assert answer in responses


def test_contact_signals_are_the_address_book_changes(source):
    kinds = ("ContactCreated", "ContactUpdated")
    signals = signals_of(source, "OutlookContactActivity_v0", kinds, *CONTACT_DAYS)
    columns = ["createdDateTime", "lastModifiedDateTime"]
    contacts = rows_of(source, "Contact_v1", *CONTACT_DAYS, columns=columns)
    changes = {
        "ContactCreated": {(c["puser"], c["createdDateTime"]) for c in contacts},
        "ContactUpdated": {(c["puser"], c["lastModifiedDateTime"]) for c in contacts},
    }
    for row in signals:
        assert (row["puser"], row["StartTime"]) in changes[row["SignalType"]]
    window = request("Contact_v1", CONTACT_DAYS[0], days=CONTACT_DAYS[1]).window
    signalled = {(r["puser"], r["StartTime"]) for r in signals}
    assert settled(changes["ContactCreated"], window) <= signalled


def test_instant_messages_are_chat_messages_the_user_sent(source, tenant):
    signals = signals_of(source, "TeamsConversationActivity_v0", ("InstantMessage",))
    columns = ["SentDateTime", "Sender", "ToRecipients"]
    mail_of = {u.id: u.mail for u in tenant.users}
    sent = {
        (r["puser"], r["SentDateTime"], tuple(_address(to) for to in r["ToRecipients"]))
        for r in rows_of(source, "TeamChat_v1", YESTERDAY, 2, columns=columns)
        if _address(r["Sender"]) == mail_of[r["puser"]]
    }
    for row in signals:
        interaction = row["InteractionMetadata"]
        assert interaction["InteractionInitiatorEmail"] == mail_of[row["puser"]]
        targets = tuple(interaction["InteractionTargetEmails"])
        assert (row["puser"], row["StartTime"], targets) in sent


def _address(recipient: dict) -> str:
    return recipient["EmailAddress"]["Address"]


def test_meetings_joined_are_online_occurrences_in_the_users_calendar(source):
    signals = signals_of(source, "TeamsConversationActivity_v0", ("JoinMeeting",))
    columns = ["start", "end", "isOnlineMeeting", "isCancelled"]
    online = defaultdict(list)
    for row in rows_of(source, "CalendarView_v0", YESTERDAY, 2, columns=columns):
        if row["isOnlineMeeting"] and not row["isCancelled"]:
            online[row["puser"]].append((_utc(row["start"]), _utc(row["end"])))
    for row in signals:
        joined, left = row["StartTime"], row["EndTime"]
        assert any(start <= joined < left <= end for start, end in online[row["puser"]]), row


def _utc(date_time_time_zone: dict) -> dt.datetime:
    moment = dt.datetime.fromisoformat(date_time_time_zone["dateTime"][:19])
    return moment.replace(tzinfo=dt.timezone.utc)


@pytest.mark.parametrize(
    ("name", "kind"),
    (
        ("TeamsChannelActivity_v0", "PostChannelMessage"),
        ("TeamsConversationActivity_v0", "ReplyChannelMessage"),
    ),
)
def test_channel_posts_and_replies_happen_in_teams_the_user_belongs_to(source, tenant, name, kind):
    signals = signals_of(source, name, (kind,), days=3)
    index_of = {u.id: u.index for u in tenant.users}
    for row in signals:
        team = tenant.group(row["TeamGroupId"])
        members = tenant.valid_member_indices(team.id)
        assert team.teams_enabled and row["TeamName"] == team.display_name
        assert index_of[row["puser"]] in members
        for mentioned in row.get("Mentions") or ():  # replies mention teammates
            assert mentioned["ObjectId"] != row["puser"]
            assert index_of[mentioned["ObjectId"]] in members
    if kind == "ReplyChannelMessage":
        assert any(row["Mentions"] for row in signals)


@pytest.fixture(scope="module")
def channel_messages(source, tenant) -> dict:
    """``(team, author, SentDateTime)`` → ``(ConversationId, signal kind)`` of the messages
    sent the day before and on DAY: a thread's first post is a post, the others replies."""
    columns = ["SentDateTime", "From", "ConversationId"]
    rows = rows_of(source, "TeamsStandardChannelMessages_v0", YESTERDAY, 2, columns=columns,
                   date_column="SentDateTime")
    user_of = {u.mail: u.id for u in tenant.users}
    opened: dict[str, dt.datetime] = {}
    for row in rows:
        thread = row["ConversationId"]
        opened[thread] = min(opened.get(thread, row["SentDateTime"]), row["SentDateTime"])
    return {
        (row["pObjectId"], user_of[_address(row["From"])], row["SentDateTime"]): (
            row["ConversationId"],
            "PostChannelMessage" if row["SentDateTime"] == opened[row["ConversationId"]]
            else "ReplyChannelMessage",
        )
        for row in rows
    }


@pytest.fixture(scope="module")
def channel_details(source) -> dict:
    """``(team, channel id)`` → ``(displayName, membershipType)`` of every channel by DAY."""
    first = source.tenant.config.tenant_start
    rows = rows_of(source, "TeamsChannelDetails_v0", first, (DAY - first).days + 1,
                   columns=["id", "displayName", "membershipType"])
    return {(r["pObjectId"], r["id"]): (r["displayName"], r["membershipType"]) for r in rows}


def test_channel_post_and_reply_signals_are_the_channel_messages_their_authors_sent(
    source, channel_messages, channel_details
):
    """Same team, author and moment; a post for a thread's first message, a reply otherwise;
    every signal of a thread names one channel, a standard one of TeamsChannelDetails_v0."""
    posts = signals_of(source, "TeamsChannelActivity_v0", ("PostChannelMessage",))
    replies = signals_of(source, "TeamsConversationActivity_v0", ("ReplyChannelMessage",))
    channel_names, channel_ids = defaultdict(set), defaultdict(set)  # by ConversationId
    for row in posts + replies:
        thread, kind = channel_messages[(row["TeamGroupId"], row["puser"], row["StartTime"])]
        assert kind == row["SignalType"]
        channel_names[thread].add((row["TeamGroupId"], row["ThreadName"]))
        if kind == "ReplyChannelMessage":
            channel_ids[thread].add((row["TeamGroupId"], row["Team_Id"]))
    standard = {(team, name) for (team, _), (name, kind) in channel_details.items()
                if kind == "standard"}
    assert all(len(names) == 1 and names <= standard for names in channel_names.values())
    for thread, ids in channel_ids.items():  # replies give the channel's id (its thread)
        assert len(ids) == 1 and ids <= channel_details.keys()
        (team, name), = channel_names[thread]
        assert {(team, channel_details[i][0]) for i in ids} == {(team, name)}
    assert len(set().union(*channel_names.values())) > 2  # not only General
    # Every message sent on DAY is signalled (but those whose signal is recorded after it).
    window = request("TeamsChannelActivity_v0").window
    signalled = {(r["TeamGroupId"], r["puser"], r["StartTime"]) for r in posts + replies}
    assert settled(set(channel_messages), window) <= signalled


@pytest.mark.parametrize("team_created", (False, True))
def test_channels_created_are_the_channels_of_teams_channel_details(source, tenant, team_created):
    """Two days of channels opened by members, and the day a team opened with General."""
    sales = tenant.group_by_nickname["sales"]
    day, days = (sales.created_at.date(), 1) if team_created else (YESTERDAY, 2)
    signals = signals_of(source, "TeamsChannelActivity_v0", ("CreateChannel",), day, days)
    channels = rows_of(source, "TeamsChannelDetails_v0", day, days,
                       columns=["displayName", "createdDateTime"])
    opened = {(r["pObjectId"], r["displayName"], r["createdDateTime"]) for r in channels}
    created = {(r["TeamGroupId"], r["ThreadName"], r["StartTime"]) for r in signals}
    assert created <= opened
    assert settled(opened, request("TeamsChannelDetails_v0", day, days=days).window) <= created
    if team_created:
        general = [r for r in signals if r["TeamGroupId"] == sales.id]
        assert [(r["puser"], r["ThreadName"]) for r in general] == [
            (tenant.users[sales.owners[0]].id, "General")]


def test_a_new_hire_is_added_to_the_general_channel_of_each_older_team(source, tenant):
    hire = max((u for u in tenant.users if u.is_valid), key=lambda u: u.created_at)
    rows = rows_of(source, "TeamsChannelActivity_v0", hire.created_at.date(), 2)
    added = [r for r in rows if r["SignalType"] == "AddToChannel" and r["puser"] == hire.id]
    older_teams = {
        g.id
        for g in tenant.groups
        if g.teams_enabled
        and g.created_at < hire.created_at
        and hire.index in tenant.valid_member_indices(g.id)
    }
    assert added and {r["TeamGroupId"] for r in added} == older_teams
    assert all(r["ThreadName"] == "General" for r in added)
    member = {"MemberId": hire.id, "Name": hire.display_name}
    assert all(r["MembersAdded"] == [member] for r in added)


@pytest.mark.parametrize(
    "name", ("OutlookMailActivity_v0", "TeamsConversationActivity_v0", "OutlookContactActivity_v0")
)
def test_group_scoped_requests_hold_only_the_members_signals(source, tenant, name):
    scope = group_scope(tenant, "sales", "engineering")
    members = {u.id for u in tenant.users_in_scope(scope)}
    rows = rows_of(source, name, scope=scope, columns=["SignalType"])
    assert rows and {r["puser"] for r in rows} <= members


def test_contact_signal_days_split_a_wider_window_exactly(source):
    first, days = CONTACT_DAYS

    def keys(day: dt.date, days: int = 1) -> list:
        rows = rows_of(source, "OutlookContactActivity_v0", day, days, columns=["Id"])
        return sorted((r["Id"], r["puser"]) for r in rows)

    each_day = [keys(first + dt.timedelta(days=n)) for n in range(days)]
    assert sum(map(bool, each_day)) >= 2 and sorted(sum(each_day, [])) == keys(first, days)
