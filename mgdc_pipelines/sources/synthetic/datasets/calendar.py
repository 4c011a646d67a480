"""Event_v0/_v1, CalendarView_v0 and ConferenceRoomCalendar_v0: each calendar's copy of the
meetings its owner (a person or a conference room) is part of.

* Event_v1 holds calendar *items* (one-off events and series masters), range-filtered on
  when the item was created or last modified: an invitation is created up to two weeks before
  the meeting, so the generator looks that far past the window.
* CalendarView_v0 holds *occurrences* (series expanded), those that start at or after the
  window's start and end at or before its end.
* ConferenceRoomCalendar_v0 holds the same occurrences in room mailboxes' calendars: each
  room accepted its bookings when invited.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from mgdc_pipelines.sources.synthetic.activity.meeting_text import MeetingContent
from mgdc_pipelines.sources.synthetic.activity.meetings import (
    MAX_LEAD,
    MAX_SERIES_WEEKS,
    RESPONSE_GRACE,
    Meeting,
)
from mgdc_pipelines.sources.synthetic.activity.rooms import RoomMailbox, room_bookings
from mgdc_pipelines.sources.synthetic.batches import iso_z
from mgdc_pipelines.sources.synthetic.datasets.base import Generator, RowContext, Unit
from mgdc_pipelines.sources.synthetic.datasets.pascal import pascal_version
from mgdc_pipelines.sources.synthetic.identifiers import (
    attachment_id,
    change_key,
    item_id,
    web_link,
)
from mgdc_pipelines.sources.synthetic.people import User
from mgdc_pipelines.sources.synthetic.randomness import rng_for, stable_guid
from mgdc_pipelines.sources.synthetic.shapes import utc_date_time

CALENDAR = "calendar"
ORGANIZER_STATUS_TIME = "0001-01-01T00:00:00Z"
AGENDA_BYTES = "UEsDBBQABgAIAAAAIQ=="  # a short stand-in for the document's bytes


@dataclass(frozen=True, slots=True)
class CalendarCopy:
    """One calendar's item for a meeting (or one occurrence of a series)."""

    meeting: Meeting
    owner: User | RoomMailbox
    created: dt.datetime
    modified: dt.datetime
    response: str
    answered: dt.datetime | None
    occurrence: tuple[dt.datetime, dt.datetime] | None = None  # CalendarView: this occurrence

    @property
    def is_organizer(self) -> bool:
        return self.owner.index == self.meeting.organizer

    def date_value(self, column: str) -> dt.datetime:
        return self.created if column == "createdDateTime" else self.modified


def calendar_copy(ctx: RowContext, meeting: Meeting, owner: User, occurrence=None) -> CalendarCopy:
    if owner.index == meeting.organizer:
        return CalendarCopy(
            meeting, owner, meeting.created, meeting.modified, "organizer", None, occurrence
        )
    reply = ctx.activity.meeting_text.reply_of(meeting, owner.index)
    return CalendarCopy(
        meeting, owner, reply.received, reply.modified, reply.response, reply.answered, occurrence
    )


def event_rows(ctx: RowContext, user: User) -> Iterator[dict]:
    """Event_v1: items created / modified in the window (one-offs and series masters)."""
    window, meetings = ctx.window, ctx.activity.meetings
    starts = (window.start - RESPONSE_GRACE, window.end + MAX_LEAD)
    candidates = [
        *meetings.mailbox_singles(user, *starts),
        *meetings.mailbox_recurring(user, *starts),
        *meetings.series_of(user.index),
    ]
    copies = [calendar_copy(ctx, m, user) for m in candidates]
    kept = [c for c in copies if window.start <= c.date_value(ctx.date_column) < window.end]
    kept.sort(key=lambda c: (c.date_value(ctx.date_column), c.meeting.key))
    for copy in kept:
        yield event_row(ctx, copy)


def calendar_view_rows(ctx: RowContext, user: User) -> Iterator[dict]:
    """CalendarView_v0: occurrences that start and end inside the window."""
    for copy in calendar_view_copies(ctx, user):
        yield event_row(ctx, copy)


def calendar_view_copies(ctx: RowContext, user: User) -> list[CalendarCopy]:
    """The user's calendar items (series: occurrences) that start and end inside the window,
    in start order."""
    window, meetings = ctx.window, ctx.activity.meetings
    copies = [
        calendar_copy(ctx, m, user)
        for m in meetings.mailbox_singles(user, window.start, window.end)
        if m.start >= window.start and m.end <= window.end
    ]
    first_from = window.start - dt.timedelta(weeks=MAX_SERIES_WEEKS)
    for series in (
        *meetings.series_of(user.index),
        *meetings.mailbox_recurring(user, first_from, window.end),
    ):
        for occurrence in series.occurrences(max(window.start, series.start), window.end):
            copies.append(calendar_copy(ctx, series, user, occurrence))
    copies.sort(key=lambda c: (_start_of(c), c.meeting.key))
    return copies


def conference_room_rows(ctx: RowContext, room: RoomMailbox) -> Iterator[dict]:
    """ConferenceRoomCalendar_v0: the room's bookings that start and end inside the window."""
    for meeting, occurrence in room_bookings(ctx.activity, room, ctx.window.start, ctx.window.end):
        copy = CalendarCopy(meeting, room, meeting.created, meeting.modified, "accepted", meeting.created, occurrence)
        yield event_row(ctx, copy)


def _start_of(copy: CalendarCopy) -> dt.datetime:
    return copy.occurrence[0] if copy.occurrence else copy.meeting.start


def event_row(ctx: RowContext, copy: CalendarCopy) -> dict:
    meeting, owner = copy.meeting, copy.owner
    content: MeetingContent = ctx.activity.meeting_text.content_of(meeting)
    master = item_id(owner.mailbox_guid, CALENDAR, *meeting.key)
    start, end = copy.occurrence or (meeting.start, meeting.end)
    item = (
        item_id(owner.mailbox_guid, CALENDAR, *meeting.key, start.isoformat())
        if copy.occurrence
        else master
    )
    organizer_office = ctx.tenant.users[meeting.organizer].office
    rng = rng_for(ctx.seed, "calendar-item", owner.index, *meeting.key)
    subject = (
        f"Canceled: {meeting.subject}"
        if meeting.is_cancelled and not copy.is_organizer
        else meeting.subject
    )
    return {
        "id": item,
        "allowNewTimeProposals": not meeting.is_series,
        "createdDateTime": copy.created,
        "lastModifiedDateTime": copy.modified,
        "changeKey": change_key(item, copy.modified),
        "categories": ["Blue category"] if rng.random() < 0.05 else [],
        "originalStartTimeZone": organizer_office.windows_time_zone,
        "originalEndTimeZone": organizer_office.windows_time_zone,
        "responseStatus": {
            "response": copy.response,
            "time": iso_z(copy.answered) if copy.answered else ORGANIZER_STATUS_TIME,
        },
        "iCalUId": content.ical_uid,
        "reminderMinutesBeforeStart": 15 if not meeting.is_all_day else 1080,
        "isOnlineMeeting": meeting.is_online,
        "isReminderOn": not meeting.is_all_day or rng.random() < 0.5,
        "hasAttachments": content.agenda is not None,
        "subject": subject,
        "body": content.body,
        "importance": meeting.importance,
        "sensitivity": meeting.sensitivity,
        "start": utc_date_time(start),
        "end": utc_date_time(end),
        "location": content.location,
        "isAllDay": meeting.is_all_day,
        "isCancelled": meeting.is_cancelled,
        "isOrganizer": copy.is_organizer,
        "onlineMeeting": content.online_meeting,
        "onlineMeetingProvider": "teamsForBusiness" if meeting.is_online else "unknown",
        "recurrence": content.recurrence if not copy.occurrence else None,
        "responseRequested": bool(meeting.attendees or meeting.guests),
        "showAs": _show_as(meeting, copy.response),
        "transactionId": (
            stable_guid("transaction", ctx.seed, *meeting.key) if copy.is_organizer else None
        ),
        "type": (
            "occurrence"
            if copy.occurrence
            else "seriesMaster" if meeting.is_series else "singleInstance"
        ),
        "attendees": content.attendees,
        "organizer": content.organizer,
        "webLink": web_link(item, "path=/calendar/item"),
        "attachments": _agenda(item, content, copy.created),
        "bodyPreview": content.preview,
        "locations": content.locations,
        "onlineMeetingUrl": content.join_url,
        "originalStart": start if copy.occurrence else None,
        "seriesMasterId": master if copy.occurrence else None,
        "ODataType": ctx.odata_type,
    }


def _show_as(meeting: Meeting, response: str) -> str:
    if response == "tentativelyAccepted" or response == "none":
        return "tentative"
    if response == "declined" or meeting.is_cancelled:
        return "free"
    return meeting.show_as


def _agenda(item: str, content: MeetingContent, created: dt.datetime) -> list[dict]:
    if content.agenda is None:
        return []
    name, mime, size = content.agenda
    return [
        {
            "id": attachment_id(item, 0),
            "lastModifiedDateTime": iso_z(created),
            "name": name,
            "contentType": mime,
            "size": size,
            "isInline": False,
            "contentId": None,
            "contentLocation": None,
            "contentBytes": AGENDA_BYTES,
            "ODataType": "#microsoft.graph.fileAttachment",
        }
    ]


EVENT_V1 = Generator("Event_v1", Unit.USER, event_rows)

GENERATORS = (
    EVENT_V1,
    Generator("CalendarView_v0", Unit.USER, calendar_view_rows),
    pascal_version("Event_v0", EVENT_V1),
    Generator("ConferenceRoomCalendar_v0", Unit.ROOM, conference_room_rows),
)
