"""Posts and replies in the General channel of each team (Teams-enabled Microsoft 365 group).

Generated per *(author, team, local day)*: members post or reply a few times a week in each
team they belong to, within their working hours, now and then mentioning a teammate. Only
members who joined before the day post, and only after the team exists. New posts are
TeamsChannelActivity_v0's ``PostChannelMessage`` signals, replies TeamsConversationActivity_v0's
``ReplyChannelMessage``.

>>> from mgdc_pipelines.sources.synthetic import SyntheticTenant, TenantConfig
>>> model = ChannelPostModel(SyntheticTenant(TenantConfig(seed=7, users=20)))
>>> [team.mail_nickname for team in model.teams_of(3)]  # the company, a department, projects
['all-company', 'engineering', 'project-atlas', 'project-borealis']
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property, lru_cache

from mgdc_pipelines.sources.synthetic.activity.timing import activity_level, send_minute
from mgdc_pipelines.sources.synthetic.org_groups import Group
from mgdc_pipelines.sources.synthetic.people import User
from mgdc_pipelines.sources.synthetic.randomness import chance, pick, poisson, rng_for
from mgdc_pipelines.sources.synthetic.tenant import SyntheticTenant

GENERAL = "General"  # every team has it; Teams names it so in every tenant
POSTS_PER_MEMBER_PER_TEAM_PER_WORKDAY = 0.25
REPLY_SHARE = 0.6  # of what members write in a channel, replies to an existing post
MENTION_SHARE = 0.3


@dataclass(frozen=True, slots=True)
class ChannelPost:
    key: tuple  # ("post", author, team nickname, day ordinal, number)
    team: Group
    channel: str
    author: int
    posted_at: dt.datetime
    is_reply: bool
    mentions: tuple[int, ...]  # teammates @mentioned


class ChannelPostModel:
    def __init__(self, tenant: SyntheticTenant, cache_size: int = 8192) -> None:
        self.tenant = tenant
        self.seed = tenant.config.seed
        self.posted_by = lru_cache(maxsize=cache_size)(self._posted_by)

    @cached_property
    def teams(self) -> tuple[Group, ...]:
        return tuple(g for g in self.tenant.groups if g.teams_enabled)

    def teams_of(self, index: int) -> tuple[Group, ...]:
        """The teams this user is a (transitive, valid) member of."""
        return tuple(t for t in self.teams if index in self.tenant.valid_member_indices(t.id))

    def posts(self, user: User, start: dt.datetime, end: dt.datetime) -> Iterator[ChannelPost]:
        """The user's posts in ``[start, end)``, team by team."""
        for team in self.teams_of(user.index):
            for day in user.office.local_days(start, end):
                for post in self.posted_by(user.index, team.id, day):
                    if start <= post.posted_at < end:
                        yield post

    def _posted_by(self, author: int, team_id: str, day: dt.date) -> tuple[ChannelPost, ...]:
        user, team = self.tenant.users[author], self.tenant.group(team_id)
        if not user.office.is_workday(day) or day <= max(user.created_at, team.created_at).date():
            return ()
        rng = rng_for(self.seed, "channel-posts", author, team.mail_nickname, day.toordinal())
        rate = POSTS_PER_MEMBER_PER_TEAM_PER_WORKDAY * activity_level(self.seed, user)
        after_hours = self.tenant.config.after_hours_ratio
        teammates = [i for i in self.tenant.valid_member_indices(team.id) if i != author]
        posts = []
        for number in range(poisson(rng, rate)):
            minute = send_minute(rng, user.office, after_hours)
            is_reply = chance(rng, REPLY_SHARE)
            mentions = (pick(rng, teammates),) if teammates and chance(rng, MENTION_SHARE) else ()
            posts.append(
                ChannelPost(
                    ("post", author, team.mail_nickname, day.toordinal(), number),
                    team,
                    GENERAL,
                    author,
                    user.office.to_utc(day, minute).replace(microsecond=0),
                    is_reply,
                    mentions,
                )
            )
        return tuple(posts)
