"""Objects Arrow's threads hold are let go of before the interpreter exits (arrow_held)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from mgdc_pipelines.sinks.arrow_held import held_by_arrow, still_held, wait_until_released


class Reader:
    """A stand-in for a blob reader (any object that takes weak references)."""


def test_the_program_waits_at_exit_for_a_thread_that_still_holds_a_registered_object():
    """The main thread ends while another thread (as Arrow's would) still holds the object: the
    exit waits until that thread has let go of it, so no thread asks for the GIL while the
    interpreter finalizes. Without the wait, the sleeping thread never gets to release it."""
    program = textwrap.dedent(
        """
        import threading, time
        from mgdc_pipelines.sinks.arrow_held import held_by_arrow

        class Reader:
            def __del__(self):
                print("released", flush=True)

        def scan(reader):
            time.sleep(0.2)  # still reading when the main thread is done

        threading.Thread(target=scan, args=(held_by_arrow(Reader()),), daemon=True).start()
        print("done", flush=True)
        """
    )
    run = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True)
    assert (run.returncode, run.stdout.split(), run.stderr) == (0, ["done", "released"], "")


def test_an_object_a_live_reference_holds_does_not_keep_the_program_waiting():
    """An object the program itself still references (an unfinished scan) is released by the
    main thread later, safely: the wait gives up after its timeout and says how many remain."""
    before = still_held()
    reader = held_by_arrow(Reader())
    assert wait_until_released(timeout=0.01) == before + 1
    del reader
    assert wait_until_released(timeout=0.01) == before
