"""Python objects that Arrow's threads hold, let go of before the interpreter exits.

A ``pa.PythonFile`` over a Python object (the Azure sink's ranged blob reader) is read by the
threads of Arrow's pools when a dataset is scanned, and the last of them to drop the file
releases the Python object: it takes the GIL to do so. A scan's result can reach the caller a
moment before that happens. If the program then ends, the thread asks for the GIL while the
interpreter finalizes, Python ends that thread inside Arrow's C++ code, and the process aborts
("terminate called without an active exception", exit code 134), after the work succeeded:
a script whose last step loads partitions failed that way in 1 run in 4 to 8 here.

:func:`held_by_arrow` registers such an object (a file, or the handler of a ``PyFileSystem``
that a scan's fragments hold: a program's temporary dataset is released by the last thread
done with it). At exit (``atexit`` runs before the interpreter finalizes) the main thread
waits, the GIL released, while Arrow's threads let go of registered objects: they do so within
milliseconds. It stops waiting once none has been let go of for :data:`STALL_SECONDS`: the
objects left are held by live Python references (a dataset in a global variable, an unfinished
``to_batches()``), which the main thread itself releases later, safely. So a program's exit
takes at most that much longer, and never more than :data:`EXIT_WAIT_SECONDS`.

>>> import io
>>> before = still_held()
>>> reader = held_by_arrow(io.BytesIO(b"rows"))
>>> still_held() - before
1
>>> del reader
>>> still_held() - before
0
"""

from __future__ import annotations

import atexit
import threading
import time
import weakref
from typing import TypeVar

EXIT_WAIT_SECONDS = 2.0
STALL_SECONDS = 0.1
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


def wait_until_released(
    timeout: float = EXIT_WAIT_SECONDS, stall: float = STALL_SECONDS
) -> int:
    """Sleep (the GIL released) while registered objects are alive and being let go of: until
    none is, or none was for ``stall`` seconds, at most ``timeout`` seconds; how many are."""
    start = last_release = time.monotonic()
    alive = still_held()
    while alive and (now := time.monotonic()) - start < timeout and now - last_release < stall:
        time.sleep(_POLL_SECONDS)
        if (left := still_held()) < alive:
            last_release = time.monotonic()
        alive = left
    return alive
