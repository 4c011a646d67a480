"""Room mailboxes: the conference rooms meetings are booked in, and what each room's calendar holds.

Every office where the tenant has people has the rooms a meeting there may book (each name of
:data:`~mgdc_pipelines.sources.synthetic.activity.meetings.ROOM_NAMES` on each of
:data:`FLOORS`), each a resource mailbox addressed as meetings' locations name it. Rooms are
not users: they are in no user listing and no group, so they change nobody's validity, and
only an organization-wide scope reaches them (as MGDC extracts only the scope's Room-type
users for ConferenceRoomCalendar_v0).

A room's calendar holds the meetings organized in its office that booked it (a series: each
occurrence), which the room accepted the moment it was invited.

>>> from mgdc_pipelines.sources.synthetic import SyntheticTenant, TenantConfig
>>> rooms = room_mailboxes(SyntheticTenant(TenantConfig(seed=42, users=30)))
>>> rooms[0].name, rooms[0].address.split("@")[0]
('BLR-2 Conf Room Rainier', 'blr2-rainier')
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from mgdc_pipelines.sources.base import Scope
from mgdc_pipelines.sources.synthetic.activity.meetings import MAX_SERIES_WEEKS, ROOM_NAMES, Meeting
from mgdc_pipelines.sources.synthetic.activity.models import Activity
from mgdc_pipelines.sources.synthetic.offices import Office
from mgdc_pipelines.sources.synthetic.randomness import stable_guid
from mgdc_pipelines.sources.synthetic.tenant import SyntheticTenant

FLOORS = range(2, 7)  # the floors MeetingModel books rooms on

Occurrence = tuple[dt.datetime, dt.datetime]


@dataclass(frozen=True, slots=True)
class RoomMailbox:
    """One conference room's mailbox. ``index`` is negative: never a user's index."""

    index: int
    id: str
    mailbox_guid: str
    name: str
    address: str
    office: Office
    floor: int


def room_address(office: Office, floor: int, name: str, domain: str) -> str:
    """The address meetings book the room by (``sea3-rainier@contoso...``)."""
    return f"{office.building_prefix.lower()}{floor}-{name.lower()}@{domain}"


@lru_cache(maxsize=8)
def room_mailboxes(tenant: SyntheticTenant) -> tuple[RoomMailbox, ...]:
    """The tenant's rooms, by office key, floor and name."""
    offices = sorted({user.office.key: user.office for user in tenant.users if user.is_valid}.items())
    rooms = []
    for _, office in offices:
        for floor in FLOORS:
            for name in ROOM_NAMES:
                address = room_address(office, floor, name, tenant.domain)
                seed = tenant.config.seed
                rooms.append(RoomMailbox(
                    -1 - len(rooms), stable_guid(seed, "room", address), stable_guid(seed, "room-mailbox", address),
                    f"{office.building_prefix}-{floor} Conf Room {name}", address, office, floor,
                ))
    return tuple(rooms)


def room_mailbox(tenant: SyntheticTenant, id_or_address: str) -> RoomMailbox | None:
    """The room with this object id or (any case) address, if the tenant has one."""
    return _rooms_by_key(tenant).get(id_or_address.lower())


@lru_cache(maxsize=8)
def _rooms_by_key(tenant: SyntheticTenant) -> dict[str, RoomMailbox]:
    return {key: room for room in room_mailboxes(tenant) for key in (room.id, room.address.lower())}


def rooms_in_scope(tenant: SyntheticTenant, scope: Scope) -> tuple[RoomMailbox, ...]:
    """Rooms belong to no group: only the whole organization's scope covers them."""
    return room_mailboxes(tenant) if scope.is_everyone else ()


def room_bookings(activity: Activity, room: RoomMailbox, start: dt.datetime,
                  end: dt.datetime) -> list[tuple[Meeting, Occurrence | None]]:
    """Meetings booked in ``room`` that start and end within ``[start, end]`` (series: each such
    occurrence, with its times), by start."""
    return _office_bookings(activity, room.office, start, end).get(room.address, [])


@lru_cache(maxsize=4)
def _office_bookings(activity: Activity, office: Office, start: dt.datetime,
                     end: dt.datetime) -> dict[str, list[tuple[Meeting, Occurrence | None]]]:
    """Every room booking of one office in the window, by room address: rooms of an office are
    generated one after another, so the office's meetings are looked at once."""
    meetings, tenant = activity.meetings, activity.tenant
    organizers = [u.index for u in tenant.users if u.is_valid and u.office.key == office.key]
    by_room: dict[str, list[tuple[Meeting, Occurrence | None]]] = defaultdict(list)
    for booking in _bookings(meetings, organizers, office, start, end):
        by_room[booking[0].room.address].append(booking)
    for bookings in by_room.values():
        bookings.sort(key=lambda b: ((b[1] or (b[0].start,))[0], b[0].key))
    return dict(by_room)


def _bookings(meetings, organizers: list[int], office: Office, start: dt.datetime,
              end: dt.datetime) -> Iterator[tuple[Meeting, Occurrence | None]]:
    first_from = start - dt.timedelta(weeks=MAX_SERIES_WEEKS)
    for organizer in organizers:
        for day in office.local_days(start, end):
            for meeting in meetings.organized_on(organizer, day):
                if meeting.room and meeting.start >= start and meeting.end <= end:
                    yield meeting, None
        for day in office.local_days(first_from, end):
            for series in meetings.series_started_on(organizer, day):
                if series.room:
                    for occurrence in series.occurrences(max(start, series.start), end):
                        yield series, occurrence
