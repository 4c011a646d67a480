"""The activity-signal datasets: what users did in Outlook and Teams, as Substrate signals.

Signals are derived from the rest of the tenant, so they tell the same story:

* OutlookMailActivity_v0, from each mailbox copy (``datasets/mail.py``): the sender's
  ``MessageSent`` at ``sentDateTime`` (``Reply``/``ReplyAll`` too for a reply, from the draft's
  creation), the recipient's ``ViewMessage`` and ``MarkMessageAsRead`` when the copy was read
  (its ``lastModifiedDateTime``), ``Flag``/``FlagComplete`` for flagged copies;
* OutlookMeetingActivity_v0, from each calendar copy: the organizer's ``SendMeetingRequest``
  (``CreateCalendarItem`` for a personal block) and ``CancelMeeting``; each attendee's
  ``ReceiveCalendarItem`` and answer at the time their Event_v1 ``responseStatus`` shows;
* OutlookContactActivity_v0, from Contact_v1: ``ContactCreated``/``ContactUpdated``;
* TeamsConversationActivity_v0 (chats, meetings joined, channel replies) and
  TeamsChannelActivity_v0 (channel posts, channels created, members added): see
  ``activity/teams_signals.py``.

A partition holds the signals *recorded* (CreationTime) in its window.

>>> from mgdc_pipelines.sources import ExtractRequest, Scope, TimeWindow
>>> from mgdc_pipelines.catalog import get_dataset
>>> from mgdc_pipelines.sources.synthetic import SyntheticSource, TenantConfig
>>> dataset = get_dataset("OutlookMeetingActivity_v0")
>>> day = TimeWindow.for_day(dt.date(2026, 11, 19))
>>> request = ExtractRequest(dataset, dataset.column_names, "CreationTime", day, Scope.everyone(),
...                          "5b1c2c58-6a53-4f55-9d3f-2a0a1f0e7e11", 4096)
>>> rows = [r for b in SyntheticSource(TenantConfig(seed=7, users=20)).extract(request)
...         for r in b.to_pylist()]
>>> "SendMeetingRequest" in {r["SignalType"] for r in rows}
True
>>> all(day.contains(r["CreationTime"]) for r in rows)
True
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from functools import partial

from mgdc_pipelines.sources.synthetic.activity import teams_signals
from mgdc_pipelines.sources.synthetic.activity.channels import Channel, ChannelPost
from mgdc_pipelines.sources.synthetic.activity.chats import ChatMessage
from mgdc_pipelines.sources.synthetic.activity.meetings import MAX_LEAD, RESPONSE_GRACE, Meeting
from mgdc_pipelines.sources.synthetic.activity.signals import (
    MAX_RECORDING_DELAY,
    MEETING_APPS,
    OUTLOOK_APPS,
    Signal,
    client_of,
    signal,
)
from mgdc_pipelines.sources.synthetic.datasets.base import Generator, RowContext, Unit
from mgdc_pipelines.sources.synthetic.datasets.contacts import contact_rows
from mgdc_pipelines.sources.synthetic.datasets.mail import COLUMN_LAG, MailboxCopy, mailbox_copy
from mgdc_pipelines.sources.synthetic.identifiers import item_id
from mgdc_pipelines.sources.synthetic.people import User
from mgdc_pipelines.sources.synthetic.randomness import rng_for

SIGNALS_FOLDER = "signals"  # where the Substrate keeps a mailbox's signals (ids only)
# ItemType values as the doc samples spell them (mail and contact samples say "Message").
MESSAGE_ITEM = "Message"
CALENDAR_ITEM = "Microsoft.OutlookServices.SignalItemType'Calendar'"
TEAMS_MESSAGE_ITEM = "Microsoft.OutlookServices.SignalItemType'Message'"
CHANNEL_ITEM = "Microsoft.OutlookServices.SignalItemType'Channel'"
TEAMS_APP = "Teams"
VIEW_SECONDS = (4, 240)  # how long a message stays open when read
# A read, flag or reply is recorded at most this long after the message was sent.
MAIL_LOOKBACK = COLUMN_LAG["lastModifiedDateTime"][1] + dt.timedelta(seconds=VIEW_SECONDS[1])
ANSWERS = {
    "accepted": "AcceptedMeetingRequest",
    "tentativelyAccepted": "TentativeMeetingRequest",
    "declined": "DeclinedMeetingRequest",
}
FLAGS = {"flagged": "Flag", "complete": "FlagComplete"}
ADMIN = 0  # the CEO's account administers the tenant

Found = tuple[Signal, Callable[[], dict]]  # a signal, and the columns only its kind carries


# --- Outlook ---------------------------------------------------------------------------------


def mail_activity_rows(ctx: RowContext, user: User) -> Iterator[dict]:
    sent_from = ctx.window.start - MAIL_LOOKBACK - MAX_RECORDING_DELAY
    found = []
    for message in ctx.activity.mail.mailbox_messages(user, sent_from, ctx.window.end):
        if sent_from <= message.sent_at < ctx.window.end:
            copy = mailbox_copy(ctx.seed, message, user)
            found += [(s, _outlook(ctx, user, s, MESSAGE_ITEM)) for s in _mail_signals(ctx, copy)]
    return _rows(ctx, user, found)


def _mail_signals(ctx: RowContext, copy: MailboxCopy) -> Iterator[Signal]:
    message, owner, seed = copy.message, copy.owner, ctx.seed
    key = message.key
    if copy.is_sent_copy:
        yield signal(seed, owner, "MessageSent", key, message.sent_at)
        if message.position:
            kind = "ReplyAll" if message.cc else "Reply"
            yield signal(seed, owner, kind, key, copy.created, message.sent_at)
    elif copy.is_read:
        seconds = rng_for(seed, "view-message", owner.index, *key).randint(*VIEW_SECONDS)
        yield signal(seed, owner, "MarkMessageAsRead", key, copy.modified)
        closed = copy.modified + dt.timedelta(seconds=seconds)
        yield signal(seed, owner, "ViewMessage", key, copy.modified, closed)
    status = copy.flag["flagStatus"].split("'")[1]  # microsoft.graph.followupFlagStatus'flagged'
    if status in FLAGS:
        yield signal(seed, owner, FLAGS[status], key, copy.modified)


def meeting_activity_rows(ctx: RowContext, user: User) -> Iterator[dict]:
    window, meetings = ctx.window, ctx.activity.meetings
    # Signals come between an invitation's creation and its (first) start plus the grace.
    starts = (window.start - RESPONSE_GRACE - MAX_RECORDING_DELAY, window.end + MAX_LEAD)
    calendar = (
        *meetings.mailbox_singles(user, *starts),
        *meetings.mailbox_recurring(user, *starts),
        *meetings.series_of(user.index),
    )
    found = [
        (s, _outlook(ctx, user, s, CALENDAR_ITEM, MEETING_APPS))
        for meeting in calendar
        for s in _meeting_signals(ctx, meeting, user)
    ]
    return _rows(ctx, user, found)


def _meeting_signals(ctx: RowContext, meeting: Meeting, user: User) -> Iterator[Signal]:
    seed, key = ctx.seed, meeting.key
    if user.index == meeting.organizer:
        invites = meeting.attendees or meeting.guests
        kind = "SendMeetingRequest" if invites else "CreateCalendarItem"
        yield signal(seed, user, kind, key, meeting.created)
        if meeting.is_cancelled:
            yield signal(seed, user, "CancelMeeting", key, meeting.modified)
        return
    reply = ctx.activity.meeting_text.reply_of(meeting, user.index)
    yield signal(seed, user, "ReceiveCalendarItem", key, reply.received)
    if reply.answered is not None:
        yield signal(seed, user, ANSWERS[reply.response], key, reply.answered)


def contact_activity_rows(ctx: RowContext, user: User) -> Iterator[dict]:
    """Contact_v1 as of the window's end holds every contact created or edited before it."""
    found = []
    for contact in contact_rows(ctx, user):
        created, modified = contact["createdDateTime"], contact["lastModifiedDateTime"]
        key = (contact["id"],)
        signals = [signal(ctx.seed, user, "ContactCreated", key, created)]
        if modified != created:
            signals.append(signal(ctx.seed, user, "ContactUpdated", key, modified))
        found += [(s, _outlook(ctx, user, s, MESSAGE_ITEM)) for s in signals]
    return _rows(ctx, user, found)


def _outlook(
    ctx: RowContext, user: User, sig: Signal, item_type: str, apps: tuple[str, ...] = OUTLOOK_APPS
) -> Callable[[], dict]:
    def columns() -> dict:
        app, session = client_of(ctx.seed, user, apps, sig)
        return {
            "ItemType": item_type,
            "AppName": app,
            "ClientSessionId": session,
            "MailboxGuid": user.mailbox_guid,
            "TenantName": f"{ctx.tenant.sharepoint_name}.onmicrosoft.com",
            "OId": user.id,
        }

    return columns


# --- Teams -----------------------------------------------------------------------------------


def conversation_activity_rows(ctx: RowContext, user: User) -> Iterator[dict]:
    span = (ctx.activity, user, ctx.window.start, ctx.window.end)
    found: list[Found] = [
        (s, partial(_chat_columns, ctx, user, s, message))
        for s, message in teams_signals.chat_signals(*span)
    ]
    found += [
        (s, partial(_joined_columns, ctx, user, meeting))
        for s, meeting in teams_signals.meeting_signals(*span)
    ]
    found += [
        (s, partial(_reply_columns, ctx, user, post))
        for s, post in teams_signals.posting_signals(*span, replies=True)
    ]
    return _rows(ctx, user, found)


def _chat_columns(ctx: RowContext, user: User, sig: Signal, message: ChatMessage) -> dict:
    users, chat = ctx.tenant.users, message.chat
    author = users[message.author]
    targets = [users[i] for i in message.recipients()]
    reacted = sig.kind == "ReactedWithEmoji"
    return {
        **_teams_columns(user, TEAMS_MESSAGE_ITEM),
        "ThreadType": "OneOnOneChat" if chat.topic is None else "GroupChat",
        "ThreadName": chat.topic,
        "Team_Id": chat.thread_id,
        "Emotion": teams_signals.emotion(ctx.seed, user, message) if reacted else None,
        "InteractionMetadata": None if reacted else {
            "InteractionInitiatorEmail": author.mail,
            "InteractionInitiatorName": author.display_name,
            "InteractionSubType": "OneToOneChat" if chat.topic is None else "GroupChat",
            "InteractionTargetEmails": [t.mail for t in targets],
            "InteractionTargetNames": [t.display_name for t in targets],
            "InteractionType": sig.kind,
            "IsTruncated": False,
        },
    }


def _joined_columns(ctx: RowContext, user: User, meeting: Meeting) -> dict:
    return {**_teams_columns(user, None), "ThreadType": "Meeting", "ThreadName": meeting.subject}


def _reply_columns(ctx: RowContext, user: User, post: ChannelPost) -> dict:
    users = ctx.tenant.users
    mentioned = teams_signals.mentions(ctx.activity, post)
    return {
        **_teams_columns(user, TEAMS_MESSAGE_ITEM),
        **_channel_names(ctx, post.channel),
        "Team_Id": post.channel.id,  # the channel's thread
        "Mentions": [
            {"DisplayName": users[i].given_name, "ObjectId": users[i].id} for i in mentioned
        ],
    }


def _channel_names(ctx: RowContext, channel: Channel) -> dict:
    """The channel's name and its team's (the same channel as TeamsChannelDetails_v0's)."""
    team = ctx.tenant.group(channel.team)
    return {
        "ThreadName": channel.display_name,
        "TeamGroupId": team.id,
        "TeamName": team.display_name,
    }


def _teams_columns(user: User, item_type: str | None) -> dict:
    return {
        "ItemType": item_type,
        "AppName": TEAMS_APP,
        "User_TenantRole": "Admin" if user.index == ADMIN else "Regular",
    }


def channel_activity_rows(ctx: RowContext, user: User) -> Iterator[dict]:
    span = (ctx.activity, user, ctx.window.start, ctx.window.end)
    found: list[Found] = [
        (s, partial(_channel_columns, ctx, user, s, channel))
        for s, channel in teams_signals.channel_signals(*span)
    ]
    return _rows(ctx, user, found)


def _channel_columns(ctx: RowContext, user: User, sig: Signal, channel: Channel) -> dict:
    added = sig.kind == "AddToChannel"
    return {
        "ItemType": CHANNEL_ITEM if sig.kind != "PostChannelMessage" else TEAMS_MESSAGE_ITEM,
        "AppName": TEAMS_APP,
        **_channel_names(ctx, channel),
        "MembersAdded": [{"MemberId": user.id, "Name": user.display_name}] if added else None,
    }


# --- rows ------------------------------------------------------------------------------------


def _rows(ctx: RowContext, user: User, found: Iterable[Found]) -> Iterator[dict]:
    """The signals recorded in the window, in the order they were recorded."""
    rows = [
        {**_signal_columns(ctx, user, sig), **columns()}
        for sig, columns in found
        if ctx.window.contains(sig.recorded)
    ]
    rows.sort(key=lambda row: (row["CreationTime"], row["Id"]))
    return iter(rows)


def _signal_columns(ctx: RowContext, user: User, sig: Signal) -> dict:
    return {
        "SignalType": sig.kind,
        "Id": item_id(user.mailbox_guid, SIGNALS_FOLDER, sig.kind, *sig.key),
        "StartTime": sig.start,
        "CreationTime": sig.recorded,
        "EndTime": sig.end,
        "AadTenantId": ctx.tenant.directory_id,
    }


GENERATORS = (
    Generator("OutlookContactActivity_v0", Unit.USER, contact_activity_rows),
    Generator("OutlookMailActivity_v0", Unit.USER, mail_activity_rows),
    Generator("OutlookMeetingActivity_v0", Unit.USER, meeting_activity_rows),
    Generator("TeamsChannelActivity_v0", Unit.USER, channel_activity_rows),
    Generator("TeamsConversationActivity_v0", Unit.USER, conversation_activity_rows),
)
