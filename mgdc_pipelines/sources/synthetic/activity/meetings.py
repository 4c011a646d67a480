"""Meetings: one-off meetings, personal calendar blocks, and weekly recurring series.

* One-off meetings are generated per *(organizer, local day of the meeting)*: invitations go
  to colleagues in the organizer's audience (sometimes to outsiders), are created up to
  :data:`MAX_LEAD` before the meeting, and sometimes updated or cancelled later.
* Personal blocks (focus time, out of office) have no attendees.
* Recurring series are structural: a weekly 1:1 between each manager and each report, and a
  weekly team sync for every manager with at least two reports.

As with mail, every attendee is in the organizer's audience, so a calendar is rebuilt by
replaying only its owner and their ``potential_senders``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from mgdc_pipelines.sources.synthetic.activity import phrases
from mgdc_pipelines.sources.synthetic.activity.involvement import InvolvementIndex
from mgdc_pipelines.sources.synthetic.activity.timing import activity_level, meeting_minute
from mgdc_pipelines.sources.synthetic.caching import DayFlags
from mgdc_pipelines.sources.synthetic.offices import Office
from mgdc_pipelines.sources.synthetic.people import User
from mgdc_pipelines.sources.synthetic.randomness import (
    chance,
    pick,
    poisson,
    rng_for,
    sample_distinct,
)
from mgdc_pipelines.sources.synthetic.tenant import SyntheticTenant
from mgdc_pipelines.sources.synthetic.wordlists import listed

MAX_LEAD = dt.timedelta(days=14, hours=1)  # invitations are sent at most this long before
MAX_SERIES_WEEKS = 6  # ad-hoc recurring meetings (project syncs) run for at most this many weeks
SERIES_SHARE = 0.03  # of a user's working days, those they set up such a series on
RESPONSE_GRACE = dt.timedelta(minutes=2)  # the last calendar change comes before start + this
SERIES_SETTLE = dt.timedelta(days=2, minutes=2)  # attendees respond to a series within this time
DURATIONS, DURATION_CUM_WEIGHTS = (15, 30, 60, 90), (5, 55, 90, 100)
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday")
ROOM_NAMES = listed("""
    Rainier, Olympic, Cascade, Baker, Hudson, Thames, Nilgiri, Harbour, Everest, Pacific
    """)


@dataclass(frozen=True, slots=True)
class Guest:
    """An invitee from outside the company."""

    name: str
    address: str


@dataclass(frozen=True, slots=True)
class Room:
    name: str
    address: str
    office: Office
    capacity: int


@dataclass(frozen=True, slots=True)
class Meeting:
    """A calendar event as the organizer created it (series: the series master)."""

    key: tuple
    organizer: int
    attendees: tuple[int, ...]  # employees invited (organizer excluded)
    optional: frozenset[int]  # which of them are optional
    guests: tuple[Guest, ...]
    subject: str
    topic: str
    start: dt.datetime  # series: the first occurrence
    end: dt.datetime
    created: dt.datetime
    modified: dt.datetime
    is_online: bool
    room: Room | None
    is_cancelled: bool
    is_all_day: bool
    show_as: str
    importance: str
    sensitivity: str
    weekday: str | None = None  # series: the day it recurs on
    interval_weeks: int = 0  # series: every N weeks (0 = not recurring)
    office: Office | None = None  # series: whose local time the series keeps
    local_minute: int = 0  # series: local start time, minutes after midnight
    occurrence_count: int = 0  # series: how many occurrences (0 = no end date)

    @property
    def is_series(self) -> bool:
        return self.interval_weeks > 0

    def involves(self, index: int) -> bool:
        return index == self.organizer or index in self.attendees

    def occurrences(
        self, start: dt.datetime, end: dt.datetime
    ) -> Iterator[tuple[dt.datetime, dt.datetime]]:
        """Occurrences of a series that start and end within ``[start, end]``.

        Occurrences keep the organizer's local time across daylight-saving changes.
        """
        length = self.end - self.start
        first_day = self.start.astimezone(self.office.zone).date()
        step_days = 7 * self.interval_weeks
        number = max(0, ((start - self.start).days - 2) // step_days)
        while not self.occurrence_count or number < self.occurrence_count:
            moment = self.office.to_utc(
                first_day + dt.timedelta(days=number * step_days), self.local_minute
            )
            if moment >= end:
                return
            if moment >= start and moment + length <= end:
                yield moment, moment + length
            number += 1


class MeetingModel:
    def __init__(self, tenant: SyntheticTenant, cache_size: int = 8192) -> None:
        self.tenant = tenant
        self.seed = tenant.config.seed
        self.organized_on = lru_cache(maxsize=cache_size)(self._organized_on)
        self._invited = InvolvementIndex(self.organized_on, _involved_in)
        self._starts_series = DayFlags(len(tenant.users), self._decide_starts_series)
        self._series_built = lru_cache(maxsize=cache_size)(self._series_started_on)
        self.series_of = lru_cache(maxsize=cache_size)(self._series_of)

    def mailbox_singles(
        self, user: User, start_from: dt.datetime, start_to: dt.datetime
    ) -> Iterator[Meeting]:
        """One-off meetings involving ``user`` that may start in ``[start_from, start_to)``."""
        return self._involving(user, start_from, start_to, self.organized_on, self._invited)

    def mailbox_recurring(
        self, user: User, first_from: dt.datetime, first_to: dt.datetime
    ) -> Iterator[Meeting]:
        """Ad-hoc recurring series involving ``user`` whose first occurrence may be in the range."""
        return self._involving(user, first_from, first_to, self.series_started_on)

    def _involving(
        self, user: User, start_from: dt.datetime, start_to: dt.datetime, by_day,
        invited: InvolvementIndex | None = None,
    ) -> Iterator[Meeting]:
        """The meetings ``by_day`` of ``user`` and their potential senders involving ``user``;
        ``invited`` skips the days that invite them to none without making those days again."""
        for organizer in (user.index, *self.tenant.potential_senders(user.index)):
            office = self.tenant.users[organizer].office
            for day in office.local_days(start_from, start_to):
                if invited is not None and not invited.involves(organizer, day, user.index):
                    continue
                for meeting in by_day(organizer, day):
                    if meeting.involves(user.index):
                        yield meeting

    # --- one-off meetings -------------------------------------------------------------------

    def _organized_on(self, organizer: int, day: dt.date) -> tuple[Meeting, ...]:
        user = self.tenant.users[organizer]
        if not user.is_valid or not user.office.is_workday(day) or day <= user.created_at.date():
            return ()
        rng = rng_for(self.seed, "meetings", organizer, day.toordinal())
        rate = self.tenant.config.meetings_per_user_per_week / 5 * activity_level(self.seed, user)
        meetings = [self._meeting(rng, user, day, n) for n in range(poisson(rng, rate))]
        if chance(rng, 0.12):
            meetings.append(self._personal_block(rng, user, day))
        return tuple(m for m in meetings if m is not None)

    def _meeting(self, rng: random.Random, user: User, day: dt.date, number: int) -> Meeting | None:
        duration = rng.choices(DURATIONS, cum_weights=DURATION_CUM_WEIGHTS)[0]
        start = user.office.to_utc(day, meeting_minute(rng, user.office, duration))
        created = max(start - _lead_time(rng), user.created_at + dt.timedelta(hours=1))
        if created >= start:
            return None
        audience = self.tenant.audience(user.index)
        picked = (
            set(
                rng.choices(audience.members, cum_weights=audience.cum_weights, k=rng.randint(1, 6))
            )
            if audience.members
            else set()
        )
        attendees = tuple(sorted(i for i in picked if self.tenant.users[i].created_at < created))
        outsiders = self.tenant.outside_contacts(user.index)
        guests = (
            tuple(
                Guest(p.display_name, p.address)
                for p in sample_distinct(rng, outsiders, rng.randint(1, 2))
            )
            if outsiders and chance(rng, 0.1)
            else ()
        )
        if not attendees and not guests:
            return None
        is_online = chance(rng, 0.75) or bool(guests)
        cancelled = chance(rng, 0.04)
        modified = (
            created + (start - created) * rng.random()
            if (cancelled or chance(rng, 0.3))
            else created
        )
        topic = user.department_key
        return Meeting(
            key=("m", user.index, day.toordinal(), number),
            organizer=user.index,
            attendees=attendees,
            optional=frozenset(i for i in attendees if chance(rng, 0.15)),
            guests=guests,
            subject=phrases.fill(pick(rng, phrases.MEETING_SUBJECTS), rng),
            topic=topic,
            start=start,
            end=start + dt.timedelta(minutes=duration),
            created=_second(created),
            modified=_second(modified),
            is_online=is_online,
            room=None if is_online and chance(rng, 0.7) else self._room(rng, user.office),
            is_cancelled=cancelled,
            is_all_day=False,
            show_as="busy",
            importance="high" if chance(rng, 0.05) else "normal",
            sensitivity="private" if chance(rng, 0.04) else "normal",
        )

    def _personal_block(self, rng: random.Random, user: User, day: dt.date) -> Meeting | None:
        """Focus time, or a day out of office (all-day, shown as away)."""
        midnight = user.office.to_utc(day, 0)
        created = max(midnight - dt.timedelta(days=rng.randint(1, 10)), user.created_at)
        if chance(rng, 0.3):
            start, length, subject, show_as = midnight, dt.timedelta(days=1), "Out of office", "oof"
        else:
            start = user.office.to_utc(day, meeting_minute(rng, user.office, 120))
            length, subject, show_as = dt.timedelta(hours=2), "Focus time", "busy"
        if created >= start:  # joined too recently to have planned it
            return None
        all_day = show_as == "oof"
        return Meeting(
            key=("p", user.index, day.toordinal()),
            organizer=user.index,
            attendees=(),
            optional=frozenset(),
            guests=(),
            subject=subject,
            topic="personal",
            start=start,
            end=start + length,
            created=_second(created),
            modified=_second(created),
            is_online=False,
            room=None,
            is_cancelled=False,
            is_all_day=all_day,
            show_as=show_as,
            importance="normal",
            sensitivity="private" if all_day else "normal",
        )

    def _room(self, rng: random.Random, office: Office) -> Room:
        name = pick(rng, ROOM_NAMES)
        floor = rng.randint(2, 6)
        label = f"{office.building_prefix}-{floor} Conf Room {name} ({rng.choice((4, 6, 8, 12))})"
        address = f"{office.building_prefix.lower()}{floor}-{name.lower()}@{self.tenant.domain}"
        return Room(label, address, office, rng.choice((4, 6, 8, 12)))

    # --- recurring series -------------------------------------------------------------------

    def series_started_on(self, organizer: int, day: dt.date) -> tuple[Meeting, ...]:
        """Now and then someone sets up a weekly sync for a few weeks (a project, a customer).

        Every attendee's calendar asks about each of its organizers' last six weeks, and few
        of those days start a series: the answer is remembered per day, a byte per organizer.
        """
        if not self._starts_series(organizer, day):
            return ()
        return self._series_built(organizer, day)

    def _decide_starts_series(self, organizer: int, day: dt.date) -> bool:
        user = self.tenant.users[organizer]
        if not user.is_valid or not user.office.is_workday(day):
            return False
        return self._series_rng(organizer, day).random() < SERIES_SHARE

    def _series_rng(self, organizer: int, day: dt.date) -> random.Random:
        return rng_for(self.seed, "recurring-meetings", organizer, day.toordinal())

    def _series_started_on(self, organizer: int, day: dt.date) -> tuple[Meeting, ...]:
        """The series of a day :meth:`series_started_on` decided starts one."""
        user, rng = self.tenant.users[organizer], self._series_rng(organizer, day)
        rng.random()  # the draw that decided it
        first = self._meeting(rng, user, day, 0)
        if first is None or first.guests:
            return ()
        return (
            dataclasses.replace(
                first,
                key=("r", organizer, day.toordinal()),
                subject=f"Weekly: {first.subject}",
                is_cancelled=False,
                weekday=WEEKDAYS[min(day.weekday(), 4)],
                interval_weeks=1,
                office=user.office,
                local_minute=int((first.start - user.office.to_utc(day, 0)).total_seconds() // 60),
                occurrence_count=rng.randint(3, MAX_SERIES_WEEKS),
            ),
        )

    def _series_of(self, index: int) -> tuple[Meeting, ...]:
        """The weekly series on this user's calendar: 1:1s up and down, team syncs."""
        users, user = self.tenant.users, self.tenant.users[index]
        series = []
        if user.manager is not None and users[user.manager].is_valid:
            series.append(self._one_on_one(users[user.manager], user))
        valid_reports = [users[r] for r in user.direct_reports if users[r].is_valid]
        series += [self._one_on_one(user, report) for report in valid_reports]
        if len(valid_reports) >= 2:
            series.append(self._team_sync(user, valid_reports))
        if user.manager is not None:
            manager = users[user.manager]
            peers = [users[r] for r in manager.direct_reports if users[r].is_valid]
            if manager.is_valid and len(peers) >= 2:
                series.append(self._team_sync(manager, peers))
        return tuple(series)

    def _one_on_one(self, manager: User, report: User) -> Meeting:
        subject = f"{manager.given_name} / {report.given_name} 1:1"
        return self._series(
            ("1on1", report.index), manager, (report,), subject, 30, pick_interval=True
        )

    def _team_sync(self, manager: User, reports: list[User]) -> Meeting:
        team = manager.department.name if manager.department else "Leadership"
        return self._series(
            ("team", manager.index), manager, tuple(reports), f"{team} team sync", 60
        )

    def _series(
        self,
        key: tuple,
        organizer: User,
        attendees: tuple[User, ...],
        subject: str,
        minutes: int,
        pick_interval: bool = False,
    ) -> Meeting:
        rng = rng_for(self.seed, "series", *key)
        created = max(u.created_at for u in (organizer, *attendees)) + dt.timedelta(
            days=rng.uniform(2, 10)
        )
        weekday = rng.randrange(4)  # Monday..Thursday
        first_day = created.astimezone(organizer.office.zone).date() + dt.timedelta(days=1)
        first_day += dt.timedelta(days=(weekday - first_day.weekday()) % 7)
        local_minute = meeting_minute(rng, organizer.office, minutes)
        start = organizer.office.to_utc(first_day, local_minute)
        return Meeting(
            key=("s", *key),
            organizer=organizer.index,
            attendees=tuple(a.index for a in attendees),
            optional=frozenset(),
            guests=(),
            subject=subject,
            topic=organizer.department_key,
            start=start,
            end=start + dt.timedelta(minutes=minutes),
            created=_second(created),
            modified=_second(created),
            is_online=chance(rng, 0.8),
            room=None,
            is_cancelled=False,
            is_all_day=False,
            show_as="busy",
            importance="normal",
            sensitivity="normal",
            weekday=WEEKDAYS[weekday],
            interval_weeks=2 if pick_interval and chance(rng, 0.25) else 1,
            office=organizer.office,
            local_minute=local_minute,
        )


def _lead_time(rng: random.Random) -> dt.timedelta:
    """How long before the meeting the invitation goes out (at most MAX_LEAD)."""
    roll = rng.random()
    if roll < 0.3:
        return dt.timedelta(hours=rng.uniform(1, 24))
    if roll < 0.8:
        return dt.timedelta(days=rng.uniform(1, 5))
    return dt.timedelta(days=rng.uniform(5, 14))


def _second(moment: dt.datetime) -> dt.datetime:
    return moment.replace(microsecond=0)


def _involved_in(meetings: tuple[Meeting, ...]) -> set[int]:
    """Everyone a day's meetings involve: their organizers and the employees invited."""
    return {index for meeting in meetings for index in (meeting.organizer, *meeting.attendees)}
