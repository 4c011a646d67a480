"""Roster.but: every member but one, item for item what a filtered copy of the list would be."""

from __future__ import annotations

import random

import pytest

from mgdc_pipelines.sources.synthetic.randomness import pick
from mgdc_pipelines.sources.synthetic.roster import Roster


def test_but_lists_what_filtering_the_member_out_would_list():
    rng = random.Random(5)
    for size in (0, 1, 2, 3, 17, 200):
        members = rng.sample(range(10_000), size)
        roster = Roster(members)
        for left_out in [*members, 10_001]:  # each member, and someone who is not one
            expected = [m for m in members if m != left_out]
            but = roster.but(left_out)
            assert len(but) == len(expected)
            assert list(but) == expected
            assert [but[i] for i in range(-len(expected), 0)] == expected
            assert but[1:-1:2] == tuple(expected[1:-1:2])


def test_pick_draws_the_same_member_from_the_roster_as_from_the_filtered_list():
    members = list(range(0, 3_000, 3))
    roster = Roster(members)
    for author in (0, 1_500, 2_997, 4):
        expected = [m for m in members if m != author]
        draws = [random.Random(seed) for seed in range(50)]
        again = [random.Random(seed) for seed in range(50)]
        assert [pick(r, roster.but(author)) for r in draws] == [pick(r, expected) for r in again]


def test_an_index_past_the_end_raises_index_error():
    but = Roster((4, 5, 6)).but(5)
    with pytest.raises(IndexError, match="index 2 out of range for 2 members"):
        but[2]
    with pytest.raises(IndexError):
        but[-3]
    assert list(Roster(()).but(1)) == []


def test_a_member_listed_twice_is_refused():
    with pytest.raises(ValueError, match="each member once; got 3 entries for 2 members"):
        Roster((1, 2, 1))


def test_membership_and_order_are_the_members_given():
    roster = Roster((9, 2, 7))
    assert list(roster) == [9, 2, 7] and len(roster) == 3
    assert 2 in roster and 3 not in roster
