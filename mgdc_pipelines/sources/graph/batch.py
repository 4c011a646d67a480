"""JSON batching: up to 20 small GET requests in one ``POST /$batch`` (reference §6).

Graph answers a batch with 200 even when inner requests fail, each inner answer carrying its
own status, possibly out of order. Each inner request is throttled on its own, so inner
429/503/504 answers are sent again in a follow-up batch after the longest ``Retry-After`` among
them (or a backoff), within the client's retry budget. Other inner errors are returned to the
caller (a 404 means "no row" for some endpoints) or raised by :func:`require_ok`.

>>> relative_url("/users/u1/manager", {"$select": "id,displayName"})
'/users/u1/manager?$select=id,displayName'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

from mgdc_pipelines.catalog.graph import BATCH_PATH, MAX_BATCH_REQUESTS
from mgdc_pipelines.sources.graph.client import RETRYABLE_STATUSES, GraphClient, parse_json
from mgdc_pipelines.sources.graph.errors import GraphError, MalformedPageError, RetriesExhaustedError


@dataclass(frozen=True)
class BatchCall:
    """One inner GET: an id unique within the batch, a URL relative to the Graph version."""

    id: str
    url: str
    mailbox: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class BatchAnswer:
    status: int
    headers: Mapping[str, str]
    body: Any


def relative_url(path: str, params: Mapping[str, str]) -> str:
    """``path?query`` for an inner request, keeping OData's ``$`` and ``,`` readable."""
    if not params:
        return path
    return f"{path}?{urlencode(params, safe='$,', quote_via=quote)}"


def run_batch(client: GraphClient, calls: Sequence[BatchCall], *, what: str) -> dict[str, BatchAnswer]:
    """Answers by call id, after retrying throttled inner requests."""
    if len(calls) > MAX_BATCH_REQUESTS:
        raise ValueError(f"a $batch holds at most {MAX_BATCH_REQUESTS} requests, got {len(calls)}")
    pending = {call.id: call for call in calls}
    answers: dict[str, BatchAnswer] = {}
    for attempt in range(1, client.policy.max_attempts + 1):
        throttled = _send(client, list(pending.values()), what, answers)
        for call_id in answers:
            pending.pop(call_id, None)
        if not pending:
            return answers
        delay = max(client.delay_for(answer.headers, attempt) for answer in throttled)
        client.stats.add(waited_s=delay)
        client.sleep(delay)
    first = next(iter(pending.values()))
    raise RetriesExhaustedError(
        f"{what}: gave up on {len(pending)} batched request(s), e.g. {first.url}, after "
        f"{client.policy.max_attempts} attempts (throttled or server errors throughout)",
        url=client.url(BATCH_PATH),
    )


def _send(
    client: GraphClient, calls: list[BatchCall], what: str, answers: dict[str, BatchAnswer]
) -> list[BatchAnswer]:
    """Send one batch; store final answers, return the throttled ones (to be sent again)."""
    body = {
        "requests": [
            {"id": c.id, "method": "GET", "url": c.url, "headers": dict(c.headers)} for c in calls
        ]
    }
    response = client.send("POST", BATCH_PATH, what=what, json_body=body, mailboxes=[c.mailbox for c in calls])
    url = client.url(BATCH_PATH)
    items = parse_json(response, what).get("responses")
    if not isinstance(items, list):
        raise MalformedPageError(f"{what}: the $batch answer from {url} has no \"responses\" list", url=url)
    wanted = {c.id for c in calls}
    throttled = []
    for item in items:
        answer = BatchAnswer(int(item.get("status", 0)), item.get("headers") or {}, item.get("body"))
        if item.get("id") not in wanted:
            raise MalformedPageError(f"{what}: the $batch answer from {url} has an unknown id {item.get('id')!r}", url=url)
        if answer.status in RETRYABLE_STATUSES:
            client.stats.add(**({"throttled": 1} if answer.status == 429 else {"server_errors": 1}))
            throttled.append(answer)
        else:
            answers[item["id"]] = answer
    missing = wanted - {item.get("id") for item in items}
    if missing:
        raise MalformedPageError(
            f"{what}: the $batch answer from {url} has no response for id(s) {', '.join(sorted(missing))}", url=url
        )
    return throttled


def require_ok(answer: BatchAnswer, call: BatchCall, what: str, *, missing_ok: bool = False) -> dict | None:
    """The inner body of a successful answer; ``None`` for a tolerated 404; raise otherwise."""
    if answer.status == 404 and missing_ok:
        return None
    if 200 <= answer.status < 300 and isinstance(answer.body, dict):
        return answer.body
    if 200 <= answer.status < 300:
        raise MalformedPageError(f"{what}: batched GET {call.url} returned a body that is not a JSON object", url=call.url)
    error = (answer.body or {}).get("error", {}) if isinstance(answer.body, dict) else {}
    raise GraphError(
        f"{what}: Graph answered HTTP {answer.status} {error.get('code', '')}: {error.get('message', '')} "
        f"(batched GET {call.url})",
        url=call.url, status=answer.status, code=error.get("code"),
    )
