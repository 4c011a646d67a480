"""Which Teams signals a user's chats, meetings and teams imply, in a span of time.

* ``InstantMessage`` for each chat message the user sent, ``ReactedWithEmoji`` now and then
  for one they received (:mod:`.chats`);
* ``JoinMeeting`` for each online meeting occurrence the user organized or accepted
  (:mod:`.meetings`), from shortly after it starts to shortly before it ends;
* ``CreateChannel`` for each channel the user opened (General: the team's owner, when the
  team is created), ``AddToChannel`` (a member who joined the company after the team existed,
  to General), ``PostChannelMessage`` and ``ReplyChannelMessage`` for each post or reply the
  user wrote (:mod:`.channels`: the channels and posts of TeamsChannelDetails_v0 and
  TeamsStandardChannelMessages_v0).

Each function yields ``(signal, what it is about)`` for the signals *recorded* in ``[start,
end)``, replaying only the activity that can produce them.

>>> from mgdc_pipelines.sources.synthetic import SyntheticTenant, TenantConfig
>>> activity = Activity(SyntheticTenant(TenantConfig(seed=7, users=20)))
>>> day = dt.datetime(2026, 11, 19, tzinfo=dt.timezone.utc)
>>> user = activity.tenant.users[3]
>>> found = list(chat_signals(activity, user, day, day + dt.timedelta(days=1)))
>>> sorted({sig.kind for sig, _ in found})
['InstantMessage', 'ReactedWithEmoji']
>>> all(sig.start == message.sent_at for sig, message in found if sig.kind == "InstantMessage")
True
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from mgdc_pipelines.sources.synthetic.activity.channels import Channel, ChannelPost
from mgdc_pipelines.sources.synthetic.activity.chats import ChatMessage
from mgdc_pipelines.sources.synthetic.activity.meetings import MAX_SERIES_WEEKS, Meeting
from mgdc_pipelines.sources.synthetic.activity.models import Activity
from mgdc_pipelines.sources.synthetic.activity.signals import MAX_RECORDING_DELAY, Signal, signal
from mgdc_pipelines.sources.synthetic.people import User
from mgdc_pipelines.sources.synthetic.randomness import pick, rng_for

EMOTIONS = ("like", "heart", "laugh", "surprised")
REACTION_SHARE = 0.08  # of the chat messages a user receives, those they react to
REACTION_DELAY_S = (5, 900)
ATTENDING = ("organizer", "accepted", "tentativelyAccepted")
LONGEST_MEETING = dt.timedelta(minutes=90)  # online meetings last at most this (meetings.py)
JOIN_LATE_S, LEAVE_EARLY_S = (0, 180), (0, 300)
ONBOARDING_H = (1, 8)  # a new hire is added to their teams' channels within these hours
MENTION_SHARE = 0.3  # of channel posts, those that @mention a teammate


def chat_signals(
    activity: Activity, user: User, start: dt.datetime, end: dt.datetime
) -> Iterator[tuple[Signal, ChatMessage]]:
    """InstantMessage for each chat message the user sent, ReactedWithEmoji for some received."""
    seed = activity.tenant.config.seed
    sent_from = start - dt.timedelta(seconds=REACTION_DELAY_S[1]) - MAX_RECORDING_DELAY
    for message in activity.chats.mailbox_messages(user, sent_from, end):
        if not sent_from <= message.sent_at < end:
            continue
        if message.author == user.index:
            found = signal(seed, user, "InstantMessage", message.key, message.sent_at)
        else:
            rng = rng_for(seed, "chat-reaction", user.index, *message.key)
            if rng.random() >= REACTION_SHARE:
                continue
            moment = message.sent_at + dt.timedelta(seconds=rng.randint(*REACTION_DELAY_S))
            found = signal(seed, user, "ReactedWithEmoji", message.key, moment)
        if start <= found.recorded < end:
            yield found, message


def emotion(seed: int, user: User, message: ChatMessage) -> str:
    """The reaction ``user`` gave ``message`` (one per reaction signal, stable)."""
    rng = rng_for(seed, "chat-emotion", user.index, *message.key)
    return EMOTIONS[rng.randrange(len(EMOTIONS))]


def meeting_signals(
    activity: Activity, user: User, start: dt.datetime, end: dt.datetime
) -> Iterator[tuple[Signal, Meeting]]:
    """JoinMeeting for each attended online occurrence whose signal is recorded in the span."""
    seed, meetings = activity.tenant.config.seed, activity.meetings
    since = start - LONGEST_MEETING - MAX_RECORDING_DELAY
    series = (
        *meetings.series_of(user.index),
        *meetings.mailbox_recurring(user, since - dt.timedelta(weeks=MAX_SERIES_WEEKS), end),
    )
    occurrences = [(m, (m.start, m.end)) for m in meetings.mailbox_singles(user, since, end)]
    until = end + dt.timedelta(seconds=LEAVE_EARLY_S[1])  # people leave before the end
    occurrences += [(m, o) for m in series for o in m.occurrences(max(since, m.start), until)]
    for meeting, (begins, ends) in occurrences:
        if not meeting.is_online or meeting.is_cancelled or not _attends(activity, meeting, user):
            continue
        key = (*meeting.key, begins.isoformat())
        rng = rng_for(seed, "join-meeting", user.index, *key)
        joined = begins + dt.timedelta(seconds=rng.randint(*JOIN_LATE_S))
        left = ends - dt.timedelta(seconds=rng.randint(*LEAVE_EARLY_S))
        found = signal(seed, user, "JoinMeeting", key, joined, left)
        if start <= found.recorded < end:
            yield found, meeting


def _attends(activity: Activity, meeting: Meeting, user: User) -> bool:
    if user.index == meeting.organizer:
        return True
    return activity.meeting_text.reply_of(meeting, user.index).response in ATTENDING


def posting_signals(
    activity: Activity, user: User, start: dt.datetime, end: dt.datetime, replies: bool
) -> Iterator[tuple[Signal, ChannelPost]]:
    """PostChannelMessage for the user's new posts, or ReplyChannelMessage for their replies."""
    seed, channels = activity.tenant.config.seed, activity.channels
    kind = "ReplyChannelMessage" if replies else "PostChannelMessage"
    for team in channels.teams_of(user.index):
        for post in channels.posts_by(team, user.index, start - MAX_RECORDING_DELAY, end):
            found = signal(seed, user, kind, post.key, post.sent_at)
            if post.is_reply == replies and start <= found.recorded < end:
                yield found, post


def mentions(activity: Activity, post: ChannelPost) -> tuple[int, ...]:
    """The teammates a post @mentions (stable per post): now and then one of the team."""
    rng = rng_for(activity.tenant.config.seed, "channel-mention", *post.key)
    teammates = activity.channels.teammates(post.channel.team).but(post.author)
    return (pick(rng, teammates),) if teammates and rng.random() < MENTION_SHARE else ()


def channel_signals(
    activity: Activity, user: User, start: dt.datetime, end: dt.datetime
) -> Iterator[tuple[Signal, Channel]]:
    """``(signal, channel)`` for the user's channel signals recorded in the span."""
    seed, channels = activity.tenant.config.seed, activity.channels
    for found, post in posting_signals(activity, user, start, end, replies=False):
        yield found, post.channel
    for team in channels.teams_of(user.index):
        for channel in channels.created_between(team, start - MAX_RECORDING_DELAY, end):
            if channel.creator == user.index:
                found = signal(seed, user, "CreateChannel", (channel.id,), channel.created_at)
                if start <= found.recorded < end:
                    yield found, channel
        if user.created_at > team.created_at:
            rng = rng_for(seed, "onboarding", user.index, team.mail_nickname)
            added = user.created_at + dt.timedelta(hours=rng.uniform(*ONBOARDING_H))
            added = added.replace(microsecond=0)
            found = signal(seed, user, "AddToChannel", (team.mail_nickname,), added)
            if start <= found.recorded < end:
                yield found, channels.general(team)
