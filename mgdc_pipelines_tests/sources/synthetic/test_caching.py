"""DayFlags: a rare per-(user, day) event decided once per pair, in a byte per user and day."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from mgdc_pipelines.sources.synthetic.caching import DayFlags

DAY = dt.date(2026, 11, 18)


def test_each_user_and_day_is_decided_once_and_answered_the_same_after():
    asked: Counter = Counter()

    def decide(user: int, day: dt.date) -> bool:
        asked[user, day] += 1
        return (user + day.day) % 7 == 0

    flags = DayFlags(users=50, decide=decide)
    days = [DAY + dt.timedelta(days=n) for n in range(5)]
    first = [[flags(user, day) for user in range(50)] for day in days]
    again = [[flags(user, day) for user in range(50)] for day in days]
    assert first == again == [[(u + d.day) % 7 == 0 for u in range(50)] for d in days]
    assert set(asked.values()) == {1} and len(asked) == 250


def test_only_the_last_days_kept_are_remembered():
    asked: Counter = Counter()
    flags = DayFlags(users=3, decide=lambda user, day: asked.update([day]) or False, days_kept=2)
    days = [DAY + dt.timedelta(days=n) for n in range(3)]
    for day in days:
        flags(1, day)
    flags(1, days[2])  # kept: not asked again
    flags(1, days[0])  # the first day went when the third came: asked again
    assert [asked[day] for day in days] == [2, 1, 1]
