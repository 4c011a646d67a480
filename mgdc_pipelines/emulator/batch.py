"""JSON batching: ``POST /v1.0/$batch`` with up to 20 inner requests.

Each inner request is served as if it had been sent alone (authenticated by the batch's token,
throttled, recorded), concurrently, as Graph does; responses come back in completion order,
which need not be the request order.

>>> answer = run_batch(b'{"requests": [{"id": "1", "method": "GET", "url": "/users/a?$select=id"}]}',
...                    lambda call: (200, {}, {"path": call.path, "params": dict(call.params)}))
>>> answer["responses"][0]["body"]
{'path': '/users/a', 'params': {'$select': 'id'}}
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor, as_completed
from urllib.parse import parse_qsl, urlsplit

from mgdc_pipelines.catalog.graph import MAX_BATCH_REQUESTS
from mgdc_pipelines.emulator.odata import bad_request
from mgdc_pipelines.emulator.routes import Call

Served = tuple[int, Mapping[str, str], object]  # status, headers, JSON body


def run_batch(body: bytes, serve: Callable[[Call], Served]) -> dict:
    """``{"responses": [...]}`` for a batch body; a malformed batch is a 400 naming the problem."""
    requests = _inner_requests(body)
    calls = {item["id"]: _call(item) for item in requests}
    responses = []
    with ThreadPoolExecutor(max_workers=len(calls), thread_name_prefix="graph-emulator-batch") as pool:
        futures = {pool.submit(serve, call): request_id for request_id, call in calls.items()}
        for future in as_completed(futures):
            status, headers, answer = future.result()
            responses.append({"id": futures[future], "status": status,
                              "headers": {"Content-Type": "application/json", **headers}, "body": answer})
    return {"responses": responses}


def _inner_requests(body: bytes) -> list[dict]:
    try:
        requests = json.loads(body or b"null")["requests"]
    except (ValueError, KeyError, TypeError):
        raise bad_request(
            'A $batch body must be JSON like {"requests": [{"id", "method", "url"}, ...]}'
        ) from None
    if not isinstance(requests, list) or not requests:
        raise bad_request("A $batch must hold at least one request")
    if len(requests) > MAX_BATCH_REQUESTS:
        raise bad_request(f"A $batch may hold at most {MAX_BATCH_REQUESTS} requests; "
                          f"this one has {len(requests)}")
    ids = []
    for position, item in enumerate(requests):
        if not isinstance(item, dict) or not all(isinstance(item.get(k), str) for k in ("id", "method", "url")):
            raise bad_request(f"$batch request #{position} needs string 'id', 'method' and 'url'")
        if "dependsOn" in item:
            raise bad_request(f"$batch request {item['id']!r}: dependsOn is not supported by the emulator")
        ids.append(item["id"])
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise bad_request(f"$batch request ids must be unique; repeated: {', '.join(duplicates)}")
    return requests


def _call(item: dict) -> Call:
    url = urlsplit(item["url"])
    if url.scheme or url.netloc:
        raise bad_request(f"$batch request {item['id']!r}: url must be relative to /v1.0, got {item['url']!r}")
    headers = item.get("headers") or {}
    return Call(
        method=item["method"].upper(),
        path="/" + url.path.lstrip("/"),
        params=dict(parse_qsl(url.query, keep_blank_values=True)),
        headers={str(k).lower(): str(v) for k, v in headers.items()},
    )
