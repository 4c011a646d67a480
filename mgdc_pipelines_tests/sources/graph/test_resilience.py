"""Throttling, server errors, dropped connections and malformed pages, injected by the emulator."""

from __future__ import annotations

import pytest

from mgdc_pipelines.emulator import FaultConfig
from mgdc_pipelines.sinks import LocalSink
from mgdc_pipelines.sinks.base import PartitionRef
from mgdc_pipelines.sources.graph import MalformedPageError, RetriesExhaustedError, RetryPolicy
from mgdc_pipelines.transfer import copy_partition
from mgdc_pipelines_tests.sources.graph.conftest import DAY, request_for, sorted_rows


def graph_requests(emu):
    return [r for r in emu.requests if r.service == "graph"]


@pytest.mark.parametrize("dataset", ["SentItem_v1", "User_v1"])
def test_a_429_storm_with_5xx_bursts_and_dropped_connections_loses_and_duplicates_nothing(
    dataset, emulator, graph, synthetic
):
    emulator.configure(faults=FaultConfig(
        throttle_every=3, server_error_burst=6, drop_connection_every=7, retry_after_s=0.01,
    ))
    request = request_for(dataset)
    actual = sorted_rows(graph.extract(request), request.output_schema)
    assert actual == sorted_rows(synthetic.extract(request), request.output_schema)
    statuses = [r.status for r in graph_requests(emulator)]
    assert statuses.count(429) > 3 and {503, 504} <= set(statuses) and None in statuses  # None: dropped
    stats = graph.last_stats
    assert stats.throttled >= statuses.count(429) - stats.server_errors  # every 429 was waited out
    assert stats.server_errors >= 2 and stats.dropped_connections >= 1


def _retry_gaps(emu) -> list[float]:
    """Seconds between each throttled top-level request and the next request for the same URL."""
    log = [r for r in graph_requests(emu) if not r.in_batch]
    gaps = []
    for index, entry in enumerate(log):
        if entry.status != 429:
            continue
        retry = next(r for r in log[index + 1:] if (r.method, r.path, r.params) == (entry.method, entry.path, entry.params))
        gaps.append(retry.started - entry.finished)
    return gaps


@pytest.mark.parametrize("http_date", [False, True])
def test_retry_after_is_honoured_as_seconds_and_as_an_http_date(http_date, emulator, graph):
    # The retry policy's own backoff is at most 0.2 s: gaps near Retry-After prove it was obeyed.
    seconds = 2.0 if http_date else 0.6  # an HTTP date has whole seconds: 2 s means at least 1 s
    emulator.configure(faults=FaultConfig(throttle_burst=1, retry_after_s=seconds, retry_after_http_date=http_date))
    list(graph.extract(request_for("GroupDetails_v0")))
    gaps = _retry_gaps(emulator)
    assert len(gaps) >= 1
    assert min(gaps) >= (0.9 if http_date else 0.55)


def test_attempts_are_bounded_and_the_error_names_the_url(emulator, graph_factory):
    graph = graph_factory(retry=RetryPolicy(max_attempts=3, base_delay_s=0.01, max_delay_s=0.02))
    emulator.configure(faults=FaultConfig(throttle_burst=10_000, retry_after_s=0.01))
    with pytest.raises(RetriesExhaustedError, match=r"after 3 attempts") as error:
        list(graph.extract(request_for("Message_v1")))
    assert emulator.graph_url in str(error.value)


def test_a_malformed_page_fails_the_partition_and_the_sink_writes_nothing(emulator, graph, tmp_path):
    emulator.configure(faults=FaultConfig(malformed_page_every=5))
    request = request_for("Message_v1")
    partition = PartitionRef(request.dataset.name, DAY, "all")
    sink = LocalSink(tmp_path / "data")
    with pytest.raises(MalformedPageError) as error:
        copy_partition(graph, sink, request, partition)
    message = str(error.value)
    assert "Message_v1" in message and "malformed page" in message and emulator.graph_url in message
    assert [p for p in (tmp_path / "data").rglob("*") if p.is_file()] == []

