"""Mailbox-days read in parallel time slices: every row once, numbered in date order, ≤ 4 in flight."""

from __future__ import annotations

from collections import Counter

import pytest

from mgdc_pipelines.catalog.graph import graph_property, parse_odata_datetime
from mgdc_pipelines.emulator import FaultConfig
from mgdc_pipelines.sources.graph.mailbox_day import MailboxDay
from mgdc_pipelines_tests.sources.graph.conftest import DAY, request_for, sorted_rows, window


def mailbox_requests(emulator):
    return [r for r in emulator.requests if r.service == "graph" and r.mailbox]


def slices_read(entries) -> Counter:
    """First pages (no `$skip`) per mailbox: one per time slice the source read."""
    return Counter(r.mailbox for r in entries if "$skip" not in r.params)


def test_a_long_mailbox_is_read_in_parallel_slices_giving_every_row_once_in_date_order(emulator, graph_factory, synthetic):
    emulator.configure(latency_s=0.01)
    graph = graph_factory(max_concurrency=12, page_size=2)
    request = request_for("Message_v1")
    rows = sorted_rows(graph.extract(request), request.output_schema)
    entries = mailbox_requests(emulator)
    longest, pages = Counter(r.mailbox for r in entries).most_common(1)[0]
    assert slices_read(entries)[longest] > 1, f"the longest mailbox ({pages} pages) was read in one chain"
    assert max(r.concurrent for r in entries if r.mailbox == longest) > 1
    # Same rows as the generator, metadata included: userrow/datarow number each mailbox's rows
    # in date order, so a row read twice, lost or numbered out of order would differ.
    assert rows == sorted_rows(synthetic.extract(request), request.output_schema)
    assert max(r.concurrent for r in entries) <= 4
    assert not [r for r in entries if r.status == 429]


def test_slices_are_windows_of_the_day_read_in_date_order(emulator, graph_factory):
    emulator.configure(latency_s=0.01)
    graph = graph_factory(max_concurrency=12, page_size=2)
    request = request_for("SentItem_v1")
    assert sum(batch.num_rows for batch in graph.extract(request)) > 0
    entries = mailbox_requests(emulator)
    day, date_property = window(DAY), graph_property(request.dataset, request.date_filter_column)
    for entry in entries:
        assert entry.params["$orderby"] == date_property  # Graph's order is what slicing relies on
        low, high = _bounds(entry.params["$filter"])
        assert day.start <= low < high <= day.end
    longest = slices_read(entries).most_common(1)[0][0]
    windows = [_bounds(r.params["$filter"]) for r in entries if r.mailbox == longest and "$skip" not in r.params]
    assert len(windows) == len(set(windows)) > 1


def _bounds(expression: str):
    """The `ge`/`lt` datetimes of `p ge a and p lt b`."""
    clauses = dict(clause.split(" ")[1:] for clause in expression.split(" and "))
    return parse_odata_datetime(clauses["ge"]), parse_odata_datetime(clauses["lt"])


def test_429s_with_retry_after_are_still_waited_out_while_slices_are_read(emulator, graph_factory, synthetic):
    """The emulator allows 2 requests per mailbox, the source assumes Outlook's 4: the 3rd and
    4th slice get 429 + Retry-After, are retried after it, and no row is lost or doubled."""
    emulator.configure(latency_s=0.01, mailbox_concurrency=2, faults=FaultConfig(throttle_every=17, retry_after_s=0.05))
    try:
        graph = graph_factory(max_concurrency=12, page_size=2)
        request = request_for("Message_v1")
        rows = sorted_rows(graph.extract(request), request.output_schema)
    finally:
        emulator.configure(mailbox_concurrency=4)
    throttled = [r for r in mailbox_requests(emulator) if r.status == 429]
    assert throttled and graph.last_stats.throttled == len(throttled)
    assert graph.last_stats.waited_s >= 0.05 * len(throttled) - 1e-9  # a sum of floats
    assert rows == sorted_rows(synthetic.extract(request), request.output_schema)


def test_rows_sharing_the_boundary_date_are_read_once_by_the_next_slice():
    """Three rows at 10 s straddle the first page; the next slice starts at 10 s (``ge``)."""
    rows = [(t, f"m{i}") for i, t in enumerate([1.0, 5.0, 10.0, 10.0, 10.0, 20.0, 30.0, 40.0, 50.0])]

    def page(start, end, offset, size=4):
        inside = [row for row in rows if start <= row[0] < end]
        return inside[offset:offset + size], (start, end, offset + size) if offset + size < len(inside) else None

    day, handed_on = MailboxDay("u", 0.0, 100.0, per_mailbox=4), []
    ready = [day.first_read()]
    while ready:
        read = ready.pop()
        items, next_link = page(*(read.next_link or (read.slice.start, read.slice.end, 0)))
        follow, runs = day.arrived(read, items, next_link, lambda r: r[0], lambda r: r[1], spare=8)
        ready += follow
        handed_on += [(first + n, row) for first, run in runs for n, row in enumerate(run)]
    assert len(day.slices) == 0 and day.done
    assert handed_on == list(enumerate(rows))


@pytest.mark.parametrize("spare", [0, 8])
def test_a_mailbox_never_has_more_than_its_slots_of_slices_reading(spare):
    """However long the day, at most ``per_mailbox`` slices read at once; none without spare workers."""
    rows = [(float(t), f"m{t}") for t in range(0, 1000, 2)]

    def page(start, end, offset, size=5):
        inside = [row for row in rows if start <= row[0] < end]
        return inside[offset:offset + size], (start, end, offset + size) if offset + size < len(inside) else None

    day, most, count = MailboxDay("u", 0.0, 1000.0, per_mailbox=4), 0, 0
    ready = [day.first_read()]
    while ready:
        most = max(most, len(ready))
        read = ready.pop(0)
        items, next_link = page(*(read.next_link or (read.slice.start, read.slice.end, 0)))
        follow, runs = day.arrived(read, items, next_link, lambda r: r[0], lambda r: r[1], spare=spare)
        ready += follow
        count += sum(len(run) for _, run in runs)
    assert count == len(rows)
    assert most == (4 if spare else 1)


def test_the_simulation_checks_every_row_and_more_slots_are_not_slower():
    from benchmarks.graph_simulation import simulate

    runs = {slots: simulate(mailboxes=300, concurrency=600, per_mailbox=slots, seed=3) for slots in (1, 2, 4)}
    for slots, run in runs.items():
        assert run["lost_rows"] == run["misplaced_rows"] == run["over_mailbox_limit"] == 0
        assert 0 < run["efficiency"] <= 1
        assert run["max_in_flight_per_mailbox"] == slots
    assert runs[1]["wall_seconds"] >= runs[2]["wall_seconds"] >= runs[4]["wall_seconds"]
    assert runs[1]["wall_seconds"] > runs[4]["wall_seconds"]  # a few long mailboxes: the tail is theirs


def test_an_answering_worker_is_spare_only_when_no_other_read_waits_for_it():
    """Slices cost requests: they are cut only for workers that would idle, never while reads queue."""
    from mgdc_pipelines.sources.graph.sliced_reads import ReadQueue

    queue = ReadQueue(workers=2)
    days = [MailboxDay(f"u{i}", 0.0, 1.0, per_mailbox=4) for i in range(4)]
    queue.done_with(None, [day.first_read() for day in days])  # 4 reads for 2 workers
    answered = [next(queue), next(queue)]
    assert queue.spare(answered=1) == 0  # 2 reads still wait: the answering worker takes one
    queue.done_with(answered[0], [])
    queue.done_with(answered[1], [])
    assert queue.spare(answered=1) == 1  # 2 ready for 2 workers: the answering worker is free
    assert queue.spare() == 0 and queue.rounds_left() == 1.0
