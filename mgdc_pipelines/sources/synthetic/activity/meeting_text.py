"""What a meeting looks like in Outlook: invitation body, Teams join info, attendees' answers.

Shared by every calendar holding the meeting, generated once per meeting and cached.
"""

from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass

from mgdc_pipelines.sources.synthetic.activity import phrases
from mgdc_pipelines.sources.synthetic.activity.meetings import Meeting, Room
from mgdc_pipelines.sources.synthetic.batches import iso_z
from mgdc_pipelines.sources.synthetic.caching import BoundedCache
from mgdc_pipelines.sources.synthetic.identifiers import ical_uid, teams_join_url
from mgdc_pipelines.sources.synthetic.randomness import pick, rng_for
from mgdc_pipelines.sources.synthetic.shapes import NO_END_DATE, email_address, recipient
from mgdc_pipelines.sources.synthetic.shapes import body as html_body
from mgdc_pipelines.sources.synthetic.tenant import SyntheticTenant

RESPONSES, RESPONSE_CUM_WEIGHTS = ("accepted", "tentativelyAccepted", "declined", "none"), (
    60,
    72,
    80,
    100,
)
TOLL_NUMBER, TOLL_FREE_NUMBER = "+1 323-555-0166", "+1 800-555-0199"
PASSCODE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789"
# The block Teams appends to an invitation (trimmed), with {join_url}, {meeting_id}, {passcode}.
TEAMS_JOIN_BLOCK = (
    '<div style="width:100%"><span style="white-space:nowrap;color:#5F5F5F;opacity:.36">'
    + "_" * 80
    + '</span></div><div class="me-email-text" lang="en-US" style="color:#252424;'
    "font-family:'Segoe UI','Helvetica Neue',Helvetica,Arial,sans-serif\">"
    '<div style="margin-top:24px;margin-bottom:20px">'
    '<span style="font-size:24px;color:#252424">Microsoft Teams meeting</span></div>'
    '<div style="margin-bottom:20px"><a href="{join_url}" class="me-email-headline" '
    'style="font-size:14px;text-decoration:underline;color:#5B5FC7">Join the meeting now</a>'
    '</div><div style="margin-bottom:4px"><span style="font-size:14px;color:#252424">'
    'Meeting ID: {meeting_id}</span><br><span style="font-size:14px;color:#252424">'
    "Passcode: {passcode}</span></div></div>"
)


@dataclass(frozen=True, slots=True)
class Reply:
    """An attendee's copy of an invitation: when it arrived and how they answered."""

    received: dt.datetime
    response: str
    answered: dt.datetime | None  # None while the attendee has not answered
    updated: dt.datetime | None = None  # when the organizer's last update reached the copy

    @property
    def modified(self) -> dt.datetime:
        return max(m for m in (self.received, self.answered, self.updated) if m is not None)


@dataclass(frozen=True, slots=True)
class MeetingContent:
    """What every attendee's copy of a meeting shares, in row shape where it is nested.

    Every copy's row holds these very objects: never change one in place (see ``MailContent``).
    """

    ical_uid: str
    organizer: dict
    attendees: list[dict]
    body: dict  # {"contentType": "html", "content": ...}
    preview: str
    location: dict
    locations: list[dict]
    online_meeting: dict | None
    join_url: str | None
    recurrence: dict | None
    agenda: tuple[str, str, int] | None  # attached agenda: (name, MIME type, size)


class MeetingText:
    def __init__(self, tenant: SyntheticTenant, max_entries: int = 4096) -> None:
        self.tenant = tenant
        self.seed = tenant.config.seed
        self._cache: BoundedCache[MeetingContent] = BoundedCache(max_entries)

    def content_of(self, meeting: Meeting) -> MeetingContent:
        return self._cache.get(meeting.key, lambda: self._content(meeting))

    def reply_of(self, meeting: Meeting, attendee: int) -> Reply:
        """When the invitation reached ``attendee`` and what they answered (before it starts)."""
        rng = rng_for(self.seed, "rsvp", attendee, *meeting.key)
        received = meeting.created + dt.timedelta(seconds=rng.randint(5, 60))
        response = rng.choices(RESPONSES, cum_weights=RESPONSE_CUM_WEIGHTS)[0]
        if response == "none":
            answered = None
        else:  # within two days, and before the (first) meeting starts
            latest = max(received, meeting.start)
            answered = min(received + dt.timedelta(minutes=rng.uniform(1, 2880)), latest).replace(
                microsecond=0
            )
        updated = None
        if meeting.modified > meeting.created:  # the organizer's update reaches every copy
            updated = meeting.modified + dt.timedelta(seconds=rng.randint(5, 60))
        return Reply(received, response, answered, updated)

    def _content(self, meeting: Meeting) -> MeetingContent:
        rng = rng_for(self.seed, "meeting-content", *meeting.key)
        users = self.tenant.users
        organizer = users[meeting.organizer]
        join = (
            teams_join_url(self.tenant.directory_id, organizer.id, self.seed, *meeting.key)
            if meeting.is_online
            else None
        )
        agenda_lines = [
            phrases.fill(pick(rng, phrases.SENTENCES), rng) for _ in range(rng.randint(1, 3))
        ]
        location = self._location(meeting.room) if meeting.room else self._online_location(meeting)
        return MeetingContent(
            ical_uid=ical_uid(self.seed, *meeting.key),
            organizer=recipient(organizer.display_name, organizer.mail),
            attendees=self._attendees(meeting),
            body=html_body(_body(agenda_lines, join, rng)),
            preview=" ".join(agenda_lines)[:255],
            location=location,
            locations=[location] if meeting.room or meeting.is_online else [],
            online_meeting=_online_meeting(join, rng) if join else None,
            join_url=join,
            recurrence=_recurrence(meeting) if meeting.is_series else None,
            agenda=(
                ("Agenda.docx", phrases.FILE_TYPES[0][1], rng.randint(18_000, 90_000))
                if rng.random() < 0.06
                else None
            ),
        )

    def _attendees(self, meeting: Meeting) -> list[dict]:
        users, rows = self.tenant.users, []
        for index in meeting.attendees:
            reply = self.reply_of(meeting, index)
            rows.append(
                {
                    "emailAddress": email_address(users[index].display_name, users[index].mail),
                    "status": {
                        "response": reply.response,
                        "time": iso_z(reply.answered) if reply.answered else NO_END_DATE,
                    },
                    "type": "optional" if index in meeting.optional else "required",
                }
            )
        for guest in meeting.guests:
            rows.append(
                {
                    "emailAddress": email_address(guest.name, guest.address),
                    "status": {"response": "none", "time": NO_END_DATE},
                    "type": "required",
                }
            )
        if meeting.room:
            rows.append(
                {
                    "emailAddress": email_address(meeting.room.name, meeting.room.address),
                    "status": {"response": "accepted", "time": iso_z(meeting.created)},
                    "type": "resource",
                }
            )
        return rows

    def _location(self, room: Room) -> dict:
        office = room.office
        return {
            "displayName": room.name,
            "address": {
                "street": office.street,
                "city": office.city,
                "state": office.state,
                "countryOrRegion": office.country,
                "postalCode": office.postal_code,
            },
            "coordinates": {
                "altitude": 40.0,
                "latitude": office.latitude,
                "longitude": office.longitude,
                "accuracy": 25.0,
                "altitudeAccuracy": 10.0,
            },
            "locationEmailAddress": room.address,
            "locationUri": room.address,
            "locationType": "conferenceRoom",
            "uniqueId": room.address,
            "uniqueIdType": "directory",
        }

    def _online_location(self, meeting: Meeting) -> dict:
        if not meeting.is_online:
            return {"displayName": "", "locationType": "default", "uniqueIdType": "unknown"}
        return {
            "displayName": "Microsoft Teams Meeting",
            "locationType": "default",
            "uniqueId": "Microsoft Teams Meeting",
            "uniqueIdType": "private",
        }


def _body(agenda_lines: list[str], join_url: str | None, rng) -> str:
    agenda = "".join(f"<p>{html.escape(line)}</p>" for line in agenda_lines)
    teams = ""
    if join_url:
        meeting_id = " ".join(str(rng.randint(100, 999)) for _ in range(4))
        passcode = "".join(rng.choice(PASSCODE_LETTERS) for _ in range(6))
        teams = TEAMS_JOIN_BLOCK.format(join_url=join_url, meeting_id=meeting_id, passcode=passcode)
    return (
        '<html><head>\r\n<meta http-equiv="Content-Type" content="text/html; charset=utf-8"></head>'
        f"<body><div>{agenda}</div>{teams}</body></html>"
    )


def _online_meeting(join_url: str, rng) -> dict:
    conference = str(rng.randint(100_000_000, 999_999_999))
    return {
        "joinUrl": join_url,
        "conferenceId": conference,
        "tollNumber": TOLL_NUMBER,
        "tollFreeNumbers": [TOLL_FREE_NUMBER],
        "quickDial": f"{TOLL_NUMBER},,{conference}#",
        "phones": [
            {"number": TOLL_NUMBER, "type": "toll"},
            {"number": TOLL_FREE_NUMBER, "type": "tollFree"},
        ],
    }


def _recurrence(meeting: Meeting) -> dict:
    first_day = meeting.start.astimezone(meeting.office.zone).date()
    count = meeting.occurrence_count
    last_day = (
        first_day + dt.timedelta(weeks=meeting.interval_weeks * (count - 1)) if count else None
    )
    return {
        "pattern": {
            "type": "weekly",
            "interval": meeting.interval_weeks,
            "month": 0,
            "dayOfMonth": 0,
            "daysOfWeek": [meeting.weekday],
            "firstDayOfWeek": "sunday",
            "index": "first",
        },
        "range": {
            "type": "numbered" if count else "noEnd",
            "startDate": first_day.isoformat(),
            "endDate": last_day.isoformat() if last_day else "0001-01-01",
            "recurrenceTimeZone": meeting.office.windows_time_zone,
            "numberOfOccurrences": count,
        },
    }
