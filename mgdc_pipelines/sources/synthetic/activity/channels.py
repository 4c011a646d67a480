"""Teams channels and the posts in them, for every Teams-enabled Microsoft 365 group.

* Each team gets its General channel when the group is created; later, members open named
  channels now and then (a project, an event, a customer), a few of them private or shared.
  Channels are generated per *(team, UTC day of creation)* and never deleted.
* Posts are generated per *(team, local day of the author)*: a member starts a thread in
  General or in one of the team's recent standard channels and a few colleagues reply.

TeamsChannelDetails_v0 and TeamsStandardChannelMessages_v0 show these channels and posts; the
Teams activity signals (``CreateChannel``, ``PostChannelMessage``, ``ReplyChannelMessage``) are
the same channels and posts seen from the user who created or wrote them.

>>> from mgdc_pipelines.sources.synthetic.config import TenantConfig
>>> tenant = SyntheticTenant(TenantConfig(seed=42, users=40))
>>> team = tenant.group_by_nickname["sales"]
>>> general = ChannelModel(tenant).created_between(team, team.created_at, team.created_at + DAY)[0]
>>> general.display_name, general.membership_type, general.id.endswith("@thread.tacv2")
('General', 'standard', True)
>>> ChannelModel(tenant).general(team) == general
True
"""

from __future__ import annotations

import bisect
import datetime as dt
import random
from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property, lru_cache

from mgdc_pipelines.sources.synthetic.activity import phrases
from mgdc_pipelines.sources.synthetic.activity.timing import activity_level, day_factor, send_minute
from mgdc_pipelines.sources.synthetic.caching import BoundedCache
from mgdc_pipelines.sources.synthetic.org_groups import Group
from mgdc_pipelines.sources.synthetic.randomness import chance, pick, poisson, rng_for, stable_bytes
from mgdc_pipelines.sources.synthetic.roster import Roster
from mgdc_pipelines.sources.synthetic.tenant import SyntheticTenant
from mgdc_pipelines.sources.synthetic.wordlists import listed

DAY = dt.timedelta(days=1)
GENERAL = "General"
NEW_CHANNELS_PER_TEAM_PER_DAY = 0.2  # a working day's chance that someone opens a channel
ACTIVE_CHANNEL_DAYS = 60  # posts go to General or to a standard channel this recent
POSTS_PER_MEMBER_PER_DAY = 0.25
MAX_REPLIES = 4
MAX_REPLY_DELAY_S = 3 * 3600
MAX_EDIT_DELAY_S = 1800
SPANS_KEPT = 64  # teams' posts indexed by author, for the members asking about the same span
ROSTERS_KEPT = 64  # who could reply in a team, as of a few recent hires
MEMBERSHIP_TYPES, MEMBERSHIP_CUM_WEIGHTS = ("standard", "private", "shared"), (80, 95, 100)
CHANNEL_TOPICS = listed("""
    Announcements, Planning, Design reviews, Release train, Customer escalations, Hiring,
    Onboarding, Offsite, Retrospectives, Budget, Vendors, Metrics, Social, Ideas, Roadmap,
    Training, Compliance, Partner updates, Launch readiness, Wins
    """)


@dataclass(frozen=True, slots=True)
class Channel:
    id: str
    team: str  # the group id
    display_name: str
    description: str | None
    created_at: dt.datetime
    membership_type: str
    creator: int

    @property
    def is_general(self) -> bool:
        return self.display_name == GENERAL


@dataclass(frozen=True, slots=True)
class ChannelPost:
    """A message in a channel: a thread's first post (``reply_to`` None) or a reply."""

    key: tuple  # ("t", team nickname, author, local day ordinal, thread, position)
    channel: Channel
    author: int
    sent_at: dt.datetime
    text: str
    subject: str | None
    importance: str
    edited_at: dt.datetime | None
    thread: tuple  # the key of the thread's first post

    @property
    def is_reply(self) -> bool:
        return self.key != self.thread


class ChannelModel:
    def __init__(self, tenant: SyntheticTenant, cache_size: int = 8192) -> None:
        self.tenant = tenant
        self.seed = tenant.config.seed
        self._created_on = lru_cache(maxsize=cache_size)(self._channels_created_on)
        self._posted_by = lru_cache(maxsize=cache_size)(self._threads_started)
        self._joined_first = lru_cache(maxsize=ROSTERS_KEPT)(self._members_joined_first)
        self._join_times = lru_cache(maxsize=None)(self._team_join_times)
        self.teammates = lru_cache(maxsize=None)(self._teammates)
        self._by_author: BoundedCache[Mapping[int, tuple[ChannelPost, ...]]] = BoundedCache(
            SPANS_KEPT
        )

    @cached_property
    def teams(self) -> tuple[Group, ...]:
        return tuple(g for g in self.tenant.groups if g.teams_enabled)

    def teams_of(self, index: int) -> tuple[Group, ...]:
        """The teams this user is a (valid) member of: where they post and open channels."""
        return self._teams_by_member.get(index, ())

    @cached_property
    def _teams_by_member(self) -> Mapping[int, tuple[Group, ...]]:
        found: defaultdict[int, list[Group]] = defaultdict(list)
        for team in self.teams:
            for index in self.tenant.valid_member_indices(team.id):
                found[index].append(team)
        return {index: tuple(teams) for index, teams in found.items()}

    def _teammates(self, team_id: str) -> Roster:
        """The team's valid members (``.but(author)``: whom an author can @mention)."""
        return Roster(self.tenant.valid_member_indices(team_id))

    # --- channels ---------------------------------------------------------------------------

    def created_between(self, team: Group, start: dt.datetime, end: dt.datetime) -> list[Channel]:
        """The team's channels created in ``[start, end)``, oldest first."""
        if not team.teams_enabled:
            return []
        first = max(start, team.created_at).date()
        found = []
        for offset in range(max(0, (end.date() - first).days + 1)):
            for channel in self._created_on(team.id, first + offset * DAY):
                if start <= channel.created_at < end:
                    found.append(channel)
        return found

    def _channels_created_on(self, team_id: str, day: dt.date) -> tuple[Channel, ...]:
        team, users = self.tenant.group(team_id), self.tenant.users
        channels = []
        if day == team.created_at.date():
            channels.append(self._channel(team, GENERAL, team.description, team.created_at,
                                          "standard", team.owners[0]))
        creators = [i for i in self.tenant.valid_member_indices(team_id)
                    if users[i].created_at.date() < day]
        if creators and day > team.created_at.date() and users[creators[0]].office.is_workday(day):
            rng = rng_for(self.seed, "channels", team_id, day.toordinal())
            for _ in range(poisson(rng, NEW_CHANNELS_PER_TEAM_PER_DAY)):
                creator = users[pick(rng, creators)]
                topic = pick(rng, CHANNEL_TOPICS)
                created = creator.office.to_utc(day, send_minute(rng, creator.office, 0.0))
                kind = rng.choices(MEMBERSHIP_TYPES, cum_weights=MEMBERSHIP_CUM_WEIGHTS)[0]
                description = f"{topic} for {team.display_name}." if chance(rng, 0.6) else None
                channels.append(
                    self._channel(team, topic, description, created, kind, creator.index)
                )
        return tuple(sorted(channels, key=lambda c: c.created_at))

    def _channel(self, team: Group, name: str, description: str | None,
                 created: dt.datetime, kind: str, creator: int) -> Channel:
        token = stable_bytes(16, "channel", self.seed, team.id, name, created.isoformat()).hex()
        return Channel(f"19:{token}@thread.tacv2", team.id, name, description,
                       created.replace(microsecond=0), kind, creator)

    def general(self, team: Group) -> Channel:
        """The General channel, opened with the team."""
        return self.created_between(team, team.created_at, team.created_at + DAY)[0]

    def active_standard_channels(self, team: Group, moment: dt.datetime) -> list[Channel]:
        """General and the standard channels opened in the last :data:`ACTIVE_CHANNEL_DAYS`."""
        recent = self.created_between(team, moment - ACTIVE_CHANNEL_DAYS * DAY, moment)
        return [self.general(team)] + [
            c for c in recent if c.membership_type == "standard" and not c.is_general
        ]

    # --- posts ------------------------------------------------------------------------------

    def posts(
        self, team: Group, sent_from: dt.datetime, sent_to: dt.datetime
    ) -> Iterator[ChannelPost]:
        """Posts in the team's standard channels that may be sent in ``[sent_from, sent_to)``."""
        if not team.teams_enabled:
            return
        reply_from = sent_from - dt.timedelta(seconds=MAX_REPLIES * MAX_REPLY_DELAY_S)
        users = self.tenant.users
        for author in (i for i in team.member_users if users[i].is_valid):  # guests have no office
            for day in users[author].office.local_days(reply_from, sent_to):
                yield from self._posted_by(team.id, author, day)

    def posts_by(
        self, team: Group, author: int, sent_from: dt.datetime, sent_to: dt.datetime
    ) -> tuple[ChannelPost, ...]:
        """The author's posts in the team sent in ``[sent_from, sent_to)``, in sending order.

        Replies live in threads other members started, so the team's posts of the span are
        indexed by author once, for every member asking about the same span.
        """
        index = self._by_author.get(
            (team.id, sent_from, sent_to), lambda: self._by_author_index(team, sent_from, sent_to)
        )
        return index.get(author, ())

    def _by_author_index(
        self, team: Group, sent_from: dt.datetime, sent_to: dt.datetime
    ) -> Mapping[int, tuple[ChannelPost, ...]]:
        found: defaultdict[int, list[ChannelPost]] = defaultdict(list)
        for post in self.posts(team, sent_from, sent_to):
            if sent_from <= post.sent_at < sent_to:
                found[post.author].append(post)
        return {author: tuple(sorted(posts, key=lambda p: (p.sent_at, p.key)))
                for author, posts in found.items()}

    def _threads_started(
        self, team_id: str, author_index: int, day: dt.date
    ) -> tuple[ChannelPost, ...]:
        team, users = self.tenant.group(team_id), self.tenant.users
        author = users[author_index]
        if not author.is_valid or day <= max(author.created_at, team.created_at).date():
            return ()
        rng = rng_for(self.seed, "channel-posts", team_id, author_index, day.toordinal())
        rate = POSTS_PER_MEMBER_PER_DAY * activity_level(self.seed, author)
        rate *= day_factor(author.office, day)
        posts: list[ChannelPost] = []
        for thread in range(poisson(rng, rate)):
            moment = author.office.to_utc(
                day, send_minute(rng, author.office, self.tenant.config.after_hours_ratio)
            ).replace(microsecond=0)
            channels = self.active_standard_channels(team, moment)
            posts.extend(self._thread(rng, team, pick(rng, channels), author_index, moment,
                                      (team.mail_nickname, author_index, day.toordinal(), thread)))
        return tuple(posts)

    def _thread(self, rng: random.Random, team: Group, channel: Channel, author: int,
                moment: dt.datetime, key: tuple) -> list[ChannelPost]:
        users = self.tenant.users
        repliers = self.members_at(team, moment).but(author)
        first = ("t", *key, 0)
        subject = phrases.fill(pick(rng, phrases.SUBJECTS.get(users[author].department_key,
                                                             phrases.SUBJECTS["engineering"])), rng)
        posts = [self._post(rng, first, channel, author, moment, first,
                            subject if chance(rng, 0.3) else None)]
        for position in range(1, 1 + min(len(repliers), rng.randint(0, MAX_REPLIES))):
            moment += dt.timedelta(seconds=rng.randint(30, MAX_REPLY_DELAY_S))
            posts.append(self._post(rng, ("t", *key, position), channel, pick(rng, repliers),
                                    moment, first, None))
        return posts

    def members_at(self, team: Group, moment: dt.datetime) -> Roster:
        """The team's valid members whose accounts exist at ``moment``, in membership order.

        Who that is depends only on how many of them joined before ``moment``, so a day's
        threads share a handful of rosters instead of each scanning the whole team.
        """
        joined = self._join_times(team.id)
        return self._joined_first(team.id, bisect.bisect_left(joined, moment))

    def _team_join_times(self, team_id: str) -> list[dt.datetime]:
        users = self.tenant.users
        return sorted(users[i].created_at for i in self.tenant.group(team_id).member_users
                      if users[i].is_valid)

    def _members_joined_first(self, team_id: str, count: int) -> Roster:
        """The valid members among the ``count`` who joined first (ties join together)."""
        users, joined = self.tenant.users, self._join_times(team_id)
        before = joined[count] if count < len(joined) else None  # None: all of them
        return Roster(i for i in self.tenant.group(team_id).member_users if users[i].is_valid
                      and (before is None or users[i].created_at < before))

    def _post(self, rng: random.Random, key: tuple, channel: Channel, author: int,
              sent: dt.datetime, thread: tuple, subject: str | None) -> ChannelPost:
        edited = None
        if chance(rng, 0.05):
            edited = sent + dt.timedelta(seconds=rng.randint(60, MAX_EDIT_DELAY_S))
        text = phrases.fill(pick(rng, phrases.CHAT_LINES), rng)
        importance = "high" if chance(rng, 0.03) else "normal"
        return ChannelPost(key, channel, author, sent, text, subject, importance, edited, thread)
