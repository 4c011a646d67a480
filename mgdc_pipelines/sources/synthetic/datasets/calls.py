"""TeamsCallRecords_v1: a record of every Teams call a user took part in, in their mailbox.

Two kinds of calls:

* online meetings: every occurrence of an online, not cancelled meeting of the calendar
  (one-offs and series) is a group call. The organizer joins; each attendee joins unless they
  declined the invitation, and then with a high probability. Start, end and the record's
  creation are the same for everyone, so the record matches across participants' mailboxes
  and ``ICalUid`` is the meeting's ``iCalUId`` in Event_v1 / CalendarView_v0.
* ad-hoc calls: on working days people call someone in their audience, peer to peer.

A user gets a row for each call they joined, created a few minutes after the call ended.

>>> _identity("5f1c", "Ann Lee", "884d")
{'user': {'id': '5f1c', 'displayName': 'Ann Lee', 'tenantId': '884d'}}
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from mgdc_pipelines.sources.synthetic.activity.meetings import MAX_SERIES_WEEKS, Meeting
from mgdc_pipelines.sources.synthetic.activity.timing import activity_level, send_minute
from mgdc_pipelines.sources.synthetic.batches import iso_z
from mgdc_pipelines.sources.synthetic.datasets.base import Generator, RowContext, Unit
from mgdc_pipelines.sources.synthetic.identifiers import ical_uid, item_id
from mgdc_pipelines.sources.synthetic.people import User
from mgdc_pipelines.sources.synthetic.randomness import chance, poisson, rng_for, stable_guid

RECORD_DELAY_S = (60, 900)  # the record is written this long after the call ends
LOOKBACK = dt.timedelta(hours=4)  # longer than any online meeting plus the record's delay
JOIN_SHARE = 0.85  # attendees who did not decline and still join
CALLS_PER_WORKDAY = 0.4
MODALITIES = ["audio", "video", "screenSharing"]


@dataclass(frozen=True, slots=True)
class Call:
    key: tuple
    organizer: User
    joined: tuple[User, ...]  # employees who took part, organizer first
    guests: tuple[str, ...]  # outside participants' display names
    start: dt.datetime
    end: dt.datetime
    created: dt.datetime
    meeting: Meeting | None  # None for ad-hoc calls


def call_record_rows(ctx: RowContext, user: User) -> Iterator[dict]:
    """The user's call records created in the window, by creation time."""
    window = ctx.window
    calls = [*_meeting_calls(ctx, user), *_adhoc_calls(ctx, user)]
    kept = [c for c in calls if window.start <= c.created < window.end and _joined(c, user)]
    kept.sort(key=lambda c: (c.created, c.key))
    for call in kept:
        yield _row(ctx, user, call)


def _meeting_calls(ctx: RowContext, user: User) -> Iterator[Call]:
    meetings, start, end = ctx.activity.meetings, ctx.window.start - LOOKBACK, ctx.window.end
    for meeting in meetings.mailbox_singles(user, start, end):
        if start <= meeting.start < end:
            yield from _online_call(ctx, meeting, meeting.start, meeting.end)
    first_from = start - dt.timedelta(weeks=MAX_SERIES_WEEKS)
    for series in (*meetings.series_of(user.index), *meetings.mailbox_recurring(user, first_from, end)):
        for occurrence_start, occurrence_end in series.occurrences(max(start, series.start), end + LOOKBACK):
            if occurrence_start < end:
                yield from _online_call(ctx, series, occurrence_start, occurrence_end)


def _online_call(ctx: RowContext, meeting: Meeting, start: dt.datetime, end: dt.datetime) -> Iterator[Call]:
    if not meeting.is_online or meeting.is_cancelled or not (meeting.attendees or meeting.guests):
        return
    key = ("meeting", *meeting.key, int(start.timestamp()))
    rng = rng_for(ctx.seed, "call", *key)
    users, replies = ctx.tenant.users, ctx.activity.meeting_text
    joined = [users[meeting.organizer]] + [
        users[index] for index in meeting.attendees
        if replies.reply_of(meeting, index).response != "declined" and chance(rng, JOIN_SHARE)
    ]
    began = start + dt.timedelta(seconds=rng.randint(0, 180))
    ended = end + dt.timedelta(seconds=rng.randint(-300, 300))
    created = ended + dt.timedelta(seconds=rng.randint(*RECORD_DELAY_S))
    yield Call(key, users[meeting.organizer], tuple(joined), tuple(g.name for g in meeting.guests),
               began, ended, created, meeting)


def _adhoc_calls(ctx: RowContext, user: User) -> Iterator[Call]:
    """Ad-hoc calls the user placed or received (callers are in ``potential_senders``)."""
    tenant, start = ctx.tenant, ctx.window.start - LOOKBACK
    for caller_index in (user.index, *tenant.potential_senders(user.index)):
        caller = tenant.users[caller_index]
        for day in caller.office.local_days(start, ctx.window.end):
            for call in _calls_placed(ctx, caller, day):
                if _joined(call, user):
                    yield call


def _calls_placed(ctx: RowContext, caller: User, day: dt.date) -> Iterator[Call]:
    tenant = ctx.tenant
    if not caller.is_valid or not caller.office.is_workday(day) or day <= caller.created_at.date():
        return
    rng = rng_for(ctx.seed, "adhoc-calls", caller.index, day.toordinal())
    audience = tenant.audience(caller.index)
    if not audience.members:
        return
    for number in range(poisson(rng, CALLS_PER_WORKDAY * activity_level(ctx.seed, caller))):
        began = caller.office.to_utc(day, send_minute(rng, caller.office, 0.05)).replace(microsecond=0)
        callee = tenant.users[rng.choices(audience.members, cum_weights=audience.cum_weights)[0]]
        ended = began + dt.timedelta(seconds=rng.randint(60, 1800))
        created = ended + dt.timedelta(seconds=rng.randint(*RECORD_DELAY_S))
        if callee.created_at < began:
            yield Call(("adhoc", caller.index, day.toordinal(), number), caller, (caller, callee), (),
                       began, ended, created, None)


def _joined(call: Call, user: User) -> bool:
    return any(person.index == user.index for person in call.joined)


def _row(ctx: RowContext, user: User, call: Call) -> dict:
    tenant_id = ctx.tenant.directory_id
    communication = stable_guid("call-record", ctx.seed, *call.key)
    people = [_identity(p.id, p.display_name, tenant_id) for p in call.joined]
    people += [_identity(None, name, None) for name in call.guests]
    online = call.meeting is not None
    return {
        "CreatedDateTime": call.created,
        "Organizer": _identity(call.organizer.id, call.organizer.display_name, tenant_id),
        "Attendees": people,
        "StartTime": call.start,
        "EndTime": call.end,
        "CommunicationId": communication,
        "ICalUid": ical_uid(ctx.seed, *call.meeting.key) if online else None,
        "Id": item_id(user.mailbox_guid, "teamscallrecords", *call.key),
        "CommunicationType": "groupCall" if online else "peerToPeer",
        "CommunicationSubType": "OnlineMeeting" if online else "AdHocCall",
        "ThreadId": f"19:meeting_{communication.replace('-', '')}@thread.v2" if online else
                    f"19:{call.joined[0].id}_{call.joined[1].id}@unq.gbl.spaces",
        "Content": [_session(communication, position, call, online) for position in range(len(people))],
    }


def _session(communication: str, position: int, call: Call, online: bool) -> dict:
    """One participant's leg of the call (Graph's ``callRecords.session``, trimmed)."""
    return {
        "id": stable_guid("call-session", communication, position),
        "modalities": MODALITIES[:2] if online else MODALITIES[:1],
        "startDateTime": iso_z(call.start),
        "endDateTime": iso_z(call.end),
    }


def _identity(object_id: str | None, name: str, tenant_id: str | None) -> dict:
    """Graph's ``identitySet`` with its ``user`` identity."""
    return {"user": {"id": object_id, "displayName": name, "tenantId": tenant_id}}


GENERATORS = (Generator("TeamsCallRecords_v1", Unit.USER, call_record_rows),)
