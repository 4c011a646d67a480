"""``graph.simulated``: the Graph source's read policy at 50,000 mailboxes, in simulated time.

A discrete-event simulation, no sleeping: the *real* policy objects of the source
(:class:`~mgdc_pipelines.sources.graph.mailbox_day.MailboxDay` decides the slices and the order
rows are handed on in, :class:`~mgdc_pipelines.sources.graph.mailbox_day.ReadHeap` which read a
free worker takes) run against a simulated Graph with the emulator's timing model: every request
takes ``latency_s``; at most ``concurrency`` requests are in flight (the worker threads; at the
limit, Graph's 2,000 requests/s per app = ``2000 × latency_s``) and at most ``per_mailbox`` per
mailbox (Outlook: 4; a 5th would be a 429, so it is counted as ``over_mailbox_limit``). Users
arrive as the directory's pages of 999 do (one request each, in sequence), as in the source.

Mailbox sizes: messages per mailbox-day are log-normal, median 60 and σ = 1 (mean ≈ 99: about
what surveys give for a business user's sent + received mail; the tail, a few thousand a day at
50,000 mailboxes, stands for shared and service mailboxes). Times: 75 % in the owner's working
hours (08:00–18:00 in one of five time zones), the rest uniform over the UTC day; whole seconds,
so rows share dates as Graph's do. Every row handed on is checked: each mailbox's rows come
back once each, numbered 0..n-1 in date order (else ``lost_rows``/``misplaced_rows``).

``efficiency`` = ideal / simulated wall time, the ideal as in ``graph_run.py``: a clairvoyant
client's rounds for the same requests (``graph_ideal.py``), Outlook's 4 per mailbox whatever
``per_mailbox`` the policy uses.

>>> result = simulate(mailboxes=200, seed=1)
>>> result["lost_rows"], result["misplaced_rows"], result["over_mailbox_limit"], result["efficiency"] <= 1
(0, 0, 0, True)
"""

from __future__ import annotations

import heapq
import itertools
import math
from typing import Any

import numpy as np

from benchmarks.graph_ideal import ideal_rounds
from mgdc_pipelines.sources.graph.mailbox_day import MailboxDay, Read, ReadHeap
from mgdc_pipelines.sources.graph.throttle import OUTLOOK_CONCURRENCY_PER_MAILBOX as OUTLOOK_PER_MAILBOX

DAY_S = 86_400.0
DIRECTORY_PAGE = 999
TIME_ZONES_H = (-8.0, -5.0, 0.0, 1.0, 5.5)
GRAPH_APP_REQUESTS_PER_S = 2_000


def mailbox_times(mailboxes: int, median: float, sigma: float, rng: np.random.Generator) -> list[np.ndarray]:
    """Sorted whole-second receive times (seconds into the UTC day) of each mailbox's messages."""
    counts = np.rint(rng.lognormal(math.log(median), sigma, mailboxes)).astype(int)
    owner = np.repeat(np.arange(mailboxes), counts)
    zone_s = rng.choice(TIME_ZONES_H, mailboxes)[owner] * 3600
    working = rng.random(len(owner)) < 0.75
    local = np.where(working, rng.uniform(8 * 3600, 18 * 3600, len(owner)), rng.uniform(0, DAY_S, len(owner)))
    utc = np.floor(np.where(working, (local - zone_s) % DAY_S, local))
    ordered = utc[np.lexsort((utc, owner))]
    return np.split(ordered, np.cumsum(counts)[:-1])


class _Mailbox:
    """The simulated server side of one mailbox: pages of ``[start, end)``, ascending."""

    def __init__(self, times: np.ndarray, page_size: int) -> None:
        self.times, self.page_size = times, page_size

    def page(self, start: float, end: float, offset: int) -> tuple[list[tuple[float, int]], Any]:
        low, high = np.searchsorted(self.times, [start, end], side="left")
        first = low + offset
        last = min(first + self.page_size, high)
        items = list(zip(self.times[first:last].tolist(), range(first, last)))
        return items, ((start, end, offset + self.page_size) if last < high else None)


def simulate(
    mailboxes: int = 50_000, latency_s: float = 0.3, page_size: int = 100, concurrency: int | None = None,
    per_mailbox: int = 4, median: float = 60.0, sigma: float = 1.0, seed: int = 7,
) -> dict[str, Any]:
    """Simulate one day of Message_v1 for ``mailboxes`` users; see the module docstring."""
    concurrency = concurrency or int(GRAPH_APP_REQUESTS_PER_S * latency_s)
    rng = np.random.default_rng(seed)
    servers = [_Mailbox(times, page_size) for times in mailbox_times(mailboxes, median, sigma, rng)]
    run = _Run(servers, latency_s, concurrency, per_mailbox)
    wall = run.until_done()
    requests = sum(run.requests) + run.directory_pages
    named_on = [(index // DIRECTORY_PAGE, count) for index, count in enumerate(run.requests)]
    ideal = latency_s * ideal_rounds(run.directory_pages, named_on, OUTLOOK_PER_MAILBOX, concurrency)
    messages = sum(len(server.times) for server in servers)
    return {
        "mailboxes": mailboxes, "latency_s": latency_s, "page_size": page_size,
        "concurrency": concurrency, "per_mailbox": per_mailbox,
        "messages_median": median, "messages_sigma": sigma,
        "messages": messages, "largest_mailbox": max(len(server.times) for server in servers),
        "requests": requests, "wall_seconds": round(wall, 3), "ideal_seconds": round(ideal, 3),
        "efficiency": round(ideal / wall, 4),
        "lost_rows": messages - run.rows_handed_on - run.misplaced, "misplaced_rows": run.misplaced,
        "max_in_flight_per_mailbox": run.max_in_flight, "over_mailbox_limit": run.over_limit,
        "max_requests_per_mailbox": max(run.requests),  # Outlook: 10,000 per 10 minutes
    }


class _Run:
    """Worker slots, the ready reads (the source's heap) and the requests in flight."""

    def __init__(self, servers: list[_Mailbox], latency_s: float, concurrency: int, per_mailbox: int) -> None:
        self.servers, self.latency_s, self.concurrency = servers, latency_s, concurrency
        self.per_mailbox = per_mailbox
        self.ready, self.in_flight = ReadHeap(), []
        self.order = itertools.count()
        self.requests = [0] * len(servers)
        self.mailbox_in_flight = [0] * len(servers)
        self.numbered = [0] * len(servers)
        self.directory_pages = math.ceil(len(servers) / DIRECTORY_PAGE)
        self.rows_handed_on = self.misplaced = self.max_in_flight = self.over_limit = 0

    def until_done(self) -> float:
        """Simulated seconds until the last row is handed on."""
        arrivals = [((page + 1) * self.latency_s, page) for page in range(self.directory_pages)]
        now, busy = 0.0, 0
        while arrivals or self.in_flight or len(self.ready):
            next_arrival = arrivals[0][0] if arrivals else math.inf
            next_done = self.in_flight[0][0] if self.in_flight else math.inf
            if next_arrival <= next_done:
                now, page = arrivals.pop(0)
                self._list_users(page, now)
            else:
                now, _, index, read, items, next_link = heapq.heappop(self.in_flight)
                busy -= 1
                self.mailbox_in_flight[index] -= 1
                outstanding = busy + len(self.ready) + 1  # as the source counts: this read too
                self._answered(index, read, items, next_link, spare=self.concurrency - outstanding + 1,
                               rounds_left=outstanding / self.concurrency)
            while busy < self.concurrency - (1 if arrivals else 0) and len(self.ready):
                self._send(self.ready.pop(), now)
                busy += 1
        return now

    def _list_users(self, page: int, now: float) -> None:
        first = page * DIRECTORY_PAGE
        for index in range(first, min(first + DIRECTORY_PAGE, len(self.servers))):
            self.ready.push([MailboxDay(str(index), 0.0, DAY_S, self.per_mailbox).first_read()])

    def _send(self, read: Read, now: float) -> None:
        index = int(read.day.unit_id)
        start, end, offset = read.next_link or (read.slice.start, read.slice.end, 0)
        items, next_link = self.servers[index].page(start, end, offset)
        self.requests[index] += 1
        self.mailbox_in_flight[index] += 1
        in_flight = self.mailbox_in_flight[index]
        self.max_in_flight = max(self.max_in_flight, in_flight)
        self.over_limit += in_flight > 4
        heapq.heappush(self.in_flight, (now + self.latency_s, next(self.order), index, read, items, next_link))

    def _answered(self, index: int, read: Read, items: list, next_link: Any, spare: int, rounds_left: float) -> None:
        follow, runs = read.day.arrived(read, items, next_link, date_of=_date, id_of=_id, spare=spare,
                                        rounds_left=rounds_left)
        self.ready.push(follow)
        for first_number, rows in runs:
            ids = [row[1] for row in rows]
            if first_number != self.numbered[index] or ids != list(range(first_number, first_number + len(rows))):
                self.misplaced += len(rows)  # repeated or out of order: not the mailbox's next rows
                continue
            self.numbered[index] += len(rows)
            self.rows_handed_on += len(rows)


def _date(item: tuple[float, int]) -> float:
    return item[0]


def _id(item: tuple[float, int]) -> int:
    return item[1]
