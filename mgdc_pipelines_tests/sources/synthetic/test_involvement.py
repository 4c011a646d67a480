"""InvolvementIndex: whether an originator's day involves a user, asked once per key, packed."""

from __future__ import annotations

import datetime as dt
import random
import threading
import tracemalloc
from collections import Counter

import pytest

from mgdc_pipelines.sources.synthetic.activity.involvement import InvolvementIndex

DAY = dt.date(2026, 11, 18)


def _involved_on(originator: int, day: dt.date) -> frozenset[int]:
    """A day's users: none for some originators, several for others (deterministic)."""
    rng = random.Random(originator * 1_000_003 + day.toordinal())
    return frozenset(rng.sample(range(500), rng.choice((0, 0, 1, 3, 7))))


def test_answers_are_the_activitys_and_each_key_is_made_once():
    made = Counter()

    def activity(originator: int, day: dt.date) -> frozenset[int]:
        made[originator, day] += 1
        return _involved_on(originator, day)

    index = InvolvementIndex(activity, lambda users: users)
    rng = random.Random(1)
    days = [DAY + dt.timedelta(days=n) for n in range(4)]
    for _ in range(20_000):  # originators in any order, days interleaved
        originator, day, user = rng.randrange(300), rng.choice(days), rng.randrange(500)
        assert index.involves(originator, day, user) == (user in _involved_on(originator, day))
    for (originator, day) in list(made):
        for user in _involved_on(originator, day):
            assert index.involves(originator, day, user)
    assert set(made.values()) == {1}


def test_threads_asking_at_once_get_the_same_answers():
    index = InvolvementIndex(_involved_on, lambda users: users)
    wrong = []

    def ask(seed: int) -> None:
        rng = random.Random(seed)
        for _ in range(5_000):
            originator, user = rng.randrange(2_000), rng.randrange(500)
            if index.involves(originator, DAY, user) != (user in _involved_on(originator, DAY)):
                wrong.append((originator, user))

    threads = [threading.Thread(target=ask, args=(seed,)) for seed in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert wrong == []


def test_a_key_costs_a_few_bytes_beside_the_users_it_involves():
    """A 50,000-user tenant's calendars ask about some 800,000 (organizer, day) pairs: at about
    100 bytes a key the index alone grew the day's memory by 100 MB."""
    index = InvolvementIndex(lambda originator, day: (originator % 500,), lambda users: users)
    days = [DAY + dt.timedelta(days=n) for n in range(5)]
    index.involves(0, days[0], 0)  # the first day's tables exist before measuring
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for day in days:
        for originator in range(20_000):
            index.involves(originator, day, 1)
    per_key = (tracemalloc.get_traced_memory()[0] - before) / (len(days) * 20_000)
    tracemalloc.stop()
    assert per_key < 30, f"{per_key:.0f} bytes a key"


def test_only_the_last_days_asked_about_are_kept_and_answers_survive_eviction():
    """A backfill in one process, or the Graph emulator, asks day after day: the index keeps
    ``days_kept`` days, not every day the process ever served, and a day asked about again after
    it left is made again with the same answers."""
    made = Counter()

    def activity(originator: int, day: dt.date) -> frozenset[int]:
        made[day] += 1
        return _involved_on(originator, day)

    index = InvolvementIndex(activity, lambda users: users, days_kept=3)
    days = [DAY + dt.timedelta(days=n) for n in range(10)]
    for day in days:
        for originator in range(50):
            index.involves(originator, day, 7)
        assert len(index) <= 3
    assert len(index) == 3
    first = days[0]
    assert [index.involves(o, first, u) for o in range(50) for u in range(0, 500, 7)] == [
        u in _involved_on(o, first) for o in range(50) for u in range(0, 500, 7)
    ]
    assert made[first] == 100  # made when first asked about, then again after it left
    assert made[days[-1]] == 50  # still kept: not made again


def test_days_kept_must_be_positive():
    with pytest.raises(ValueError, match="days_kept must be at least 1, got 0"):
        InvolvementIndex(_involved_on, lambda users: users, days_kept=0)
