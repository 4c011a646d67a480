"""ReadAhead: a source read in a background thread stays at most ``depth`` items ahead."""

from __future__ import annotations

import threading

import pytest

from mgdc_pipelines.sources.read_ahead import ReadAhead

ITEMS = 50


def counted(produced: list[int], waiting: threading.Event, stop_at: int):
    """Items 0..ITEMS-1, noting each one handed out; ``waiting`` is set once ``stop_at`` were."""
    for item in range(ITEMS):
        produced.append(item)
        if len(produced) == stop_at:
            waiting.set()
        yield item


@pytest.mark.parametrize("depth", [1, 3])
def test_the_reader_holds_at_most_depth_items_beyond_the_one_it_is_handing_over(depth):
    produced: list[int] = []
    filled = threading.Event()
    # Taken: 1; queued: depth; in the producer's hand, waiting for room: 1.
    bound = 1 + depth + 1
    with ReadAhead(counted(produced, filled, bound), depth=depth) as reader:
        assert next(reader) == 0
        assert filled.wait(10), "the producer never filled the queue"
        # Give the producer the chance to run on: one without a bound would go through all
        # ITEMS in this pause; this one waits for room with the bound in hand.
        threading.Event().wait(0.2)
        assert len(produced) == bound
        assert list(reader) == list(range(1, ITEMS))


def test_closing_early_stops_the_producer_and_closes_the_source():
    closed = threading.Event()

    def items():
        try:
            yield from range(ITEMS)
        finally:
            closed.set()

    with ReadAhead(items(), depth=1) as reader:
        assert next(reader) == 0
    assert closed.is_set()
