"""Streaming: lines are read as batches are asked for, batches hold at most ``batch_rows`` rows,
and memory does not grow with the delivery (Python objects, as tracemalloc sees them: the
parsed rows a non-streaming reader would pile up; Arrow buffers are the batches the caller holds)."""

from __future__ import annotations

import gc
import tracemalloc
from pathlib import Path

from mgdc_pipelines.sources.landing import LandingSource
from mgdc_pipelines_tests.sources.landing.helpers import deliver, message, request

BATCH_ROWS = 500


def deliver_messages(landing: Path, count: int, files: int = 3) -> None:
    per_file = -(-count // files)
    for part in range(files):
        numbers = range(part * per_file, min(count, (part + 1) * per_file))
        deliver(landing, "Message_v1", (message(n, bodyPreview="word " * 40) for n in numbers), part=part + 1)


def test_many_rows_come_in_several_batches_of_at_most_batch_rows(source, landing):
    deliver_messages(landing, 5_000)
    batches = list(source.extract(request("Message_v1", batch_rows=BATCH_ROWS)))
    sizes = [batch.num_rows for batch in batches]
    assert sum(sizes) == 5_000 and len(batches) >= 10
    assert max(sizes) <= BATCH_ROWS


def test_lines_are_read_only_as_batches_are_asked_for(source, landing):
    deliver_messages(landing, 5_000)
    extraction = source.extract(request("Message_v1", batch_rows=BATCH_ROWS))
    assert extraction.stats.lines_read == 0  # finding the files reads no line
    next(extraction)
    assert extraction.stats.lines_read == BATCH_ROWS
    extraction.close()  # stopping early closes the files; nothing more is read
    assert extraction.stats.lines_read == BATCH_ROWS and not extraction.stats.finished


def test_peak_memory_does_not_grow_with_the_number_of_rows(tmp_path):
    peaks = {}
    for count in (2_000, 8_000):
        landing = tmp_path / f"landing-{count}"
        deliver_messages(landing, count)
        source = LandingSource(landing, quarantine_dir=tmp_path / "quarantine")
        peaks[count] = peak_bytes_while_consuming(source, count)
    assert peaks[8_000] < 1.5 * peaks[2_000], peaks


def peak_bytes_while_consuming(source: LandingSource, expected_rows: int) -> int:
    gc.collect()
    tracemalloc.start()
    try:
        rows = sum(batch.num_rows for batch in source.extract(request("Message_v1", batch_rows=BATCH_ROWS)))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert rows == expected_rows
    return peak
