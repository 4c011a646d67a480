"""Python objects that Arrow's threads hold, let go of before the interpreter exits.

A ``pa.PythonFile`` over a Python object (the Azure sink's ranged blob reader) is read by the
threads of Arrow's pools when a dataset is scanned, and the last of them to drop the file
releases the Python object: it takes the GIL to do so. A scan's result can reach the caller a
moment before that happens. If the program then ends, the thread asks for the GIL while the
interpreter finalizes, Python ends that thread inside Arrow's C++ code, and the process aborts
("terminate called without an active exception", exit code 134), after the work succeeded:
a script whose last step loads a partition from Azure failed that way in about 1 run in 10.

:func:`held_by_arrow` registers such an object; at exit (``atexit`` runs before the interpreter
finalizes) the main thread waits, the GIL released, until Arrow's threads have let go of every
registered object, at most :data:`EXIT_WAIT_SECONDS`: they do so within milliseconds, and an
object a live Python reference still holds (an unfinished ``to_batches()``) is released later
by the main thread itself, which is safe.

>>> import io
>>> reader = held_by_arrow(io.BytesIO(b"rows"))
>>> still_held()
1
>>> del reader
>>> still_held()
0
"""

from __future__ import annotations

import atexit
import threading
import time
import weakref
from typing import TypeVar

EXIT_WAIT_SECONDS = 2.0
_POLL_SECONDS = 0.001

Held = TypeVar("Held")
_held: weakref.WeakSet = weakref.WeakSet()
_registered = threading.Lock()
_exit_hook_installed = False


def held_by_arrow(obj: Held) -> Held:
    """``obj``, to be let go of by Arrow's threads before the interpreter exits."""
    global _exit_hook_installed
    with _registered:
        _held.add(obj)
        if not _exit_hook_installed:
            atexit.register(wait_until_released)
            _exit_hook_installed = True
    return obj


def still_held() -> int:
    """How many registered objects are alive."""
    with _registered:
        return len(_held)


def wait_until_released(timeout: float = EXIT_WAIT_SECONDS) -> int:
    """Sleep (the GIL released) until no registered object is alive, at most ``timeout``
    seconds; how many still are."""
    deadline = time.monotonic() + timeout
    while (alive := still_held()) and time.monotonic() < deadline:
        time.sleep(_POLL_SECONDS)
    return alive
