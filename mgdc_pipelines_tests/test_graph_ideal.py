"""The graph bench's ideal: a clairvoyant client's rounds, on cases checked by hand and against
an exhaustive search of every schedule of tiny reads."""

from __future__ import annotations

import itertools
import random

import pytest

from benchmarks.graph_ideal import ideal_rounds, ideal_seconds


@pytest.mark.parametrize(("listing_pages", "mailboxes", "concurrency", "rounds"), [
    (1, [(0, 8)], 16, 3),  # the listing, then 8 pages of one mailbox 4 at a time
    (1, [(0, 1)] * 20, 16, 3),  # the listing, then 16 one-page mailboxes, then 4
    (1, [(0, 4)] * 4, 16, 2),  # 16 requests fill one round
    (1, [(0, 8), (0, 1), (0, 1)], 5, 3),  # the 8 first, 4 a round: shortest first would take 4
    (2, [(1, 1)], 16, 3),  # named on the second listing page: read in round 3
    (3, [(0, 1)], 16, 3),  # the listing's chain ends last
    (1, [], 16, 1),  # nobody to read: the listing alone
])
def test_hand_checked_cases(listing_pages, mailboxes, concurrency, rounds):
    assert ideal_rounds(listing_pages, mailboxes, per_mailbox=4, concurrency=concurrency) == rounds


def test_the_ideal_is_the_best_schedule_of_every_tiny_read():
    rng = random.Random(5)
    for _ in range(300):
        listing_pages = rng.randint(1, 3)
        mailboxes = [(rng.randrange(listing_pages), rng.randint(0, 7)) for _ in range(rng.randint(1, 3))]
        per_mailbox, concurrency = rng.randint(1, 4), rng.randint(1, 6)
        assert ideal_rounds(listing_pages, mailboxes, per_mailbox, concurrency) == _exhaustive(
            listing_pages, mailboxes, per_mailbox, concurrency), (listing_pages, mailboxes, per_mailbox, concurrency)


def test_ideal_seconds_places_each_mailbox_on_the_listing_page_naming_it():
    listing = [["a", "b"], ["c"]]
    assert ideal_seconds(listing, {"a": 1, "c": 1}, latency_s=0.1, per_mailbox=4, concurrency=16) == pytest.approx(0.3)
    assert ideal_seconds(listing, {"a": 1, "b": 1}, latency_s=0.1, per_mailbox=4, concurrency=16) == pytest.approx(0.2)


def _exhaustive(listing_pages: int, mailboxes: list[tuple[int, int]], per_mailbox: int, concurrency: int) -> int:
    """Fewest rounds over every way to send the requests within the rules (listing not charged)."""
    states, rounds = {tuple(requests for _, requests in mailboxes)}, 0
    while not any(sum(state) == 0 for state in states):
        rounds += 1
        states = {
            tuple(left - sent for left, sent in zip(state, sending))
            for state in states
            for sending in itertools.product(*(
                range(min(per_mailbox, left) + 1) if page + 2 <= rounds else (0,)
                for (page, _), left in zip(mailboxes, state)
            ))
            if sum(sending) <= concurrency
        }
    return max(listing_pages, rounds)


def test_the_graph_bench_places_every_mailbox_it_read_after_the_listing():
    """A tiny run of the bench's read: every row once, no 429, and an ideal of at least the
    listing's round plus the mail's (each mailbox is found on the listing's one page)."""
    from benchmarks.graph_run import graph_copy

    result = graph_copy(users=10, latency_s=0.02, page_size=10, max_concurrency=4)
    assert result["lost_pages"] == result["duplicate_rows"] == result["throttled"] == 0
    assert result["rows"] == result["expected_rows"] > 0
    mail_rounds = -(-(result["requests"] - 1) // 4)  # one listing page, 4 requests a round
    assert result["ideal_seconds"] == pytest.approx(0.02 * (1 + mail_rounds))
    assert result["client_cpu_s"] > 0 and result["emulator_cpu_s"] > 0
