"""What one page read costs the Graph client in CPU: through ``requests``, and straight to its pool.

    PYTHONPATH=$PWD taskset -c 1 .venv/bin/python -m benchmarks.http_costs [--requests N]

Against the emulator in a process of its own (no latency, one mailbox's first page of mail, the
``graph`` case's columns), the client's CPU milliseconds per request, best of five rounds of N,
alternating: ``session.request`` (what every GET went through before ``PooledHttp``), and
:class:`~mgdc_pipelines.sources.graph.pooled_http.PooledHttp`; each with the page's JSON decoded,
and ``GraphClient.get_json`` (the pooled GET, a reused token, the client's counting and slots).

>>> parse_arguments(["--requests", "50"]).requests
50
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable

TENANT_ID = "884d4683-c007-5d56-9024-62e767f7906c"


def parse_arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.http_costs", description=__doc__)
    parser.add_argument("--requests", type=int, default=300, help="requests per round")
    return parser.parse_args(argv)


def cpu_ms_per_call(call: Callable[[], object], count: int) -> float:
    start = time.process_time()
    for _ in range(count):
        call()
    return (time.process_time() - start) / count * 1000


def main(argv: list[str]) -> int:
    from benchmarks.emulator_process import EmulatorProcess
    from benchmarks.graph_run import COLUMNS, DAY
    from mgdc_pipelines.emulator import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, EmulatorConfig
    from mgdc_pipelines.sources.graph import GraphCredentials, GraphSettings, GraphSource
    from mgdc_pipelines.sources.synthetic import TenantConfig

    arguments = parse_arguments(argv)
    config = EmulatorConfig(tenant=TenantConfig(seed=42, users=40), page_size=10, latency_s=0.0)
    with EmulatorProcess(config) as emulator:
        emulator.set_clock(None)
        credentials = GraphCredentials(TENANT_ID, DEMO_CLIENT_ID, client_secret=DEMO_CLIENT_SECRET,
                                       authority_host=emulator.base_url)
        client = GraphSource(GraphSettings(
            credentials=credentials,
            graph_url=emulator.graph_url, ca_bundle=str(emulator.ca_pem_path), page_size=10,
        )).client
        user = next(client.pages("/users", what="users", params={"$select": "id"}))[3]["id"]
        url = client.url(f"/users/{user}/messages")
        day = f"receivedDateTime ge {DAY}T00:00:00Z and receivedDateTime lt {DAY}T23:59:59Z"
        params = {"$select": ",".join(COLUMNS), "$top": "10", "$orderby": "receivedDateTime",
                  "$filter": day}
        headers = {"Authorization": f"Bearer {client.tokens.token()}"}
        ways = {
            "session.request": lambda: client.session.request(
                "GET", url, params=params, headers=headers, timeout=60).json(),
            "PooledHttp.request": lambda: client.http.request(
                "GET", url, params=params, headers=headers, timeout=60).json(),
            "GraphClient.get_json": lambda: client.get_json(
                url, what="mail", params=params, mailbox=user),
        }
        best = {name: float("inf") for name in ways}
        for _ in range(5):
            for name, way in ways.items():
                best[name] = min(best[name], cpu_ms_per_call(way, arguments.requests))
    print(f"client CPU per GET of a page of mail, best of 5 rounds of {arguments.requests}:")
    for name, milliseconds in best.items():
        print(f"  {name}: {milliseconds:.3f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
