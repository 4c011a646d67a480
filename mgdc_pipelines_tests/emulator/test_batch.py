"""JSON batching on the emulator: inner requests served as if alone, at most 20."""

from __future__ import annotations

from mgdc_pipelines.catalog.graph import BATCH_PATH, MAX_BATCH_REQUESTS
from mgdc_pipelines.emulator import FaultConfig
from mgdc_pipelines_tests.emulator.conftest import GraphClient


def _manager_requests(graph: GraphClient, count: int) -> list[dict]:
    users = graph.emulator.tenant.users[:count]
    return [{"id": str(n), "method": "GET", "url": f"/users/{user.id}/manager?$select=id,displayName",
             "headers": {}} for n, user in enumerate(users)]


def test_each_inner_response_equals_the_request_sent_alone(graph: GraphClient) -> None:
    requests = _manager_requests(graph, MAX_BATCH_REQUESTS)

    answer = graph.post(BATCH_PATH, {"requests": requests})

    assert answer.status_code == 200
    responses = {r["id"]: r for r in answer.json()["responses"]}
    assert sorted(responses) == sorted(r["id"] for r in requests)
    for request in requests:
        alone, inner = graph.get(request["url"]), responses[request["id"]]
        assert inner["status"] == alone.status_code
        if alone.status_code == 200:
            assert inner["body"] == alone.json()
        else:  # the CEO has no manager; error bodies differ only in their request ids
            assert inner["body"]["error"]["code"] == alone.json()["error"]["code"]
    inner = [r for r in graph.emulator.requests if r.in_batch]
    assert sorted(r.path for r in inner) == sorted(r["url"].split("?")[0] for r in requests)


def test_more_than_twenty_requests_are_rejected(graph: GraphClient) -> None:
    answer = graph.post(BATCH_PATH, {"requests": _manager_requests(graph, MAX_BATCH_REQUESTS + 1)})

    assert answer.status_code == 400
    assert f"at most {MAX_BATCH_REQUESTS}" in answer.json()["error"]["message"]
    assert not any(r.in_batch for r in graph.emulator.requests)


def test_inner_requests_are_throttled_one_by_one(graph: GraphClient) -> None:
    graph.emulator.configure(faults=FaultConfig(throttle_burst=2, retry_after_s=3))

    answer = graph.post(BATCH_PATH, {"requests": _manager_requests(graph, 5)})

    statuses = sorted(r["status"] for r in answer.json()["responses"])
    throttled = [r for r in answer.json()["responses"] if r["status"] == 429]
    assert answer.status_code == 200 and statuses == [200, 200, 200, 429, 429]
    assert all(r["headers"]["Retry-After"] == "3" for r in throttled)
    assert sorted(r.status for r in graph.emulator.requests if r.in_batch).count(429) == 2
