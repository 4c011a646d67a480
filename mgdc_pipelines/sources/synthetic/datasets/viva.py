"""Viva Insights person queries: one row per employee per day, computed from the tenant's activity.

A Viva Insights query's columns are declared by the spec (``catalog/viva.py``); the synthetic
tenant fills the person-query metrics of Microsoft's sample (``PERSON_QUERY_COLUMNS``) from the
very mail, meetings and chats the other datasets hold, so a metric can be checked against them:
``CollaborationHoursMeetings`` is the length of the meetings the person attended that day in
CalendarView_v0, ``CollaborationHoursEmails`` counts their SentItem_v1 and received mail.

The day is the person's local calendar day whose date is the partition's (as Viva reports
it); ``MetricDate`` is that date at 00:00 UTC. Viva's own weights are not public in full; these
are the documented rules of thumb, as constants below. Calls other than meetings are not
simulated: the call-hour metrics are 0.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from mgdc_pipelines.catalog.types import parse_type
from mgdc_pipelines.catalog.viva import PERSON_QUERY_COLUMNS
from mgdc_pipelines.sources.base import TimeWindow
from mgdc_pipelines.sources.synthetic.datasets.base import Generator, RowContext, Unit
from mgdc_pipelines.sources.synthetic.datasets.calendar import CalendarCopy, calendar_view_copies
from mgdc_pipelines.sources.synthetic.people import User
from mgdc_pipelines.sources.synthetic.randomness import stable_guid

EMAIL_SENT_HOURS = 5 / 60  # Viva: five minutes per email sent...
EMAIL_READ_HOURS = 2.5 / 60  # ...and two and a half per email read
CHAT_SENT_HOURS = 0.5 / 60  # thirty seconds per chat message sent...
CHAT_READ_HOURS = 0.25 / 60  # ...fifteen per message received
FOCUS_BLOCK = dt.timedelta(hours=2)  # focus hours: free blocks of two hours or more
UNINTERRUPTED_BLOCK = dt.timedelta(hours=1)  # uninterrupted hours: free blocks of an hour or more
ATTENDED = frozenset({"organizer", "accepted", "tentativelyAccepted"})
_HOUR = dt.timedelta(hours=1)


class UnsupportedVivaQueryError(ValueError):
    """A declared Viva query column the synthetic tenant cannot fill."""


@dataclass(frozen=True)
class _Day:
    """One person's local working day and what happened in it."""

    user: User
    start: dt.datetime  # local midnight, in UTC
    end: dt.datetime
    meetings: Sequence[CalendarCopy]
    emails: Sequence[tuple[dt.datetime, bool, bool]]  # (sent at, sent by them, external party)
    chats: Sequence[tuple[dt.datetime, bool]]  # (sent at, sent by them)

    def working_period(self) -> tuple[dt.datetime, dt.datetime] | None:
        office, day = self.user.office, self.start.astimezone(self.user.office.zone).date()
        if not office.is_workday(day):
            return None
        return office.to_utc(day, office.workday_start_minute), office.to_utc(day, office.workday_end_minute)


def person_query_rows(ctx: RowContext, _tenant: None) -> Iterator[dict]:
    """One row per valid employee per day of the window, in (day, user) order."""
    check_declared_columns(ctx)
    day = ctx.window.start.date()
    while dt.datetime.combine(day, dt.time(), dt.timezone.utc) < ctx.window.end:
        metric_date = dt.datetime.combine(day, dt.time(), dt.timezone.utc)
        for user in ctx.tenant.users:
            if user.is_valid and user.created_at.date() < day:
                yield _metrics_row(ctx, _person_day(ctx, user, day), metric_date)
        day += dt.timedelta(days=1)


def check_declared_columns(ctx: RowContext) -> None:
    """Every declared column must be a person-query column of the same type."""
    for column in ctx.request.dataset.columns:
        known = PERSON_QUERY_COLUMNS.get(column.name)
        if known is None or parse_type(known) != column.type:
            raise UnsupportedVivaQueryError(
                f"{ctx.request.dataset.name}: the synthetic tenant cannot fill column "
                f"{column.name!r} ({column.notation}); it fills Microsoft's person-query columns: "
                + ", ".join(f"{name} {notation}" for name, notation in PERSON_QUERY_COLUMNS.items())
            )


def _person_day(ctx: RowContext, user: User, day: dt.date) -> _Day:
    start = user.office.to_utc(day, 0)
    end = user.office.to_utc(day + dt.timedelta(days=1), 0)
    day_ctx = dataclasses.replace(
        ctx, request=dataclasses.replace(ctx.request, window=TimeWindow(start, end))
    )
    meetings = [
        copy for copy in calendar_view_copies(day_ctx, user)
        if copy.response in ATTENDED and not copy.meeting.is_cancelled
        and not copy.meeting.is_all_day and len(copy.meeting.attendees) + len(copy.meeting.guests) >= 1
    ]
    emails = [
        (m.sent_at, m.sender.user == user.index, _has_outsider(m))
        for m in ctx.activity.mail.mailbox_messages(user, start, end)
        if start <= m.sent_at < end
    ]
    chats = [
        (m.sent_at, m.author == user.index)
        for m in ctx.activity.chats.mailbox_messages(user, start, end)
        if start <= m.sent_at < end
    ]
    return _Day(user, start, end, meetings, emails, chats)


def _has_outsider(message) -> bool:
    parties = (message.sender, *message.to, *message.cc, *message.bcc)
    return any(party.user is None and party.group is None for party in parties)


def _metrics_row(ctx: RowContext, day: _Day, metric_date: dt.datetime) -> dict:
    period = day.working_period()
    spans = [_span(copy) for copy in day.meetings]
    meeting_hours = sum((end - start) / _HOUR for start, end in spans)
    after_meetings = sum(_outside(start, end, period) / _HOUR for start, end in spans)
    email_hours = _weighted(day.emails, EMAIL_SENT_HOURS, EMAIL_READ_HOURS)
    after_email = _weighted([e for e in day.emails if _is_after(e[0], period)], EMAIL_SENT_HOURS, EMAIL_READ_HOURS)
    chat_hours = _weighted(day.chats, CHAT_SENT_HOURS, CHAT_READ_HOURS)
    after_chat = _weighted([c for c in day.chats if _is_after(c[0], period)], CHAT_SENT_HOURS, CHAT_READ_HOURS)
    user, users = day.user, ctx.tenant.users
    manager = user.manager
    skip_level = users[manager].manager if manager is not None else None
    sent_moments = [at for at, by_them, *_ in (*day.emails, *day.chats) if by_them]
    free = _free_blocks(spans, period)
    return {
        "ObjectId": user.id,
        "MetricDate": metric_date,
        "AfterHoursCollaboration": after_meetings + after_email + after_chat,
        "AfterHoursCollaborationMeetings": after_meetings,
        "AfterHoursCollaborationEmails": after_email,
        "AfterHoursCollaborationInstantMessages": after_chat,
        "AfterHoursCollaborationScheduledCalls": 0.0,
        "AfterHoursCollaborationAdhocCalls": 0.0,
        "CollaborationHours": meeting_hours + email_hours + chat_hours,
        "MultitaskingMeetingHours": sum(
            (end - start) / _HOUR for start, end in spans
            if any(start <= at < end for at in sent_moments)
        ),
        "CollaborationHoursMeetings": meeting_hours,
        "CollaborationHoursEmails": email_hours,
        "CollaborationHoursExternal": sum(
            (end - start) / _HOUR for (start, end), copy in zip(spans, day.meetings) if copy.meeting.guests
        ) + _weighted([e for e in day.emails if e[2]], EMAIL_SENT_HOURS, EMAIL_READ_HOURS),
        "CollaborationHoursInstantMessages": chat_hours,
        "CollaborationHoursScheduledCalls": 0.0,
        "CollaborationHoursAdhocCalls": 0.0,
        "ConflictingMeetingHours": _overlap_hours(spans),
        "DirectManagerMeetingHours": _hours_with(day, spans, manager),
        "OneOnOneMeetingHours": sum(
            (end - start) / _HOUR for (start, end), copy in zip(spans, day.meetings)
            if len(copy.meeting.attendees) + len(copy.meeting.guests) == 1
        ),
        "SkipLevelMeetingHours": _hours_with(day, spans, skip_level),
        "TotalFocusHours": sum(length / _HOUR for length in free if length >= FOCUS_BLOCK),
        "UninterruptedHours": sum(length / _HOUR for length in free if length >= UNINTERRUPTED_BLOCK),
        "PeopleHistoricalId": stable_guid(ctx.seed, "viva-person", user.id),
        "IsActive": user.account_enabled,
    }


def _span(copy: CalendarCopy) -> tuple[dt.datetime, dt.datetime]:
    return copy.occurrence if copy.occurrence else (copy.meeting.start, copy.meeting.end)


def _weighted(items, sent_hours: float, read_hours: float) -> float:
    return sum(sent_hours if item[1] else read_hours for item in items)


def _is_after(moment: dt.datetime, period) -> bool:
    return period is None or not period[0] <= moment < period[1]


def _outside(start: dt.datetime, end: dt.datetime, period) -> dt.timedelta:
    """How much of ``[start, end)`` falls outside the working period."""
    if period is None:
        return end - start
    inside = max(dt.timedelta(0), min(end, period[1]) - max(start, period[0]))
    return (end - start) - inside


def _overlap_hours(spans) -> float:
    """Hours of meetings that overlap another attended meeting (each overlap counted once)."""
    ordered, total, reach = sorted(spans), dt.timedelta(0), None
    for start, end in ordered:
        if reach is not None and start < reach:
            total += min(end, reach) - start
        reach = end if reach is None else max(reach, end)
    return total / _HOUR


def _hours_with(day: _Day, spans, person: int | None) -> float:
    if person is None:
        return 0.0
    return sum(
        (end - start) / _HOUR for (start, end), copy in zip(spans, day.meetings)
        if person == copy.meeting.organizer or person in copy.meeting.attendees
    )


def _free_blocks(spans, period) -> list[dt.timedelta]:
    """Meeting-free stretches of the working period."""
    if period is None:
        return []
    blocks, cursor = [], period[0]
    for start, end in sorted(spans):
        if start > cursor:
            blocks.append(min(start, period[1]) - cursor)
        cursor = max(cursor, end)
        if cursor >= period[1]:
            break
    if cursor < period[1]:
        blocks.append(period[1] - cursor)
    return [block for block in blocks if block > dt.timedelta(0)]


# Viva queries are named per query; the source uses this generator for any of them.
PERSON_QUERY = Generator("VivaInsightsDataset_Report_v1_<query>", Unit.TENANT, person_query_rows)
