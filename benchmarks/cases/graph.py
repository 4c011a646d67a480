"""``graph``: the Graph source against the HTTPS emulator (fixed latency, 4 requests per mailbox).

``efficiency`` = ideal / measured wall time (the ideal: a clairvoyant client's time for the same
requests, ``benchmarks/graph_run.py``); ``client_cpu_s`` and ``emulator_cpu_s``: the CPU the
source's process and the emulator's spent meanwhile. The emulator stands for Graph, whose work
never runs on the client's machine: it runs on the core the bench leaves to the busy pass
(sharing it with the spinner in the busy pass), the client on the bench's;
``throttled`` counts 429 answers, ``retries`` the retried requests, ``lost_pages`` the pages
whose rows are missing when compared with the synthetic tenant the emulator serves.
``simulated``: the source's read policy at 50,000 mailboxes in simulated time, against Graph's
limits (``benchmarks/graph_simulation.py``; deterministic, so run once).
"""

from __future__ import annotations

import statistics
from typing import Any

from benchmarks.graph_simulation import simulate
from benchmarks.harness import alternate, summarize
from benchmarks.settings import MAX_REPETITIONS, Settings, busy_cores

LATENCY_S = 0.1
PAGE_SIZE = 10
MAX_CONCURRENCY = 16


def run(settings: Settings) -> dict[str, Any]:
    users = 40 if settings.quick else 120
    arguments = {"users": users, "latency_s": LATENCY_S, "page_size": PAGE_SIZE,
                 "max_concurrency": MAX_CONCURRENCY, "emulator_cores": sorted(busy_cores())}
    runs = alternate({"graph": ("benchmarks.graph_run:graph_copy", arguments)},
                     repetitions=max(1, min(settings.repetitions, 3)),
                     min_seconds=settings.min_timed_seconds, max_repetitions=MAX_REPETITIONS)["graph"]
    last = runs[-1].details
    return {
        **arguments,
        **summarize(runs),
        "ideal_seconds": last["ideal_seconds"],
        "efficiency": statistics.median(run.details["efficiency"] for run in runs),
        "lost_pages": max(run.details["lost_pages"] for run in runs),
        "throttled": max(run.details["throttled"] for run in runs),
        "retries": max(run.details["retries"] for run in runs),
        "requests": last["requests"],
        "mailboxes": last["mailboxes"],
        "rows": last["rows"],
        "max_in_flight_per_mailbox": max(run.details["max_in_flight_per_mailbox"] for run in runs),
        "duplicate_rows": max(run.details["duplicate_rows"] for run in runs),
        "client_cpu_s": statistics.median(run.details["client_cpu_s"] for run in runs),
        "emulator_cpu_s": statistics.median(run.details["emulator_cpu_s"] for run in runs),
        "simulated": simulate(),
    }
