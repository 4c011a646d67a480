"""The organization's e-mail traffic, as messages independent of any mailbox.

Traffic is generated per *(originator, local day)* from a generator seeded by exactly that
key: the threads an employee starts that day, with the replies other participants send
(within :data:`THREAD_SPAN`), plus announcements to a whole group. Mail from outside is
generated per *(recipient, local day)*. A mailbox is then rebuilt by replaying only its owner
and its ``potential_senders`` (see ``collaboration.py``) for the days that can matter.

Every internal participant of a thread started by ``o`` is ``o`` or in ``o``'s audience, so
that replay finds every message any mailbox sends or receives.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from mgdc_pipelines.sources.synthetic.activity import phrases
from mgdc_pipelines.sources.synthetic.activity.involvement import InvolvementIndex
from mgdc_pipelines.sources.synthetic.activity.timing import (
    activity_level,
    day_factor,
    send_minute,
    within_working_hours,
)
from mgdc_pipelines.sources.synthetic.caching import BoundedCache
from mgdc_pipelines.sources.synthetic.people import User
from mgdc_pipelines.sources.synthetic.randomness import (
    chance,
    pick,
    poisson,
    rng_for,
    sample_distinct,
)
from mgdc_pipelines.sources.synthetic.spill import Spill, pickled_by_fields
from mgdc_pipelines.sources.synthetic.tenant import SyntheticTenant

THREAD_SPAN = dt.timedelta(days=2)  # the last reply comes at most this long after the first message
REPLY_COUNTS, REPLY_CUM_WEIGHTS = (0, 1, 2, 3), (45, 75, 90, 100)  # 45% none, 30% one, ...
MEAN_MESSAGES_PER_THREAD = 1.9  # 1 + the mean reply count above
RECIPIENT_COUNTS, RECIPIENT_CUM_WEIGHTS = (1, 2, 3, 4), (55, 80, 92, 100)
ANNOUNCEMENT_CHANCE = 0.1  # per working day, for the CEO and department heads

# Service senders whose notifications land in every mailbox (addresses as in real deliveries).
SERVICES = (
    (
        "Microsoft Teams",
        "noreply@email.teams.microsoft.com",
        "You have {number} new messages in Teams",
    ),
    (
        "Microsoft Azure",
        "azure-noreply@microsoft.com",
        "Azure AD Identity Protection Weekly Digest",
    ),
    ("Microsoft Viva", "viva-noreply@microsoft.com", "Your weekly focus time digest"),
    ("SharePoint Online", "no-reply@sharepointonline.com", "{person} shared a file with you"),
)


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Party:
    """Someone on a message: an employee (``user``), a group (``group``) or an outsider."""

    name: str
    address: str
    user: int | None = None
    group: str | None = None


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class MailMessage:
    """One message as sent; each mailbox that holds it gets its own copy (see datasets/mail)."""

    key: tuple  # unique: ("t", originator, day ordinal, thread, position) or ("in", user, day, n)
    thread_key: tuple
    position: int  # 0 for the first message of a thread
    kind: str  # conversation | announcement | inbound | notification
    topic: str  # vocabulary key (department) for the body text
    subject: str
    sender: Party
    to: tuple[Party, ...]
    cc: tuple[Party, ...]
    bcc: tuple[Party, ...]
    sent_at: dt.datetime
    thread_started: dt.datetime
    reply_delays: tuple[int, ...]  # seconds between the thread's messages so far
    delivered_to: frozenset[int]  # employee indices that receive a copy (not the sender)
    importance: str
    attachments: int
    previous: MailMessage | None = None  # the message this one replies to


class MailModel:
    """Generates and caches (boundedly) the tenant's mail, keyed by who sent it when."""

    def __init__(self, tenant: SyntheticTenant, cache_size: int = 8192) -> None:
        self.tenant = tenant
        self.seed = tenant.config.seed
        # A day of traffic reaches mailboxes far apart in extraction order (cross-team contacts;
        # whole teams in rows version 1): evicted days are spilled to disk and read back rather
        # than made again (see spill.py).
        self._traffic: BoundedCache[tuple[MailMessage, ...]] = BoundedCache(
            cache_size, spill=Spill()
        )
        self.inbound_for = lru_cache(maxsize=cache_size)(self._inbound_for)
        self._involved = InvolvementIndex(self.started_by, _mailboxes_involved)

    def started_by(self, originator: int, day: dt.date) -> tuple[MailMessage, ...]:
        """The messages of the threads ``originator`` started on ``day`` (and of announcements)."""
        return self._traffic.get(
            (originator, day), lambda: self._threads_started_by(originator, day)
        )

    def mailbox_messages(
        self, user: User, sent_from: dt.datetime, sent_to: dt.datetime
    ) -> Iterator[MailMessage]:
        """Messages ``user`` sent or received that may have been sent in ``[sent_from, sent_to)``.

        Over-approximates (whole local days); callers filter on the exact date column.
        """
        thread_from = sent_from - THREAD_SPAN
        involves = self._involved.involves
        for originator in (user.index, *self.tenant.potential_senders(user.index)):
            office = self.tenant.users[originator].office
            for day in office.local_days(thread_from, sent_to):
                if not involves(originator, day, user.index):
                    continue
                for message in self.started_by(originator, day):
                    if message.sender.user == user.index or user.index in message.delivered_to:
                        yield message
        for day in user.office.local_days(sent_from, sent_to):
            yield from self.inbound_for(user.index, day)

    # --- internal traffic -------------------------------------------------------------------

    def _threads_started_by(self, originator: int, day: dt.date) -> tuple[MailMessage, ...]:
        user = self.tenant.users[originator]
        if not user.is_valid or day <= user.created_at.date():  # mail starts the day after joining
            return ()
        config = self.tenant.config
        rng = rng_for(self.seed, "mail", originator, day.toordinal())
        rate = (config.messages_per_user_per_day / MEAN_MESSAGES_PER_THREAD) * activity_level(
            self.seed, user
        )
        messages: list[MailMessage] = []
        for number in range(poisson(rng, rate * day_factor(user.office, day))):
            messages.extend(self._thread(rng, user, day, number))
        audience = self.tenant.audience(originator)
        if (
            audience.broadcast_group
            and user.office.is_workday(day)
            and chance(rng, ANNOUNCEMENT_CHANCE)
        ):
            messages.extend(self._announcement(rng, user, day, audience.broadcast_group))
        return tuple(messages)

    def _thread(
        self, rng: random.Random, sender: User, day: dt.date, number: int
    ) -> list[MailMessage]:
        started = sender.office.to_utc(
            day, send_minute(rng, sender.office, self.tenant.config.after_hours_ratio)
        )
        outside = sender.department.external_mail_share if sender.department else 0.1
        to, cc, bcc = self._recipients(rng, sender, started, external=chance(rng, outside))
        if not to:
            return []
        thread_key = ("t", sender.index, day.toordinal(), number)
        first = self._message(
            rng,
            thread_key,
            0,
            kind="conversation",
            topic=sender.department_key,
            subject=phrases.fill(pick(rng, phrases.SUBJECTS[sender.department_key]), rng),
            sender=self._party(sender),
            to=to,
            cc=cc,
            bcc=bcc,
            sent=started,
            started=started,
        )
        return [first, *self._replies(rng, first)]

    def _replies(self, rng: random.Random, first: MailMessage) -> Iterator[MailMessage]:
        participants = [first.sender, *first.to, *first.cc]
        previous = first
        for position in range(1, rng.choices(REPLY_COUNTS, cum_weights=REPLY_CUM_WEIGHTS)[0] + 1):
            candidates = [p for p in participants if p.address != previous.sender.address]
            if not candidates:
                return
            responder = pick(rng, candidates)
            sent = previous.sent_at + dt.timedelta(seconds=_reply_delay_seconds(rng))
            if responder.user is not None:
                office = self.tenant.users[responder.user].office
                sent = within_working_hours(rng, office, sent, self.tenant.config.after_hours_ratio)
            if sent - first.sent_at > THREAD_SPAN:
                return
            delay = int((sent - previous.sent_at).total_seconds())
            others = tuple(
                p
                for p in participants
                if p.address not in (responder.address, previous.sender.address)
            )
            previous = self._message(
                rng,
                first.thread_key,
                position,
                kind="conversation",
                topic=first.topic,
                subject=f"RE: {first.subject}",
                sender=responder,
                to=(previous.sender,),
                cc=others,
                sent=sent,
                started=first.sent_at,
                delays=(*previous.reply_delays, delay),
                previous=previous,
            )
            yield previous

    def _recipients(self, rng: random.Random, sender: User, at: dt.datetime, external: bool):
        users, audience = self.tenant.users, self.tenant.audience(sender.index)
        if not audience.members:
            return (), (), ()
        count = rng.choices(RECIPIENT_COUNTS, cum_weights=RECIPIENT_CUM_WEIGHTS)[0]
        chosen = set(rng.choices(audience.members, cum_weights=audience.cum_weights, k=count))
        to = [self._party(users[i]) for i in sorted(chosen) if users[i].created_at <= at]
        cc: list[Party] = []
        if sender.manager is not None and sender.manager not in chosen and chance(rng, 0.18):
            cc.append(self._party(users[sender.manager]))
        if chance(rng, 0.15):
            extra = pick(rng, audience.members)
            if extra not in chosen and users[extra].created_at <= at:
                cc.append(self._party(users[extra]))
        # Only asked for when the thread goes outside: a large tenant's senders overflow the
        # bounded cache of outside contacts, and making a sender's again costs more than a thread.
        outsiders = self.tenant.outside_contacts(sender.index) if external else ()
        if outsiders:
            people = sample_distinct(rng, outsiders, rng.choice((1, 1, 2)))
            external_to = [Party(p.display_name, p.address) for p in people]
            to, cc = external_to, [p for p in (*to, *cc) if p.address != sender.mail][:2]
        bcc: list[Party] = []
        if chance(rng, 0.03):
            hidden = pick(rng, audience.members)
            if users[hidden].created_at <= at and all(p.user != hidden for p in (*to, *cc)):
                bcc.append(self._party(users[hidden]))
        return tuple(to), tuple(cc), tuple(bcc)

    def _announcement(
        self, rng: random.Random, sender: User, day: dt.date, group_id: str
    ) -> list[MailMessage]:
        group = self.tenant.group(group_id)
        sent = sender.office.to_utc(day, sender.office.workday_start_minute + rng.uniform(30, 240))
        subject = phrases.fill(pick(rng, phrases.ANNOUNCEMENTS), rng)
        to = (Party(group.display_name, group.mail, group=group.id),)
        thread_key = ("a", sender.index, day.toordinal())
        return [
            self._message(
                rng,
                thread_key,
                0,
                kind="announcement",
                topic="executive",
                subject=subject,
                sender=self._party(sender),
                to=to,
                sent=sent,
                started=sent,
            )
        ]

    # --- mail from outside ------------------------------------------------------------------

    def _inbound_for(self, recipient: int, day: dt.date) -> tuple[MailMessage, ...]:
        user = self.tenant.users[recipient]
        if not user.is_valid or day < user.created_at.date():
            return ()
        config = self.tenant.config
        rng = rng_for(self.seed, "inbound-mail", recipient, day.toordinal())
        count = poisson(
            rng, config.external_messages_per_user_per_day * day_factor(user.office, day)
        )
        outsiders = self.tenant.outside_contacts(recipient)
        messages = []
        for number in range(count):
            sent = user.office.to_utc(day, send_minute(rng, user.office, 0.3))
            if sent < user.created_at:
                continue
            if outsiders and chance(rng, 0.6):
                person = pick(rng, outsiders)
                sender = Party(person.display_name, person.address)
                subject = phrases.fill(pick(rng, phrases.SUBJECTS[user.department_key]), rng)
                kind, topic = "inbound", user.department_key
            else:
                name, address, template = pick(rng, SERVICES)
                sender = Party(name, address)
                colleagues = self.tenant.audience(recipient).members or (recipient,)
                subject = phrases.fill(
                    template, rng, person=self.tenant.users[pick(rng, colleagues)].display_name
                )
                kind, topic = "notification", "notification"
            thread_key = ("in", recipient, day.toordinal(), number)
            messages.append(
                self._message(
                    rng,
                    thread_key,
                    0,
                    kind=kind,
                    topic=topic,
                    subject=subject,
                    sender=sender,
                    to=(self._party(user),),
                    sent=sent,
                    started=sent,
                )
            )
        return tuple(messages)

    # --- helpers ----------------------------------------------------------------------------

    def _party(self, user: User) -> Party:
        return Party(user.display_name, user.mail, user=user.index)

    def _message(
        self,
        rng: random.Random,
        thread_key: tuple,
        position: int,
        *,
        kind: str,
        topic: str,
        subject: str,
        sender: Party,
        to: tuple[Party, ...],
        cc: tuple[Party, ...] = (),
        bcc: tuple[Party, ...] = (),
        sent: dt.datetime,
        started: dt.datetime,
        delays: tuple[int, ...] = (),
        previous: MailMessage | None = None,
    ) -> MailMessage:
        return MailMessage(
            key=(*thread_key, position),
            thread_key=thread_key,
            position=position,
            kind=kind,
            topic=topic,
            subject=subject,
            sender=sender,
            to=to,
            cc=cc,
            bcc=bcc,
            sent_at=sent.replace(microsecond=0),
            thread_started=started.replace(microsecond=0),
            reply_delays=delays,
            delivered_to=self._delivered_to(sender, (*to, *cc, *bcc), sent),
            importance=_importance(rng.random()),
            attachments=_attachment_count(rng.random(), is_reply=position > 0),
            previous=previous,
        )

    def _delivered_to(
        self, sender: Party, parties: tuple[Party, ...], sent: dt.datetime
    ) -> frozenset[int]:
        users = self.tenant.users
        mailboxes: set[int] = set()
        for party in parties:
            if party.user is not None:
                mailboxes.add(party.user)
            elif party.group is not None:
                mailboxes.update(
                    i
                    for i in self.tenant.valid_member_indices(party.group)
                    if users[i].created_at <= sent
                )
        mailboxes.discard(sender.user)
        return frozenset(mailboxes)


def _mailboxes_involved(messages: tuple[MailMessage, ...]) -> frozenset[int]:
    """Every mailbox holding a copy of one of the messages: its sender's and its recipients'."""
    involved = {m.sender.user for m in messages}
    for message in messages:
        involved.update(message.delivered_to)
    involved.discard(None)  # an outsider replying
    return frozenset(involved)


def _importance(roll: float) -> str:
    return "normal" if roll < 0.92 else "high" if roll < 0.98 else "low"


def _attachment_count(roll: float, is_reply: bool) -> int:
    """First messages carry files more often than replies."""
    if is_reply:
        return 1 if roll < 0.05 else 0
    return 0 if roll < 0.84 else 1 if roll < 0.97 else 2


def _reply_delay_seconds(rng: random.Random) -> int:
    """Most replies come within the hour, some the same day, a few the next day."""
    bucket = rng.random()
    if bucket < 0.6:
        return int(rng.uniform(3, 90) * 60)
    if bucket < 0.9:
        return int(rng.uniform(1.5, 8) * 3600)
    return int(rng.uniform(8, 30) * 3600)
