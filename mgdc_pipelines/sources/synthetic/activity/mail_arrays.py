"""Version 3 of the tenant's mail: a day of messages for a block of mailboxes, as arrays.

Where version 1 replays each mailbox's colleagues message by message (``mail.py``), version 3
makes every message of a block of mailboxes at once with numpy: each employee's messages of a
UTC day (how many, when, to whom, which subject) and the mail from outside that reaches each
mailbox of the block. Every value is a hash of the message's key (``array_random``), so a
mailbox's mail is the same whichever block, scope or window asks for it.

A block of owners needs the messages of its owners and of everyone whose audience holds one
of them (``potential_senders``); only messages with a copy in the block are kept. A message is
sent within its UTC day, mostly in the sender's local working hours. Version 3 has no threads
of replies across days or whole-group announcements: a reply is a message whose subject
continues a conversation between the same two people.

>>> from mgdc_pipelines.sources.synthetic.tenant import SyntheticTenant
>>> from mgdc_pipelines.sources.synthetic.config import TenantConfig
>>> model = MailArrays(SyntheticTenant(TenantConfig(users=40)))
>>> day = dt.date(2026, 11, 19)
>>> messages, copies = model.block(np.arange(40), [day])
>>> start = day_start_seconds(day)
>>> bool(((messages.sent >= start) & (messages.sent < start + 86_400)).all())
True
>>> again, _ = model.block(np.arange(20, 40), [day])
>>> set(again.key.tolist()) <= set(messages.key.tolist())
True
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields

import numpy as np

from mgdc_pipelines.sources.synthetic.activity.array_random import (
    below,
    draw,
    gauss,
    mix,
    poisson,
    weighted_choice,
)
from mgdc_pipelines.sources.synthetic.activity.mail import RECIPIENT_CUM_WEIGHTS
from mgdc_pipelines.sources.synthetic.activity.mail_pools import VARIANTS, MailPools
from mgdc_pipelines.sources.synthetic.activity.mail_tenant_arrays import (
    TenantArrays,
    day_start_seconds,
)
from mgdc_pipelines.sources.synthetic.randomness import derive_seed
from mgdc_pipelines.sources.synthetic.tenant import SyntheticTenant

NEW, REPLY, INBOUND, NOTIFICATION = 0, 1, 2, 3  # kinds of message
TO, CC, BCC = 0, 1, 2  # roles of a recipient
REPLY_SHARE = 0.35
CC_SHARE, BCC_SHARE = 0.25, 0.03
OUTSIDE_SENDER_SHARE = 0.6  # mail from outside: a person rather than a service
INBOUND_AFTER_HOURS = 0.3
# Draw numbers (fields) of a message's key.
F_HOURS, F_HUMP, F_GAUSS, F_EVENING, F_AFTER = 1, 2, 3, 5, 6
F_COUNT, F_TO, F_CC, F_BCC, F_EXTERNAL, F_OUTSIDER, F_KIND, F_SUBJECT = range(10, 18)


@dataclass(frozen=True)
class Messages:
    """Messages as parallel arrays; recipients flat in ``slot_*``, by message then role."""

    key: np.ndarray  # uint64, unique
    thread: np.ndarray  # uint64: the conversation
    sender: np.ndarray  # party id (see mail_pools.Parties)
    kind: np.ndarray
    topic: np.ndarray
    subject: np.ndarray  # index into MailPools.subject_texts
    sent: np.ndarray  # seconds since the Unix epoch
    slot_message: np.ndarray
    slot_party: np.ndarray
    slot_role: np.ndarray

    def __len__(self) -> int:
        return len(self.key)


def concat_messages(parts: list[Messages]) -> Messages:
    """One :class:`Messages` of several (slots renumbered)."""
    offsets = np.cumsum([0, *(len(p) for p in parts[:-1])])
    values = {}
    for f in fields(Messages):
        arrays = [getattr(p, f.name) for p in parts]
        if f.name == "slot_message":
            arrays = [a + o for a, o in zip(arrays, offsets)]
        values[f.name] = np.concatenate(arrays)
    return Messages(**values)


@dataclass(frozen=True)
class Copies:
    """Which mailbox holds which message: one entry per copy."""

    message: np.ndarray  # index into the block's Messages
    owner: np.ndarray  # user index
    sent_copy: np.ndarray  # bool: the sender's own copy


class MailArrays:
    """Version 3 of the tenant's mail (see the module docstring)."""

    def __init__(self, tenant: SyntheticTenant) -> None:
        self.tenant = tenant
        self.config = tenant.config
        self.arrays = TenantArrays(tenant)
        self.pools = MailPools(tenant)
        self.key = derive_seed(tenant.config.seed, "mail-v3")

    def block(self, owners: np.ndarray, days: list[dt.date]) -> tuple[Messages, Copies]:
        """The messages with a copy in an ``owners``' mailbox on ``days``, and the copies."""
        holds = np.zeros(self.arrays.users, bool)
        holds[owners] = True
        senders = self.senders_reaching(owners)
        parts = []
        for day in days:
            parts.append(self.sent_by(senders, day, holds))
            parts.append(self.inbound(owners, day))
        messages = concat_messages(parts)
        return messages, self.copies(messages, holds)

    def senders_reaching(self, owners: np.ndarray) -> np.ndarray:
        """The owners and everyone whose mail may reach them, sorted."""
        reach = [np.frombuffer(self.tenant.potential_senders(int(o)), np.uint32) for o in owners]
        return np.unique(np.concatenate([np.asarray(owners, np.uint32), *reach])).astype(np.int64)

    def sent_by(self, senders: np.ndarray, day: dt.date, holds: np.ndarray) -> Messages:
        """The messages ``senders`` send on ``day`` that a mailbox in ``holds`` gets a copy of."""
        a, ordinal = self.arrays, day.toordinal()
        active = senders[a.valid[senders] & (a.created_day[senders] < ordinal)]
        factor, _ = a.day_of_offices(day)
        rate = self.config.messages_per_user_per_day * a.level[active] * factor[a.office[active]]
        sender, number = _repeat(active, poisson(draw(mix(self.key, 1, active, ordinal), 0), rate))
        keys = mix(self.key, 2, sender, ordinal, number)
        sent = self.sent_at(sender, keys, day, self.config.after_hours_ratio)
        matrix = self.recipients(sender, keys, sent)
        internal = matrix < a.users
        reaches = holds[sender] | (holds[np.where(internal, matrix, 0)] & (matrix >= 0)).any(1)
        keep = reaches & (matrix[:, :4] >= 0).any(1)
        sender, keys, sent, matrix = sender[keep], keys[keep], sent[keep], matrix[keep]
        kind = np.where(draw(keys, F_KIND) < REPLY_SHARE, REPLY, NEW)
        topic = a.topic[sender]
        subject = self.pools.subjects.pick(topic, draw(keys, F_SUBJECT))
        thread = np.where(kind == REPLY, self._conversation(sender, matrix[:, 0], subject), keys)
        subject = subject + np.where(kind == REPLY, len(self.pools.subjects.values), 0)
        return _messages(keys, thread, sender, kind, topic, subject, sent, matrix)

    def _conversation(self, sender, partner, subject) -> np.ndarray:
        """The key of the conversation two people hold about one subject (either may write)."""
        low, high = np.minimum(sender, partner), np.maximum(sender, partner)
        return mix(self.key, 5, low, high, subject)

    def recipients(self, sender: np.ndarray, keys: np.ndarray, sent: np.ndarray) -> np.ndarray:
        """Party ids by column (To ×4, Cc, Bcc), -1 where none, each party at most once."""
        a, n = self.arrays, len(sender)
        count = weighted_choice(draw(keys, F_COUNT), RECIPIENT_CUM_WEIGHTS) + 1
        matrix = np.full((n, 6), -1, np.int64)
        for column in range(4):
            chosen = a.colleagues(sender, draw(keys, F_TO + column * 16))
            matrix[:, column] = np.where(column < count, chosen, -1)
        for column, field, share in ((4, F_CC, CC_SHARE), (5, F_BCC, BCC_SHARE)):
            chosen = a.colleagues(sender, draw(keys, field + 16))
            matrix[:, column] = np.where(draw(keys, field) < share, chosen, -1)
        exists = matrix >= 0
        not_yet = exists & (a.created[np.where(exists, matrix, 0)] > sent[:, None])
        matrix[not_yet | (matrix == sender[:, None])] = -1
        _drop_repeats(matrix)
        external = draw(keys, F_EXTERNAL) < a.outside_share[sender]
        outsider = self.pools.outside_by_topic
        chosen = outsider.values[outsider.pick(a.topic[sender], draw(keys, F_OUTSIDER))]
        matrix[external, 0] = chosen[external]
        matrix[external, 1:4] = -1
        return matrix

    def inbound(self, owners: np.ndarray, day: dt.date) -> Messages:
        """Mail from outside (people and services) that reaches ``owners`` on ``day``."""
        a, ordinal = self.arrays, day.toordinal()
        active = owners[a.valid[owners] & (a.created_day[owners] <= ordinal)]
        factor, _ = a.day_of_offices(day)
        rate = self.config.external_messages_per_user_per_day * factor[a.office[active]]
        owner, number = _repeat(active, poisson(draw(mix(self.key, 3, active, ordinal), 0), rate))
        keys = mix(self.key, 4, owner, ordinal, number)
        sent = self.sent_at(owner, keys, day, INBOUND_AFTER_HOURS)
        keep = sent >= a.created[owner]
        owner, keys, sent = owner[keep], keys[keep], sent[keep]
        return self._from_outside(owner, keys, sent)

    def _from_outside(self, owner, keys, sent) -> Messages:
        pools, topic = self.pools, self.arrays.topic[owner]
        person = draw(keys, F_KIND) < OUTSIDE_SENDER_SHARE
        outsider = pools.outside_by_topic.values[
            pools.outside_by_topic.pick(topic, draw(keys, F_OUTSIDER))
        ]
        service = below(keys, F_OUTSIDER + 16, len(pools.notifications.values) // VARIANTS)
        sender = np.where(person, outsider, pools.parties.first_service + service)
        variant = below(keys, F_SUBJECT, VARIANTS)
        notice = 2 * len(pools.subjects.values) + service * VARIANTS + variant
        subject = np.where(person, pools.subjects.pick(topic, draw(keys, F_SUBJECT)), notice)
        kind = np.where(person, INBOUND, NOTIFICATION)
        matrix = np.full((len(owner), 1), -1, np.int64)
        matrix[:, 0] = owner
        return _messages(keys, keys, sender, kind, topic, subject, sent, matrix)

    def sent_at(self, user: np.ndarray, keys: np.ndarray, day: dt.date, after_hours: float):
        """Seconds since the epoch within the UTC ``day``: mostly in ``user``'s working hours
        (their local clock), sometimes in the evening or early (as ``timing.send_minute``)."""
        a = self.arrays
        start, end = a.workday_start[a.office[user]], a.workday_end[a.office[user]]
        middle = start + (end - start) * np.where(draw(keys, F_HUMP) < 0.55, 0.3, 0.7)
        working = np.clip(middle + gauss(keys, F_GAUSS) * (end - start) / 6, start, end - 1)
        u = draw(keys, F_AFTER)
        evening = end + 15 + u * (23 * 60 + 30 - end - 15)
        early = 6 * 60 + u * (np.maximum(6 * 60 + 1, start - 10) - 6 * 60)
        late = np.where(draw(keys, F_EVENING) < 0.7, evening, early)
        minute = np.where(draw(keys, F_HOURS) >= after_hours, working, late)
        _, offset = a.day_of_offices(day)
        utc_minute = np.mod(minute - offset[a.office[user]], 1440.0)
        return day_start_seconds(day) + (utc_minute * 60).astype(np.int64)

    def copies(self, messages: Messages, holds: np.ndarray) -> Copies:
        """The copies the mailboxes in ``holds`` get: the sender's, each recipient's."""
        users = self.arrays.users
        internal = messages.sender < users
        sent = np.nonzero(internal & holds[np.where(internal, messages.sender, 0)])[0]
        party = messages.slot_party
        mine = (party < users) & holds[np.where(party < users, party, 0)]
        received = messages.slot_message[mine]
        return Copies(
            message=np.concatenate([sent, received]),
            owner=np.concatenate([messages.sender[sent], party[mine]]),
            sent_copy=np.concatenate([np.ones(len(sent), bool), np.zeros(len(received), bool)]),
        )


def _repeat(values: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each value ``count`` times, and its number among them.

    >>> [a.tolist() for a in _repeat(np.array([5, 7]), np.array([2, 1]))]
    [[5, 5, 7], [0, 1, 0]]
    """
    repeated = np.repeat(values, counts)
    firsts = np.repeat(np.cumsum(counts) - counts, counts)
    return repeated, np.arange(len(repeated)) - firsts


def _drop_repeats(matrix: np.ndarray) -> None:
    """Clear (-1) each party already named in an earlier column of its row, in place."""
    for column in range(1, matrix.shape[1]):
        seen = (matrix[:, :column] == matrix[:, column:column + 1]).any(1)
        matrix[seen & (matrix[:, column] >= 0), column] = -1


def _messages(keys, thread, sender, kind, topic, subject, sent, matrix) -> Messages:
    rows, columns = np.nonzero(matrix >= 0)
    roles = np.array([TO, TO, TO, TO, CC, BCC])[columns]
    return Messages(
        keys, thread, sender, kind, topic, subject, sent, rows, matrix[rows, columns], roles
    )
