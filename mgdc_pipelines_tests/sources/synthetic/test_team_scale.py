"""Teams and meetings at scale: who can reply, @mention or host stays exact while the work per
user stays flat as the tenant grows (the all-company team holds everyone)."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter

import pytest

from mgdc_pipelines.catalog import get_dataset
from mgdc_pipelines.sources import ExtractRequest, Scope, TimeWindow
from mgdc_pipelines.sources.synthetic import SyntheticSource, SyntheticTenant, TenantConfig
from mgdc_pipelines.sources.synthetic.activity.channels import ChannelModel
from mgdc_pipelines.sources.synthetic.activity.meetings import MeetingModel
from mgdc_pipelines.sources.synthetic.people import User
from mgdc_pipelines.sources.synthetic.tenant import tenant_for

DAY = dt.datetime(2026, 11, 18, tzinfo=dt.timezone.utc)
SECOND = dt.timedelta(seconds=1)


@pytest.fixture(scope="module")
def grown_tenant() -> SyntheticTenant:
    """A tenant that hired people over years, some disabled: rosters change over time."""
    return SyntheticTenant(TenantConfig(seed=11, users=240, guest_users=4,
                                        disabled_user_ratio=0.05))


def test_the_members_at_a_moment_are_the_valid_members_whose_accounts_exist(grown_tenant):
    channels, users = ChannelModel(grown_tenant), grown_tenant.users
    rng = random.Random(3)
    for team in channels.teams:
        hired = sorted({users[i].created_at for i in team.member_users})
        moments = [t + delta for t in hired for delta in (-SECOND, 0 * SECOND, SECOND)]
        for moment in rng.sample(moments, min(60, len(moments))) + [DAY]:
            expected = [i for i in team.member_users
                        if users[i].is_valid and users[i].created_at < moment]
            assert list(channels.members_at(team, moment)) == expected
            for author in rng.sample(team.member_users, 3):
                assert list(channels.members_at(team, moment).but(author)) == [
                    i for i in expected if i != author
                ]


def test_each_user_is_in_the_teams_that_list_them_in_team_order(grown_tenant):
    channels = ChannelModel(grown_tenant)
    for user in grown_tenant.users:
        assert channels.teams_of(user.index) == tuple(
            t for t in channels.teams if user.index in grown_tenant.valid_member_indices(t.id)
        )
        for team in channels.teams_of(user.index):
            assert list(channels.teammates(team.id).but(user.index)) == [
                i for i in grown_tenant.valid_member_indices(team.id) if i != user.index
            ]


def _day_request(dataset: str, days: int = 1) -> ExtractRequest:
    ds = get_dataset(dataset)
    date_column = ds.date_filter_columns[0] if ds.date_filter_columns else None
    return ExtractRequest(ds, ds.column_names, date_column,
                          TimeWindow(DAY, DAY + dt.timedelta(days=days)), Scope.everyone(),
                          "5b1c2c58-6a53-4f55-9d3f-2a0a1f0e7e11")


def _rows(config: TenantConfig, dataset: str, days: int = 1) -> int:
    """The rows of ``days`` of ``dataset`` from a fresh source (nothing cached before)."""
    # Sources share tenants (``tenant_for``): one an earlier test in this process built for the
    # same config would come with its teams and senders made, and be looked at less.
    tenant_for.cache_clear()
    return sum(b.num_rows for b in SyntheticSource(config).extract(_day_request(dataset, days)))


def _count_calls(monkeypatch, cls: type, name: str) -> Counter:
    """Counts, per (organizer, day), the calls of ``cls.name(self, organizer, day)``."""
    calls = Counter()
    method = getattr(cls, name)

    def counting(self, organizer, day):
        calls[organizer, day] += 1
        return method(self, organizer, day)

    monkeypatch.setattr(cls, name, counting)
    return calls


@pytest.mark.parametrize("dataset", ["TeamsStandardChannelMessages_v0", "TeamsChannelActivity_v0"])
def test_a_day_of_channel_posts_looks_at_each_member_a_bounded_number_of_times(
    monkeypatch, dataset
):
    """Replies used to pick from a fresh list of the whole team per thread: with everyone in
    the all-company team, four times the users was sixteen times the work."""
    looks = Counter()
    is_valid = User.is_valid.fget
    monkeypatch.setattr(User, "is_valid", property(lambda u: looks.update([u.index]) or
                                                   is_valid(u)))
    per_user = {}
    for users in (400, 1600):
        looks.clear()
        rows = _rows(TenantConfig(users=users), dataset)
        assert rows > users / 10  # a real day of posts, not an empty one
        per_user[users] = sum(looks.values()) / users
    assert per_user[1600] < 1.3 * per_user[400], per_user


def test_each_organizer_and_day_is_asked_once_whether_it_starts_a_series(monkeypatch):
    """Every calendar asks about its organizers' last six weeks; an LRU of (organizer, day)
    answers thrashed once a tenant had more pairs than it held, and asked again and again."""
    asked = _count_calls(monkeypatch, MeetingModel, "_decide_starts_series")
    rows = _rows(TenantConfig(users=400), "CalendarView_v0", days=2)
    assert rows > 400 and len(asked) > 400 * 40  # every organizer's six weeks were asked about
    assert max(asked.values()) == 1


def test_a_day_of_calendars_makes_an_organizers_day_of_meetings_again_only_for_its_invitees(
    monkeypatch,
):
    """Each calendar replays its potential organizers' days, and few of those meetings invite
    its owner. Once the tenant's (organizer, day) pairs outgrew the cache, every replay made the
    day again; now a day is made again only for a calendar it invites."""
    made = _count_calls(monkeypatch, MeetingModel, "_organized_on")
    rows = _rows(TenantConfig(users=800), "Event_v1")
    assert rows > 800 and len(made) > 10_000  # more (organizer, day) pairs than the cache holds
    assert sum(made.values()) < 1.25 * len(made), (sum(made.values()), len(made))
