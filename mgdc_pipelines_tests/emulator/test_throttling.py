"""Outlook limits and injected faults: 429 with Retry-After, 5xx bursts, drops, malformed pages."""

from __future__ import annotations

import email.utils
import json
import threading

import pytest
import requests

from mgdc_pipelines.emulator import FaultConfig
from mgdc_pipelines_tests.emulator.conftest import GraphClient, day_filter


def _messages_path(graph: GraphClient, index: int) -> str:
    return f"/users/{graph.emulator.tenant.users[index].id}/messages"


def _messages(graph: GraphClient, index: int = 3, client: GraphClient | None = None) -> requests.Response:
    params = {"$filter": day_filter("receivedDateTime"), "$select": "id", "$top": "5"}
    return (client or graph).get(_messages_path(graph, index), params)


def test_a_fifth_request_in_flight_for_one_mailbox_gets_429(graph: GraphClient) -> None:
    clients = [GraphClient(graph.emulator) for _ in range(6)]
    for client in clients:  # connect (and warm the row cache) before the requests that overlap
        assert _messages(graph, 3, client).status_code == 200
        assert _messages(graph, 4, client).status_code == 200
    graph.emulator.configure(latency_s=1.0)
    graph.emulator.clear_requests()
    start, results = threading.Barrier(6), {}

    def ask(n: int) -> None:
        start.wait()
        results[n] = _messages(graph, 3 if n < 5 else 4, clients[n])  # the 6th: another mailbox

    threads = [threading.Thread(target=ask, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    same_mailbox = [results[n] for n in range(5)]
    refused = [r for r in same_mailbox if r.status_code == 429]
    assert len(refused) == 1 and results[5].status_code == 200
    assert refused[0].json()["error"]["code"] == "ApplicationThrottled"
    assert "MailboxConcurrency" in refused[0].json()["error"]["message"]
    assert float(refused[0].headers["Retry-After"]) == 1.0
    recorded = [r for r in graph.emulator.requests if r.mailbox == graph.emulator.tenant.users[3].id]
    assert max(r.concurrent for r in recorded if r.status == 200) == 4
    assert [r.concurrent for r in recorded if r.status == 429] == [5]


def test_the_request_budget_per_window_ends_in_429_with_retry_after(graph: GraphClient) -> None:
    graph.emulator.configure(mailbox_requests_per_window=3, window_s=120.0)

    statuses = [_messages(graph).status_code for _ in range(4)]
    other_mailbox = _messages(graph, 4)
    refused = _messages(graph)

    assert statuses == [200, 200, 200, 429] and other_mailbox.status_code == 200
    assert 0 < float(refused.headers["Retry-After"]) <= 120


def test_injected_throttling_every_nth_request(graph: GraphClient) -> None:
    graph.emulator.configure(faults=FaultConfig(throttle_every=2, retry_after_s=2.5))

    responses = [_messages(graph) for _ in range(4)]

    assert [r.status_code for r in responses] == [200, 429, 200, 429]
    assert responses[1].headers["Retry-After"] == "2.5"
    assert [r.status for r in graph.emulator.requests] == [200, 429, 200, 429]


def test_retry_after_as_an_http_date(graph: GraphClient) -> None:
    graph.emulator.configure(faults=FaultConfig(throttle_burst=1, retry_after_s=30, retry_after_http_date=True))

    refused = _messages(graph)

    assert refused.status_code == 429
    assert email.utils.parsedate_to_datetime(refused.headers["Retry-After"]).tzinfo is not None


def test_a_server_error_burst_alternates_503_and_504_then_recovers(graph: GraphClient) -> None:
    graph.emulator.configure(faults=FaultConfig(server_error_burst=3))

    statuses = [_messages(graph).status_code for _ in range(4)]

    assert statuses == [503, 504, 503, 200]


def test_a_dropped_connection_gets_no_response(graph: GraphClient) -> None:
    graph.emulator.configure(faults=FaultConfig(drop_connection_every=2))

    first = _messages(graph)
    with pytest.raises(requests.ConnectionError):
        _messages(graph)
    third = _messages(graph)

    assert (first.status_code, third.status_code) == (200, 200)
    assert [r.status for r in graph.emulator.requests] == [200, None, 200]


def test_malformed_pages_are_cut_json_or_lack_value(graph: GraphClient) -> None:
    graph.emulator.configure(faults=FaultConfig(malformed_page_every=1))
    user = graph.emulator.tenant.users[3].id

    cut, missing = _messages(graph), _messages(graph)
    single_object = graph.get(f"/users/{user}", {"$select": "id"})

    assert cut.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(cut.text)
    assert missing.status_code == 200 and "value" not in missing.json()
    assert single_object.json() == {"@odata.context": single_object.json()["@odata.context"], "id": user}
