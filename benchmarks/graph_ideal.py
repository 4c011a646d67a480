"""The ideal wall time of a Graph read: the makespan of a clairvoyant client, in rounds.

Every request takes one ``latency`` (a round). The clairvoyant client makes exactly the
requests the measured source made (counted from the emulator's log) but knows in advance how
many each mailbox needs, so it never waits for a page to learn of the next one: a mailbox's
requests are independent of each other. What it cannot escape:

* the user listing is one ``nextLink`` chain: its page ``i`` (0-based) is answered at the end
  of round ``i + 1``, so a mailbox it names can be read from round ``i + 2`` on (with one
  listing page, as in both bench sizes, round 1 holds the listing alone);
* at most ``per_mailbox`` requests of one mailbox in flight (Outlook: 4; a 5th is a 429);
* at most ``concurrency`` requests in flight in all.

Within those rules, filling each round one request at a time from the released mailbox with
the most requests left is optimal (an exchange argument: a schedule that serves a mailbox with
fewer left where one with more left had a free slot can swap one request of each, between
this round and a later one where the longer mailbox has more in flight, without ending
later). The listing's own requests are not charged to the cap: that only lowers the bound,
and with one listing page changes nothing (nothing else can run in round 1). So
:func:`ideal_rounds` is a lower bound on any client's makespan for these requests, and equal
to the best one's (``test_benchmarks.py`` checks it against exhaustive search).

>>> ideal_rounds(1, [(0, 8)], per_mailbox=4, concurrency=16)  # the listing, then 8 pages 4 at a time
3
>>> ideal_rounds(1, [(0, 1)] * 20, per_mailbox=4, concurrency=16)  # the listing, then 16 + 4
3
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable


def ideal_rounds(
    listing_pages: int, mailboxes: Iterable[tuple[int, int]], per_mailbox: int, concurrency: int
) -> int:
    """Rounds a clairvoyant client needs: ``mailboxes`` are (listing page naming it, requests)."""
    releases = sorted((page + 2, requests) for page, requests in mailboxes if requests > 0)
    ready: list[tuple[int, int]] = []  # (-requests left, mailbox): the most left first
    rounds, released, last_busy = 0, 0, 0
    while released < len(releases) or ready:
        rounds += 1
        if not ready and releases[released][0] > rounds:
            rounds = releases[released][0]  # nothing to read until the listing names someone
        while released < len(releases) and releases[released][0] <= rounds:
            heapq.heappush(ready, (-releases[released][1], released))
            released += 1
        ready = _one_round(ready, per_mailbox, concurrency)
        last_busy = rounds
    return max(listing_pages, last_busy)


def _one_round(ready: list[tuple[int, int]], per_mailbox: int, concurrency: int) -> list[tuple[int, int]]:
    """Send up to ``concurrency`` requests, each to the mailbox with the most left; what remains."""
    sent: dict[int, int] = {}
    full: list[tuple[int, int]] = []  # mailboxes at their limit this round, requests left
    for _ in range(concurrency):
        if not ready:
            break
        left, mailbox = heapq.heappop(ready)
        sent[mailbox] = sent.get(mailbox, 0) + 1
        if left + 1 == 0:
            continue  # its last request
        if sent[mailbox] == per_mailbox:
            full.append((left + 1, mailbox))
        else:
            heapq.heappush(ready, (left + 1, mailbox))
    for entry in full:
        heapq.heappush(ready, entry)
    return ready


def ideal_seconds(
    listing: list[list[str]], requests: dict[str, int], latency_s: float, per_mailbox: int, concurrency: int
) -> float:
    """:func:`ideal_rounds` × latency, for the listing's pages of ids and each mailbox's requests.

    A mailbox the listing does not name (none should be) counts as named on its first page.
    """
    page_of = {user_id: index for index, page in enumerate(listing) for user_id in page}
    mailboxes = [(page_of.get(mailbox, 0), count) for mailbox, count in requests.items()]
    return latency_s * ideal_rounds(len(listing), mailboxes, per_mailbox, concurrency)
