"""The worker pool behind GraphSource: bounded memory, failures and early stops (no network)."""

from __future__ import annotations

import threading
import time

import pytest

from mgdc_pipelines.sources.graph.streaming import parallel_chunks


def test_workers_wait_for_a_slow_consumer_so_memory_stays_bounded():
    produced = 0
    lock = threading.Lock()

    def work(task: int):
        nonlocal produced
        for chunk in range(50):
            with lock:
                produced += 1
            yield (task, chunk)

    consumed, most_ahead = 0, 0
    for _ in parallel_chunks(range(8), work, workers=4, max_queued=3):
        consumed += 1
        time.sleep(0.001)
        with lock:
            most_ahead = max(most_ahead, produced - consumed)
    assert consumed == 400
    assert most_ahead <= 3 + 4 + 1  # the queue, plus one chunk in each worker's hand


def test_the_first_failure_reaches_the_consumer_and_stops_the_other_workers():
    started: list[int] = []

    def work(task: int):
        started.append(task)
        if task == 2:
            raise RuntimeError("page 3 of user 2 is malformed")
        yield [task]
        time.sleep(0.01)

    with pytest.raises(RuntimeError, match="user 2 is malformed"):
        list(parallel_chunks(range(1000), work, workers=2))
    assert len(started) < 1000


def test_closing_the_stream_early_stops_the_workers():
    def work(task: int):
        for chunk in range(10_000):
            yield [task, chunk]

    before = threading.active_count()
    stream = parallel_chunks(range(4), work, workers=3, max_queued=2)
    next(stream)
    stream.close()
    assert threading.active_count() == before
