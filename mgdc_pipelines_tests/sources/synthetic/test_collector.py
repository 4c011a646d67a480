"""Full garbage collections wait while a batch of synthetic rows is made, and only then."""

from __future__ import annotations

import gc
import threading

import pytest

from mgdc_pipelines.sources.synthetic.collector import (
    DEFERRED_FULL_COLLECTION_THRESHOLD,
    full_collections_deferred,
    made_without_full_collections,
)


def test_full_collections_wait_while_a_batch_is_made_and_not_while_the_consumer_holds_it():
    before = gc.get_threshold()
    seen_while_making = []

    def batches():
        for number in range(2):
            seen_while_making.append(gc.get_threshold())
            yield number

    seen_by_consumer = [gc.get_threshold() for _ in made_without_full_collections(batches())]

    assert [t[2] for t in seen_while_making] == [DEFERRED_FULL_COLLECTION_THRESHOLD] * 2
    assert [t[:2] for t in seen_while_making] == [before[:2]] * 2  # young collections still run
    assert seen_by_consumer == [before, before]
    assert gc.get_threshold() == before


def test_a_failing_batch_restores_the_thresholds():
    before = gc.get_threshold()

    def batches():
        yield 1
        raise RuntimeError("generation failed")

    with pytest.raises(RuntimeError, match="generation failed"):
        list(made_without_full_collections(batches()))
    assert gc.get_threshold() == before


def test_overlapping_threads_restore_the_thresholds_only_when_the_last_one_leaves():
    before = gc.get_threshold()
    first_inside, second_done = threading.Event(), threading.Event()
    observed = {}

    def first():
        with full_collections_deferred():
            first_inside.set()
            second_done.wait(10)
            observed["first, after the second left"] = gc.get_threshold()[2]

    thread = threading.Thread(target=first)
    thread.start()
    first_inside.wait(10)
    with full_collections_deferred():
        observed["second"] = gc.get_threshold()[2]
    second_done.set()
    thread.join(10)

    assert observed == {
        "second": DEFERRED_FULL_COLLECTION_THRESHOLD,
        "first, after the second left": DEFERRED_FULL_COLLECTION_THRESHOLD,
    }
    assert gc.get_threshold() == before
