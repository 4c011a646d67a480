"""Who owns a write attempt, and when an attempt nobody finished may be cleaned up.

An attempt records its owner (host, process id, start time) when it starts. Another writer may
delete the attempt's leftovers only when the attempt is certainly abandoned:

- its process ran on this host and is gone (a crash, a killed pod on the same node); or
- it has shown no sign of life for :data:`STALE_ATTEMPT_AGE` (its process runs elsewhere and
  cannot be checked, so only a long silence proves it dead).

>>> import time
>>> owner = attempt_owner(PartitionRef("Example_v1", dt.date(2026, 11, 20), "all"))
>>> attempt_is_abandoned(owner, last_seen=time.time())  # this very process: alive
False
>>> attempt_is_abandoned({**owner, "host": "elsewhere"}, last_seen=time.time() - 2 * 86400)
True
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import time

from mgdc_pipelines.sinks.base import PartitionRef

# An attempt whose process cannot be checked (another host) is considered abandoned after this.
STALE_ATTEMPT_AGE = dt.timedelta(hours=24)


def attempt_owner(partition: PartitionRef) -> dict:
    return {
        "partition": partition.relative_path,
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "started": time.time(),
    }


def attempt_is_abandoned(owner: dict, last_seen: float) -> bool:
    """``last_seen``: when the attempt last showed life (epoch seconds)."""
    too_old = time.time() - last_seen > STALE_ATTEMPT_AGE.total_seconds()
    if owner.get("host") == socket.gethostname():
        return too_old or not process_alive(int(owner.get("pid", -1)))
    return too_old


def process_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    if pid == os.getpid():
        return True  # an earlier attempt of this very process that was never committed
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
