"""The Graph source reading one day of Message_v1 from the HTTPS emulator with a fixed latency.

The emulator answers every request after ``latency_s`` and enforces Outlook's limit of 4
concurrent requests per mailbox (a 5th gets a 429). Like Graph, it is not the client: it serves
from a process of its own (``benchmarks/emulator_process.py``), and a warm-up read by another
source instance generates its synthetic rows before the clock starts, as Graph's data is at
rest. The measured source starts cold: new connections, TLS handshakes and scope resolution
are timed; only its token is fetched before.

The ideal is the wall time of a clairvoyant client making the requests the source made (the
emulator's log: each mailbox's, and the user listing's pages) under the same rules
(``benchmarks/graph_ideal.py``): every request takes ``latency_s``; the listing's pages come one
after the other, and a mailbox can be read only once the page naming it has arrived; at most 4
requests per mailbox and ``max_concurrency`` in all are in flight. Knowing every mailbox's page
count, it reads a mailbox's pages in any order, 4 at a time, longest mailbox first. With one
listing page (both bench sizes): ``latency × (1 + rounds of the mail reads)``; it is a lower
bound on any client's time for those requests. (The bound before counted the listing as if it
ran beside the mail reads, which no client can: 0.875 was the most a perfect client could reach
in the quick run.) ``client_cpu_s`` and ``emulator_cpu_s`` are the CPU seconds each process
spent while the clock ran. The emulator runs on ``emulator_cores`` if given (the ``graph`` case
gives it the busy pass's core, so its work does not delay the client's), else beside the client.
Rows are checked against the synthetic tenant the emulator serves: a lost page is a lost row.
"""

from __future__ import annotations

import datetime as dt
import math
import tempfile
from collections import Counter
from typing import Any

TENANT_ID = "884d4683-c007-5d56-9024-62e767f7906c"
DAY = dt.date(2026, 11, 18)  # a Wednesday
COLUMNS = ("id", "subject", "sender", "toRecipients", "receivedDateTime")
MAILBOX_CONCURRENCY = 4


def graph_copy(
    users: int, latency_s: float, page_size: int, max_concurrency: int,
    emulator_cores: list[int] | None = None,
) -> dict[str, Any]:
    from benchmarks.graph_ideal import ideal_seconds
    from benchmarks.harness import Stopwatch
    from mgdc_pipelines.catalog import get_dataset
    from mgdc_pipelines.catalog.graph import USERS_PATH
    from benchmarks.emulator_process import EmulatorProcess
    from mgdc_pipelines.emulator import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, EmulatorConfig
    from mgdc_pipelines.sources.base import ExtractRequest, Scope, TimeWindow
    from mgdc_pipelines.sources.graph import GraphCredentials, GraphSettings, GraphSource
    from mgdc_pipelines.sources.graph.scope import ADVANCED_QUERY, valid_user_params
    from mgdc_pipelines.sources.synthetic import SyntheticSource, TenantConfig

    tenant = TenantConfig(seed=42, users=users)
    window = TimeWindow.for_day(DAY)
    request = ExtractRequest(
        get_dataset("Message_v1"), COLUMNS, "receivedDateTime", window, Scope.everyone(), TENANT_ID
    )
    config = EmulatorConfig(
        tenant=tenant, page_size=page_size, latency_s=latency_s,
        mailbox_concurrency=MAILBOX_CONCURRENCY, retry_after_s=0.2,
    )
    emulator_process = EmulatorProcess(config, cores=emulator_cores)
    with emulator_process as emulator, tempfile.TemporaryDirectory() as state:
        emulator.set_clock(window.end)

        def new_source() -> GraphSource:
            return GraphSource(GraphSettings(
                credentials=GraphCredentials(
                    TENANT_ID, DEMO_CLIENT_ID, client_secret=DEMO_CLIENT_SECRET,
                    authority_host=emulator.base_url,
                ),
                graph_url=emulator.graph_url, ca_bundle=str(emulator.ca_pem_path),
                max_concurrency=max_concurrency, page_size=page_size, state_dir=state,
            ))

        for _ in new_source().extract(request):  # warm-up: the emulator generates the rows
            pass
        source = new_source()
        source.client.tokens.token()  # the session and a cached token, before the clock starts
        emulator.clear_requests()
        emulator_cpu_s = emulator.cpu_seconds()
        watch = Stopwatch()
        ids = [row_id for batch in source.extract(request) for row_id in batch.column("id").to_pylist()]
        timing = watch.elapsed()
        seconds, client_cpu_s = timing["seconds"], timing["cpu_seconds"]
        emulator_cpu_s = emulator.cpu_seconds() - emulator_cpu_s
        log = [entry for entry in emulator.requests if entry.service == "graph"]
        listing = [[user["id"] for user in page] for page in source.client.pages(
            USERS_PATH, what="users, for the ideal", params=valid_user_params(window.end), headers=ADVANCED_QUERY,
        )]
    expected = [
        row_id for batch in SyntheticSource(tenant).extract(request)
        for row_id in batch.column("id").to_pylist()
    ]
    lost_rows = len(Counter(expected) - Counter(ids))
    per_mailbox = Counter(entry.mailbox for entry in log if entry.mailbox and not entry.in_batch)
    top_level = [entry for entry in log if not entry.in_batch]
    ideal = ideal_seconds(listing, per_mailbox, latency_s, MAILBOX_CONCURRENCY, max_concurrency)
    stats = source.last_stats
    return {
        "seconds": seconds,
        "ideal_seconds": ideal,
        "efficiency": ideal / seconds,
        "client_cpu_s": client_cpu_s,
        "emulator_cpu_s": emulator_cpu_s,
        "rows": len(ids),
        "expected_rows": len(expected),
        "duplicate_rows": len(ids) - len(set(ids)),
        "lost_rows": lost_rows,
        "lost_pages": math.ceil(lost_rows / page_size),
        "requests": len(top_level),
        "mailboxes": len(per_mailbox),
        "throttled": sum(1 for entry in log if entry.status == 429),
        "retries": stats.throttled + stats.server_errors + stats.dropped_connections,
        "max_in_flight_per_mailbox": max((e.concurrent for e in log if e.mailbox), default=0),
    }
