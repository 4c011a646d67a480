"""Graph requests that survive throttling, server errors and dropped connections.

Every request goes through :meth:`GraphClient.send`: HTTP 429/503/504 are retried after the
``Retry-After`` the answer carries (seconds or an HTTP date), else after an exponential backoff
with jitter; a dropped connection or a timeout is retried the same way; a 401 gets one fresh
token. Attempts are bounded (:class:`RetryPolicy`). A retry always repeats the *same* URL, so a
page is never skipped or read twice. Collections are read with :meth:`GraphClient.pages`, which
follows ``@odata.nextLink`` verbatim; a page that is not the JSON Graph promises raises
:class:`MalformedPageError` naming the URL and what was being read.

>>> policy = RetryPolicy(base_delay_s=1.0, max_delay_s=8.0)
>>> import random
>>> 2.0 <= policy.backoff(3, random.Random(0)) <= 4.0  # ceiling 4 s: half fixed, half jitter
True
>>> retry_after_seconds("7")
7.0
>>> import datetime as dt
>>> now = dt.datetime(2026, 11, 20, 8, 0, 0, tzinfo=dt.timezone.utc)
>>> retry_after_seconds("Fri, 20 Nov 2026 08:00:03 GMT", now=now)
3.0
"""

from __future__ import annotations

import datetime as dt
import email.utils
import logging
import random
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import requests

from mgdc_pipelines.catalog.json_rows import shown_key
from mgdc_pipelines.sources.graph.auth import TokenProvider
from mgdc_pipelines.sources.graph.errors import GraphError, MalformedPageError, RetriesExhaustedError
from mgdc_pipelines.sources.graph.pooled_http import PooledHttp
from mgdc_pipelines.sources.graph.stats import GraphStats
from mgdc_pipelines.sources.graph.throttle import ConcurrencyLimiter
from mgdc_pipelines.sources.service_messages import shown

log = logging.getLogger("mgdc_pipelines.sources.graph")

RETRYABLE_STATUSES = frozenset({429, 503, 504})
CONNECTION_ERRORS = (
    requests.ConnectionError,  # includes dropped connections and connect timeouts
    requests.Timeout,
    requests.exceptions.ChunkedEncodingError,
)
NEXT_LINK = "@odata.nextLink"


@dataclass(frozen=True)
class RetryPolicy:
    """How long to keep trying one request."""

    max_attempts: int = 10
    base_delay_s: float = 0.5
    max_delay_s: float = 60.0
    max_retry_after_s: float = 900.0  # a Retry-After beyond this is capped, not obeyed blindly
    timeout_s: float = 120.0

    def backoff(self, attempt: int, rng: random.Random) -> float:
        """Delay before retry number ``attempt`` (1-based): half fixed, half jitter."""
        ceiling = min(self.max_delay_s, self.base_delay_s * 2 ** (attempt - 1))
        return ceiling / 2 + rng.uniform(0, ceiling / 2)


def retry_after_seconds(value: str | None, now: dt.datetime | None = None) -> float | None:
    """``Retry-After`` as seconds from now; ``None`` when absent or unreadable."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    now = now or dt.datetime.now(dt.timezone.utc)
    return max(0.0, (moment - now).total_seconds())


@dataclass(frozen=True)
class GraphClient:
    """Authenticated, throttling-aware requests to one Graph endpoint (e.g. ``.../v1.0``)."""

    graph_url: str
    tokens: TokenProvider
    http: PooledHttp  # the session's requests, GETs straight to its connection pool
    limiter: ConcurrencyLimiter
    policy: RetryPolicy = RetryPolicy()
    stats: GraphStats = field(default_factory=GraphStats)
    sleep: Callable[[float], object] = time.sleep
    rng: random.Random = field(default_factory=random.Random)

    @property
    def session(self) -> requests.Session:
        """The session whose pool, TLS trust and headers every request uses."""
        return self.http.session

    def with_stats(self, stats: GraphStats) -> GraphClient:
        """The same client counting into ``stats`` (one per extraction)."""
        return replace(self, stats=stats)

    def with_sleep(self, sleep: Callable[[float], object]) -> GraphClient:
        """The same client waiting with ``sleep`` (e.g. an Event's ``wait``, to stop early)."""
        return replace(self, sleep=sleep)

    def url(self, path_or_url: str) -> str:
        """Absolute URL: nextLinks are used verbatim, paths are relative to ``graph_url``."""
        if path_or_url.startswith(("https://", "http://")):
            return path_or_url
        return self.graph_url.rstrip("/") + path_or_url

    def get_json(
        self,
        path_or_url: str,
        *,
        what: str,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        mailbox: str | None = None,
        missing_ok: bool = False,
    ) -> dict[str, Any] | None:
        """One JSON object; ``None`` for a 404 when ``missing_ok`` (e.g. a user without manager)."""
        response = self.send(
            "GET", path_or_url, what=what, params=params, headers=headers,
            mailboxes=(mailbox,), missing_ok=missing_ok,
        )
        if response.status_code == 404:
            return None
        return parse_json(response, what)

    def pages(
        self,
        path: str,
        *,
        what: str,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        mailbox: str | None = None,
        first_page: Mapping[str, Any] | None = None,
    ) -> Iterator[list[dict[str, Any]]]:
        """Each page's ``value`` in order, following ``@odata.nextLink`` until there is none.

        ``first_page`` is a body already fetched (e.g. inside a ``$batch``); its nextLink is
        followed from here.
        """
        url = self.url(path)
        body = first_page
        while True:
            if body is None:
                body = self.get_json(url, what=what, params=params, headers=headers, mailbox=mailbox)
            yield page_values(body, url, what)
            self.stats.add(pages=1)
            url, params, body = body.get(NEXT_LINK), None, None
            if not url:
                return

    def send(
        self,
        method: str,
        path_or_url: str,
        *,
        what: str,
        params: Mapping[str, str] | None = None,
        json_body: Any = None,
        headers: Mapping[str, str] | None = None,
        mailboxes: Iterable[str | None] = (),
        missing_ok: bool = False,
    ) -> requests.Response:
        """Send one request, retrying what can be retried; raise :class:`GraphError` otherwise."""
        url = self.url(path_or_url)
        mailboxes = tuple(m for m in mailboxes if m)
        token = self.tokens.token()
        refreshed = False
        for attempt in range(1, self.policy.max_attempts + 1):
            try:
                with self.limiter.slots(mailboxes):
                    self.stats.add(requests=1)
                    response = self.http.request(
                        method, url, params=params, json_body=json_body,
                        headers={**(headers or {}), "Authorization": f"Bearer {token}"},
                        timeout=self.policy.timeout_s,
                    )
            except CONNECTION_ERRORS as error:
                self.stats.add(dropped_connections=1)
                self._wait(self.policy.backoff(attempt, self.rng), f"{type(error).__name__}", url, what)
                continue
            status = response.status_code
            if status == 401 and not refreshed:
                token, refreshed = self.tokens.refresh(token), True
                self.stats.add(token_refreshes=1)
                continue
            if status in RETRYABLE_STATUSES:
                self.stats.add(**({"throttled": 1} if status == 429 else {"server_errors": 1}))
                self._wait(self.delay_for(response.headers, attempt), f"HTTP {status}", url, what)
                continue
            if status < 400 or (status == 404 and missing_ok):
                return response
            raise graph_error(response, method, url, what)
        raise RetriesExhaustedError(
            f"{what}: gave up on {method} {url} after {self.policy.max_attempts} attempts "
            "(throttled, server errors or dropped connections throughout)",
            url=url,
        )

    def delay_for(self, headers: Mapping[str, str], attempt: int) -> float:
        """Retry-After when Graph gives one (capped), else exponential backoff with jitter."""
        after = retry_after_seconds(headers.get("Retry-After"))
        if after is None:
            return self.policy.backoff(attempt, self.rng)
        return min(after, self.policy.max_retry_after_s)

    def _wait(self, seconds: float, reason: str, url: str, what: str) -> None:
        log.debug("%s: %s on %s; retrying in %.2f s", what, reason, url, seconds)
        self.stats.add(waited_s=seconds)
        self.sleep(seconds)


def parse_json(response: requests.Response, what: str) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError as error:
        raise MalformedPageError(
            f"{what}: Graph returned a malformed page (invalid JSON: {error}) from {response.url}",
            url=response.url, status=response.status_code,
        ) from None
    if not isinstance(body, dict):
        raise MalformedPageError(
            f"{what}: Graph returned a malformed page (a JSON {type(body).__name__}, expected an "
            f"object) from {response.url}",
            url=response.url, status=response.status_code,
        )
    return body


def page_values(body: Mapping[str, Any], url: str, what: str) -> list[dict[str, Any]]:
    """A collection page's items; anything but a list of objects under ``value`` is malformed."""
    values = body.get("value")
    if not isinstance(values, list) or not all(isinstance(item, dict) for item in values):
        raise MalformedPageError(
            f"{what}: Graph returned a malformed page (no list of objects under \"value\"; keys: "
            f"{', '.join(shown_key(key) for key in sorted(body)) or 'none'}) from {url}",
            url=url,
        )
    return values


def graph_error(response: requests.Response, method: str, url: str, what: str) -> GraphError:
    code, message = error_details(response)
    return GraphError(
        f"{what}: Graph answered HTTP {response.status_code} {code}: {message} ({method} {url})",
        url=url, status=response.status_code, code=code,
    )


def error_details(response: requests.Response) -> tuple[str, str]:
    """Graph's ``{"error": {"code", "message"}}`` without the addresses it may echo
    (``service_messages``); for any other body, its type and size only (a proxy's page may echo
    the request or a mailbox's content: it is not shown)."""
    try:
        error = response.json().get("error") or {}
        return shown(str(error.get("code", ""))), shown(str(error.get("message", "")))
    except (ValueError, AttributeError):
        kind = (response.headers.get("Content-Type") or "no content type").split(";")[0][:100]
        return "", f"a body that is not Graph's JSON error ({kind}, {len(response.content)} bytes)"
