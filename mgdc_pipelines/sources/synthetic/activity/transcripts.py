"""Transcripts of online meetings: who joined, who said what, and what happened in the call.

Some online meetings are transcribed (one-off meetings and each occurrence of a series, the
organizer's choice); the transcript is saved a few minutes after the meeting ends, for the
organizer. Speakers are the organizer and the attendees who joined (those who did not decline
the invitation, mostly); each speaks in turns over the meeting's length.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass

from mgdc_pipelines.sources.synthetic.activity import phrases
from mgdc_pipelines.sources.synthetic.activity.meetings import MAX_SERIES_WEEKS, Meeting
from mgdc_pipelines.sources.synthetic.activity.models import Activity
from mgdc_pipelines.sources.synthetic.people import User
from mgdc_pipelines.sources.synthetic.randomness import chance, pick, rng_for, stable_guid

TRANSCRIBED_RATIO = 0.35  # online meetings whose organizer turns transcription on
SAVE_DELAY_S = (20, 300)  # the transcript is saved this long after the meeting ends
LONGEST_MEETING = dt.timedelta(hours=2)
TURNS = (4, 14)


@dataclass(frozen=True, slots=True)
class Transcript:
    meeting: Meeting
    start: dt.datetime  # this occurrence
    end: dt.datetime
    created: dt.datetime
    modified: dt.datetime
    call_id: str
    speakers: tuple[int, ...]  # organizer first, then the attendees who joined

    @property
    def key(self) -> tuple:
        return (*self.meeting.key, self.start.isoformat())


@dataclass(frozen=True, slots=True)
class Turn:
    speaker: int
    text: str
    start: dt.datetime
    end: dt.datetime
    confidence: float
    edited: bool


def transcripts_saved(activity: Activity, organizer: User, start: dt.datetime,
                      end: dt.datetime) -> list[Transcript]:
    """Transcripts of meetings ``organizer`` organized that were saved in ``[start, end)``."""
    seed = activity.tenant.config.seed
    found = [
        transcript
        for meeting, occurrence in _occurrences(activity, organizer, start - LONGEST_MEETING, end)
        if (transcript := _transcript(activity, seed, meeting, occurrence)) is not None
        and start <= transcript.created < end
    ]
    return sorted(found, key=lambda t: (t.created, t.key))


def _occurrences(activity: Activity, organizer: User, start: dt.datetime,
                 end: dt.datetime) -> Iterator[tuple[Meeting, tuple[dt.datetime, dt.datetime]]]:
    """Online meetings (and series occurrences) ``organizer`` organized, held within the range."""
    meetings, index = activity.meetings, organizer.index
    for day in organizer.office.local_days(start, end):
        for meeting in meetings.organized_on(index, day):
            if _is_call(meeting) and start <= meeting.start and meeting.end <= end:
                yield meeting, (meeting.start, meeting.end)
    first_from = start - dt.timedelta(weeks=MAX_SERIES_WEEKS)
    series = [*meetings.series_of(index),
              *(m for day in organizer.office.local_days(first_from, end)
                for m in meetings.series_started_on(index, day))]
    for meeting in series:
        if meeting.organizer == index and _is_call(meeting):
            yield from ((meeting, o) for o in meeting.occurrences(max(start, meeting.start), end))


def _is_call(meeting: Meeting) -> bool:
    invited = bool(meeting.attendees or meeting.guests)  # personal blocks are no calls
    return meeting.is_online and not meeting.is_cancelled and invited


def _transcript(activity: Activity, seed: int, meeting: Meeting,
                occurrence: tuple[dt.datetime, dt.datetime]) -> Transcript | None:
    start, end = occurrence
    rng = rng_for(seed, "transcript", *meeting.key, start.isoformat())
    if not chance(rng, TRANSCRIBED_RATIO):
        return None
    created = end + dt.timedelta(seconds=rng.randint(*SAVE_DELAY_S))
    modified = created + dt.timedelta(microseconds=rng.randint(0, 9_999_999))
    replies = activity.meeting_text
    joined = tuple(a for a in meeting.attendees
                   if replies.reply_of(meeting, a).response != "declined" and chance(rng, 0.85))
    return Transcript(meeting, start, end, created, modified,
                      stable_guid(seed, "call", *meeting.key, start.isoformat()),
                      (meeting.organizer, *joined))


def turns(seed: int, transcript: Transcript) -> list[Turn]:
    """Speaker turns in time order, spread over the meeting (some edited afterwards)."""
    rng = rng_for(seed, "transcript-turns", *transcript.key)
    count = rng.randint(*TURNS)
    step = (transcript.end - transcript.start) / count
    spoken = []
    for number in range(count):
        began = transcript.start + step * number + dt.timedelta(seconds=rng.uniform(0, 5))
        text = _utterance(rng)
        # About 0.4 s a word, within the turn's share of the meeting.
        length = dt.timedelta(seconds=min(step.total_seconds() - 6, 2 + 0.4 * len(text.split())))
        speaker = pick(rng, transcript.speakers) if number else transcript.meeting.organizer
        confidence = round(rng.uniform(0.8, 0.99), 7)
        spoken.append(Turn(speaker, text, began, began + length, confidence, chance(rng, 0.05)))
    return spoken


def _utterance(rng: random.Random) -> str:
    lines = phrases.SENTENCES if chance(rng, 0.6) else phrases.CHAT_LINES
    return phrases.fill(pick(rng, lines), rng)
