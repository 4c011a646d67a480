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

A writer can die before it records its owner, or after it removed the record on its way to
publishing. So the attempt's folder name carries its process too (:func:`owner_tag`), and
:func:`owner_in_name` reads it back:

>>> owner_in_name(f"20261120T093000-0123456789ab.{owner_tag()}")["pid"] == os.getpid()
True
>>> owner_in_name("20261120T093000-0123456789ab") is None
True
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
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


# `<attempt id>.<host hash>.<pid>`: the end of a folder name made with owner_tag().
_OWNER_IN_NAME = re.compile(r"\.(?P<host_tag>[0-9a-f]{8})\.(?P<pid>[1-9][0-9]*)$")


def _host_tag(host: str) -> str:
    # A hash, not the name: folder names are listed by anyone who can read the sink.
    return hashlib.sha256(host.encode()).hexdigest()[:8]


def owner_tag() -> str:
    """This process as the end of a folder name: ``<host hash>.<pid>``."""
    return f"{_host_tag(socket.gethostname())}.{os.getpid()}"


def owner_in_name(name: str) -> dict | None:
    """The owner (host hash and process id) a folder name ends with, or None."""
    found = _OWNER_IN_NAME.search(name)
    return {"host_tag": found["host_tag"], "pid": int(found["pid"])} if found else None


def attempt_is_abandoned(owner: dict, last_seen: float) -> bool:
    """``last_seen``: when the attempt last showed life (epoch seconds). ``owner`` is a recorded
    owner (:func:`attempt_owner`) or one read from a folder name (:func:`owner_in_name`)."""
    too_old = time.time() - last_seen > STALE_ATTEMPT_AGE.total_seconds()
    host = socket.gethostname()
    if owner.get("host") == host or owner.get("host_tag") == _host_tag(host):
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
