"""TeamsTranscript_v1: transcripts of the online meetings a user organized (rows carry ``puser``).

One row per transcribed meeting (or series occurrence), for its organizer, saved minutes after
the meeting ends; ``ICalUId`` is the calendar's ``iCalUId`` of the meeting, so transcripts join
Event_v1 and CalendarView_v0. Speakers are written as Teams does: ``<user id>@<tenant id>``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from mgdc_pipelines.sources.synthetic.activity.transcripts import (
    Transcript,
    transcripts_saved,
    turns,
)
from mgdc_pipelines.sources.synthetic.datasets.base import Generator, RowContext, Unit
from mgdc_pipelines.sources.synthetic.identifiers import item_id
from mgdc_pipelines.sources.synthetic.people import User
from mgdc_pipelines.sources.synthetic.randomness import stable_guid

TRANSCRIPTS_FOLDER = "transcripts"


def transcript_rows(ctx: RowContext, user: User) -> Iterator[dict]:
    for transcript in transcripts_saved(ctx.activity, user, ctx.window.start, ctx.window.end):
        yield _row(ctx, user, transcript)


def _row(ctx: RowContext, organizer: User, transcript: Transcript) -> dict:
    meeting = transcript.meeting
    speaker = _speaker_ids(ctx)
    session = stable_guid(ctx.seed, "transcript-session", *transcript.key)
    users = ctx.tenant.users
    entries = [
        {
            "editorId": speaker(organizer.index) if turn.edited else None,
            "editId": stable_guid(session, "edit", number) if turn.edited else None,
            "entryId": f"{session}/{10 + 7 * number}",
            "text": turn.text,
            "speakerId": speaker(turn.speaker),
            "displayName": users[turn.speaker].display_name,
            "confidence": turn.confidence,
            "startTime": _teams_time(turn.start),
            "endTime": _teams_time(turn.end),
        }
        for number, turn in enumerate(turns(ctx.seed, transcript))
    ]
    return {
        "CreatedDateTime": transcript.created,
        "ScopeId": transcript.call_id,
        "ICalUId": ctx.activity.meeting_text.content_of(meeting).ical_uid,
        "Entries": entries,
        "Events": _events(ctx, organizer, transcript, session),
        "LastModifiedTime": transcript.modified,
        "Id": item_id(organizer.mailbox_guid, TRANSCRIPTS_FOLDER, *transcript.key),
    }


def _speaker_ids(ctx: RowContext):
    users, tenant_guid = ctx.tenant.users, ctx.tenant.directory_id
    return lambda index: f"{users[index].id}@{tenant_guid}"


def _events(ctx: RowContext, organizer: User, transcript: Transcript, session: str) -> list[dict]:
    """The call's life as Teams logs it: call and transcript started, published, stopped, ended."""
    speaker = _speaker_ids(ctx)(organizer.index)
    start, end = transcript.start, transcript.end
    steps = (
        ("CallStarted", start, {}),
        ("TranscriptStarted", start + dt.timedelta(seconds=1), {"callParticipants": [speaker]}),
        ("TranscriptPublished", start + dt.timedelta(seconds=2),
         {"chatMessageId": str(int(start.timestamp() * 1000) + 1234)}),
        ("TranscriptStopped", end - dt.timedelta(seconds=5), {"reason": ""}),
        ("CallEnded", end, {"reason": "CallEnded"}),
    )
    return [
        {
            "eventType": kind,
            "eventId": f"{session}/{2 + number}",
            "chatMessageId": None,
            "callId": transcript.call_id,
            "callParticipants": [],
            "userId": speaker,
            "displayName": organizer.display_name,
            "timestamp": _teams_time(moment),
            "reason": None,
            **extra,
        }
        for number, (kind, moment, extra) in enumerate(steps)
    ]


def _teams_time(moment: dt.datetime) -> str:
    """``2022-04-06T22:01:49.7831670Z``: seven decimals, as transcripts write times."""
    utc = moment.astimezone(dt.timezone.utc)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond:06d}0Z"


GENERATORS = (Generator("TeamsTranscript_v1", Unit.USER, transcript_rows),)
