"""Teams chats: bursts of 1:1 and group chat messages.

Generated per *(initiator, local day)*: each burst is a short back-and-forth in a 1:1 chat
with a colleague from the initiator's audience, or in a group chat of their team or a
project team. Participants other than the initiator are in the initiator's audience, so a
participant's copies are found by replaying their ``potential_senders``.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from mgdc_pipelines.sources.synthetic.activity import phrases
from mgdc_pipelines.sources.synthetic.activity.involvement import InvolvementIndex
from mgdc_pipelines.sources.synthetic.activity.timing import activity_level, day_factor, send_minute
from mgdc_pipelines.sources.synthetic.people import User
from mgdc_pipelines.sources.synthetic.randomness import chance, pick, poisson, rng_for, stable_bytes
from mgdc_pipelines.sources.synthetic.tenant import SyntheticTenant

MESSAGES_PER_BURST = (2, 8)
MEAN_MESSAGES_PER_BURST = (
    5  # everyone starts bursts, so each person sends ~this many per burst they start
)
MAX_GAP_S = 300  # seconds between messages of a burst
BURST_SPAN = dt.timedelta(seconds=MESSAGES_PER_BURST[1] * MAX_GAP_S)


@dataclass(frozen=True, slots=True)
class Chat:
    """A 1:1 or group chat: the same participants always share one chat (and thread id)."""

    thread_id: str
    participants: tuple[int, ...]  # sorted employee indices
    topic: str | None  # group chats have a name, 1:1 chats none


@dataclass(frozen=True, slots=True)
class ChatMessage:
    key: tuple  # ("c", initiator, day ordinal, burst, position)
    chat: Chat
    author: int
    sent_at: dt.datetime
    text: str
    edited_at: dt.datetime | None
    importance: str
    shared_file: str | None  # a file shared into the chat

    def recipients(self) -> tuple[int, ...]:
        return tuple(p for p in self.chat.participants if p != self.author)


class ChatModel:
    def __init__(self, tenant: SyntheticTenant, cache_size: int = 8192) -> None:
        self.tenant = tenant
        self.seed = tenant.config.seed
        self.started_by = lru_cache(maxsize=cache_size)(self._started_by)
        self._involved = InvolvementIndex(self.started_by, _participants)

    def mailbox_messages(
        self, user: User, sent_from: dt.datetime, sent_to: dt.datetime
    ) -> Iterator[ChatMessage]:
        """Chat messages ``user`` took part in that may be sent in ``[sent_from, sent_to)``."""
        burst_from = sent_from - BURST_SPAN
        involves = self._involved.involves
        for initiator in (user.index, *self.tenant.potential_senders(user.index)):
            office = self.tenant.users[initiator].office
            for day in office.local_days(burst_from, sent_to):
                if not involves(initiator, day, user.index):
                    continue
                for message in self.started_by(initiator, day):
                    if user.index in message.chat.participants:
                        yield message

    def _started_by(self, initiator: int, day: dt.date) -> tuple[ChatMessage, ...]:
        user = self.tenant.users[initiator]
        if (
            not user.is_valid
            or day <= user.created_at.date()
            or not self.tenant.audience(initiator).members
        ):
            return ()
        rng = rng_for(self.seed, "chats", initiator, day.toordinal())
        rate = self.tenant.config.chats_per_user_per_day / MEAN_MESSAGES_PER_BURST
        messages: list[ChatMessage] = []
        for burst in range(
            poisson(rng, rate * activity_level(self.seed, user) * day_factor(user.office, day))
        ):
            messages.extend(self._burst(rng, user, day, burst))
        return tuple(messages)

    def _burst(self, rng: random.Random, user: User, day: dt.date, burst: int) -> list[ChatMessage]:
        chat = self._chat(rng, user)
        moment = user.office.to_utc(
            day, send_minute(rng, user.office, self.tenant.config.after_hours_ratio)
        )
        users = self.tenant.users
        if any(users[p].created_at > moment for p in chat.participants):
            return []
        messages, author = [], user.index
        for position in range(rng.randint(*MESSAGES_PER_BURST)):
            edited = (
                moment + dt.timedelta(seconds=rng.randint(60, 1800)) if chance(rng, 0.05) else None
            )
            text = phrases.fill(pick(rng, phrases.CHAT_LINES), rng)
            shared = (
                phrases.file_name(rng, users[author].department_key)[0]
                if chance(rng, 0.03)
                else None
            )
            messages.append(
                ChatMessage(
                    ("c", user.index, day.toordinal(), burst, position),
                    chat,
                    author,
                    moment.replace(microsecond=0),
                    text,
                    edited and edited.replace(microsecond=0),
                    "high" if chance(rng, 0.02) else "normal",
                    shared,
                )
            )
            moment += dt.timedelta(seconds=rng.randint(5, MAX_GAP_S))
            author = pick(rng, [p for p in chat.participants if p != author])
        return messages

    def _chat(self, rng: random.Random, user: User) -> Chat:
        audience = self.tenant.audience(user.index)
        if chance(rng, 0.3):
            team = self._group_chat_members(user)
            if len(team) >= 3:
                return self._group_chat(team)
        partner = rng.choices(audience.members, cum_weights=audience.cum_weights)[0]
        pair = tuple(sorted((user.index, partner)))
        ids = [self.tenant.users[i].id for i in pair]
        return Chat(f"19:{ids[0]}_{ids[1]}@unq.gbl.spaces", pair, None)

    def _group_chat_members(self, user: User) -> tuple[int, ...]:
        """The user's team: their manager's directs plus the manager (all in their audience)."""
        users = self.tenant.users
        if user.manager is None:
            return ()
        team = {user.manager, *users[user.manager].direct_reports}
        return tuple(sorted(i for i in team if users[i].is_valid))

    def _group_chat(self, members: tuple[int, ...]) -> Chat:
        users = self.tenant.users
        manager = min(members, key=lambda i: users[i].level)
        topic = f"{users[manager].given_name}'s team"
        token = stable_bytes(16, "group-chat", self.seed, *members).hex()
        return Chat(f"19:{token}@thread.v2", members, topic)


def _participants(messages: tuple[ChatMessage, ...]) -> set[int]:
    """Everyone in a chat one of the messages was posted to."""
    return {participant for message in messages for participant in message.chat.participants}
