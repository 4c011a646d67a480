"""Throughput within Graph's rules: per-mailbox concurrency, `$batch`, and `$select` discipline."""

from __future__ import annotations

import datetime as dt
import math
from concurrent.futures import ThreadPoolExecutor

import pytest

from mgdc_pipelines.catalog import get_dataset
from mgdc_pipelines.catalog.graph import MAX_BATCH_REQUESTS, graph_datasets, graph_endpoint, graph_property
from mgdc_pipelines.sources.base import Scope
from mgdc_pipelines.sources.graph.tls import open_connections, trusted_session
from mgdc_pipelines_tests.sources.graph.conftest import DAY, request_for, sorted_rows


def graph_requests(emu):
    return [r for r in emu.requests if r.service == "graph"]


def most_mailboxes_in_flight(entries) -> int:
    """The largest number of distinct mailboxes with a request in flight at one moment."""
    timed = [r for r in entries if r.mailbox]
    return max(
        len({r.mailbox for r in timed if r.started <= moment.started < r.finished}) for moment in timed
    )


def test_parallel_partitions_never_put_more_than_4_requests_on_one_mailbox(emulator, graph_factory):
    emulator.configure(latency_s=0.02)
    days = [DAY - dt.timedelta(days=n) for n in range(3)]
    requests = [request_for(name, day=day) for day in days for name in ("Message_v1", "SentItem_v1")]
    sources = [graph_factory(max_concurrency=8) for _ in requests]  # one app: the limit is shared
    with ThreadPoolExecutor(len(requests)) as pool:
        counts = list(pool.map(lambda pair: sum(b.num_rows for b in pair[0].extract(pair[1])), zip(sources, requests)))
    assert all(count > 0 for count in counts)
    entries = [r for r in graph_requests(emulator) if r.mailbox]
    assert max(r.concurrent for r in entries) <= 4
    assert max(r.concurrent for r in entries) > 1  # several partitions did share mailboxes
    assert most_mailboxes_in_flight(entries) > 4  # many users in parallel
    assert not [r for r in graph_requests(emulator) if r.status == 429]


# Fan-out endpoints batch twice (listings, then parents): test_fan_out.py counts theirs.
BATCHABLE = [
    name for name in graph_datasets()
    if graph_endpoint(get_dataset(name)).batchable and graph_endpoint(get_dataset(name)).fan_out is None
]


@pytest.mark.parametrize("dataset", BATCHABLE)
def test_small_per_unit_calls_go_in_batches_of_at_most_20(dataset, emulator, graph, tenant):
    request = request_for(dataset)
    rows = sum(b.num_rows for b in graph.extract(request))
    log = graph_requests(emulator)
    batches = [r for r in log if r.path == "/$batch"]
    inner = [r for r in log if r.in_batch]
    endpoint = graph_endpoint(request.dataset)
    units = graph.last_stats.units_total
    assert rows > 0 and units > 1  # users: 2 batches (more than 20), groups: 1
    assert len(batches) == math.ceil(units / MAX_BATCH_REQUESTS)
    assert len(inner) == units
    first_calls = {endpoint.url_for(u) for u in _unit_ids(tenant, endpoint)}
    follow_ups = {"$skip", "$skiptoken"}  # later pages, from each first page's nextLink
    assert not [r for r in log if not r.in_batch and r.path in first_calls and not follow_ups & set(r.params)]


def _unit_ids(tenant, endpoint):
    return [u.id for u in tenant.users] if endpoint.unit.value == "user" else [g.id for g in tenant.groups]


@pytest.mark.parametrize(
    ("dataset", "columns"),
    [
        ("Message_v1", ("subject", "sender", "receivedDateTime")),
        ("User_v1", ("displayName", "mail")),
        ("TeamChat_v1", ("CreatedDateTime", "From")),
        ("GroupMembers_v0", ("displayName", "ODataType")),  # @odata.type is never $selected
    ],
)
def test_select_names_only_authorized_properties(dataset, columns, emulator, graph, tenant):
    ds = get_dataset(dataset)
    request = request_for(dataset, Scope("sales", (tenant.group_by_nickname["sales"].id,)), columns=columns)
    list(graph.extract(request))
    allowed = {graph_property(ds, c) for c in columns} - {"@odata.type"}  # an annotation, always returned
    endpoint = graph_endpoint(ds)
    selects = [
        (r.path, set(r.params["$select"].split(",")))
        for r in graph_requests(emulator)
        if "$select" in r.params
    ]
    dataset_selects = [s for path, s in selects if _is_dataset_path(path, endpoint)]
    assert dataset_selects and all(s == allowed for s in dataset_selects)
    # Everything else is scope expansion, which reads object ids only.
    assert all(s == {"id"} for path, s in selects if not _is_dataset_path(path, endpoint))
    assert all("$select" in r.params for r in graph_requests(emulator) if r.path != "/$batch")


def _is_dataset_path(path: str, endpoint) -> bool:
    prefix, _, suffix = endpoint.path.partition("{")
    tail = suffix.partition("}")[2]
    return path.startswith(prefix) and path.endswith(tail) and path.count("/") == endpoint.path.count("/")


def test_tiny_pages_after_a_batched_first_page_give_the_same_rows(emulator, graph_factory, synthetic):
    request = request_for("DirectReport_v0")
    expected = sorted_rows(synthetic.extract(request), request.output_schema)
    assert sorted_rows(graph_factory(page_size=2).extract(request), request.output_schema) == expected
    assert [r for r in graph_requests(emulator) if "$skip" in r.params or "$skiptoken" in r.params]



def test_connections_opened_in_advance_are_the_ones_requests_use(emulator):
    """A TLS 1.3 server's session tickets, left unread, make an idle connection look closed to
    urllib3, which would open it again: each connection opened in advance must stay usable."""
    session = trusted_session(emulator.ca_pem_path, pool_size=4)
    open_connections(session, emulator.graph_url, count=4, settle_s=10).join()  # tickets, however busy
    pool = session.get_adapter(emulator.graph_url).poolmanager.pools._container
    [pool] = pool.values()
    idle = [connection for connection in list(pool.pool.queue) if connection is not None]
    assert len(idle) == 3 and pool.num_connections == 3  # one pool entry left for other callers
    assert all(connection.is_connected for connection in idle)  # urllib3's "not dropped" test
    sockets = {id(connection.sock) for connection in idle}
    with ThreadPoolExecutor(3) as threads:
        statuses = set(threads.map(lambda _: session.get(f"{emulator.graph_url}/users", timeout=10).status_code, range(3)))
    assert statuses == {401}  # no token: answered all the same, over the connections opened
    assert {id(connection.sock) for connection in list(pool.pool.queue) if connection is not None} == sockets
