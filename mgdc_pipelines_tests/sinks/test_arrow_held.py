"""Objects Arrow's threads hold are let go of before the interpreter exits (arrow_held)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading

from mgdc_pipelines.sinks.arrow_held import held_by_arrow, still_held, wait_until_released
from mgdc_pipelines.sinks.base import PartitionRef
from mgdc_pipelines.sinks.local import LocalSink
from mgdc_pipelines_tests.azurite import ACCOUNT_KEY
from mgdc_pipelines_tests.sinks.helpers import (  # noqa: F401  (the fixtures)
    DAY,
    batch,
    folder_sink,
    make_sink,
    write,
)

# A program that loads partitions and ends right away (a script's last step) had Arrow's
# threads release the sink's Python objects while the interpreter finalized: it aborted with
# exit code 134 in about 1 run in 4 to 8 here, after printing its result.
SCAN_THEN_EXIT_RUNS = 12
PARTITIONS = [PartitionRef("Example_v1", DAY, f"s{index}") for index in range(6)]


def _the_same_sink(sink) -> str:
    """Python that makes ``sink`` again in another process."""
    if isinstance(sink, LocalSink):
        return f"LocalSink({str(sink.root)!r})"
    return (f"AzureBlobSink({sink.account.url!r}, {sink.container!r}, "
            "credential=BlobCredential('key', os.environ['AZURITE_KEY']))")


def test_a_program_that_ends_right_after_scanning_partitions_exits_cleanly(folder_sink):
    sink = folder_sink()
    for index, partition in enumerate(PARTITIONS):
        write(sink, partition, batch(f"p{index}", 2000))
    scan = textwrap.dedent(
        f"""
        import datetime as dt, os, pyarrow as pa
        from mgdc_pipelines.sinks import AzureBlobSink, LocalSink
        from mgdc_pipelines.sinks.azure_account import BlobCredential
        from mgdc_pipelines.sinks.base import PartitionRef
        schema = pa.schema([("id", pa.string()), ("n", pa.int64())])
        sink = {_the_same_sink(sink)}
        day = dt.date(2026, 11, 20)
        partitions = [PartitionRef("Example_v1", day, f"s{{i}}") for i in range(6)]
        print(sink.open_dataset(partitions, schema).to_table().num_rows)
        """
    )
    environment = {**os.environ, "AZURITE_KEY": ACCOUNT_KEY}
    for _ in range(SCAN_THEN_EXIT_RUNS):
        run = subprocess.run(
            [sys.executable, "-c", scan], env=environment, capture_output=True, text=True
        )
        assert (run.returncode, run.stdout.strip(), run.stderr) == (0, "12000", "")


class Reader:
    """A stand-in for a blob reader (any object that takes weak references)."""


def test_the_program_waits_at_exit_for_a_thread_that_still_holds_a_registered_object():
    """The main thread ends while another thread (as Arrow's would) still holds the object, a
    few milliseconds more: the exit waits until that thread has let go of it, so no thread asks
    for the GIL while the interpreter finalizes. Without the wait, the thread never gets to
    release it."""
    program = textwrap.dedent(
        """
        import threading, time
        from mgdc_pipelines.sinks.arrow_held import held_by_arrow

        class Reader:
            def __del__(self):
                print("released", flush=True)

        def scan(reader):
            time.sleep(0.01)  # still reading when the main thread is done

        threading.Thread(target=scan, args=(held_by_arrow(Reader()),), daemon=True).start()
        print("done", flush=True)
        """
    )
    run = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True)
    assert (run.returncode, run.stdout.split(), run.stderr) == (0, ["done", "released"], "")


def test_an_object_a_live_reference_holds_does_not_keep_the_program_waiting():
    """An object the program itself still references (a dataset in a global variable) is
    released by the main thread later, safely: once nothing was let go of for ``stall``
    seconds the wait stops, long before its overall limit, and says how many remain."""
    before = still_held()
    reader = held_by_arrow(Reader())
    left: list[int] = []
    waiting = threading.Thread(
        target=lambda: left.append(wait_until_released(timeout=3600, stall=0.01)), daemon=True
    )
    waiting.start()
    waiting.join(timeout=60)  # stopping at the overall limit would be an hour
    assert not waiting.is_alive() and left == [before + 1]
    del reader
    assert wait_until_released(timeout=1, stall=0.01) == before
