"""JSON requests to Azure Resource Manager that survive throttling, server errors and expiry.

:class:`ArmClient` gets app-only tokens with MSAL's client-credentials flow (the Graph source's
:class:`TokenProvider`, with ARM's ``.default`` scope), over a session whose TLS trust is the
caller's (``ca_bundle``, never ``REQUESTS_CA_BUNDLE``). Every call carries
``api-version=2018-06-01``. HTTP 429 waits ``Retry-After``; 5xx answers and dropped connections
back off exponentially; both give up after a bounded number of attempts. A 401 gets one fresh
token. Anything else raises :class:`ArmError`, which says what was called and ARM's code and
message verbatim, with every secret the client knows masked.

>>> arm_scope("https://management.usgovcloudapi.net/")
'https://management.usgovcloudapi.net/.default'
>>> error = ArmError(404, "ResourceNotFound", "The Resource 'x' was not found.", "GET", "/subscriptions/s")
>>> str(error)
"ARM GET /subscriptions/s answered HTTP 404 ResourceNotFound: The Resource 'x' was not found."
>>> error.code
'ResourceNotFound'
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
from urllib3.exceptions import MaxRetryError, NewConnectionError

from mgdc_pipelines.sources.graph.auth import GraphCredentials, TokenProvider
from mgdc_pipelines.sources.graph.client import RetryPolicy, retry_after_seconds
from mgdc_pipelines.sources.graph.tls import trusted_session
from mgdc_pipelines.sources.service_messages import shown

log = logging.getLogger("mgdc_pipelines.sources.mgdc")

PUBLIC_MANAGEMENT_URL = "https://management.azure.com"
API_VERSION = "2018-06-01"
MASK = "***"
CONNECTION_ERRORS = (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError)


def arm_scope(management_url: str) -> str:
    """The client-credentials scope of a cloud's ARM endpoint (its URL + ``/.default``)."""
    return f"{management_url.rstrip('/')}/.default"


class ArmError(RuntimeError):
    """ARM refused a call (or kept failing); ``status`` is None when no answer came."""

    def __init__(self, status: int | None, code: str, message: str, method: str, path: str) -> None:
        self.status, self.code, self.message = status, code, message
        self.method, self.path = method, path
        answered = f"answered HTTP {status}" if status is not None else "failed"
        super().__init__(f"ARM {method} {path} {answered} {code}: {message}")


@dataclass
class _Call:
    """One logical call, with the secrets (and tokens) its error text must never show."""

    method: str
    path: str
    body: Any
    idempotent: bool
    secrets: list[str]
    attempts: int

    def error(self, status: int | None, code: str, message: str) -> ArmError:
        for secret in sorted(set(self.secrets), key=len, reverse=True):
            code, message = code.replace(secret, MASK), message.replace(secret, MASK)
        return ArmError(status, code, message, self.method, self.path)


class ArmClient:
    """Authenticated ARM calls for one app against one cloud's management endpoint."""

    def __init__(
        self,
        credentials: GraphCredentials,
        management_url: str = PUBLIC_MANAGEMENT_URL,
        ca_bundle: str | Path | None = None,
        *,
        scope: str | None = None,
        retry: RetryPolicy = RetryPolicy(max_attempts=8),
        sleep: Callable[[float], object] = time.sleep,
    ) -> None:
        self.management_url = management_url.rstrip("/")
        self.session = trusted_session(ca_bundle, pool_size=4)
        self.tokens = TokenProvider(credentials, self.session, scope=scope or arm_scope(management_url))
        self.retry = retry
        self.sleep = sleep
        self._rng = random.Random()

    def __repr__(self) -> str:
        return f"ArmClient({self.tokens.credentials!r}, management_url={self.management_url!r})"

    def request(
        self, method: str, path: str, body: Any = None, *, idempotent: bool = True, attempts: int | None = None
    ) -> dict[str, Any]:
        """The JSON answer of ``method path`` (``{}`` for an empty body). ``path`` is relative to
        the management URL, or a nextLink under it (the token goes nowhere else).
        ``idempotent=False`` (createRun) is never resent after a request that may have reached
        ARM: only after a 429 or a connection that was never made. ``attempts`` lowers the retry
        budget (a best-effort cancel while stopping)."""
        if path.startswith(("https://", "http://")) and not path.startswith(self.management_url + "/"):
            raise ArmError(None, "UntrustedLink", f"not under {self.management_url}; not followed", method,
                           path.split("?")[0])
        call = _Call(method, path, body, idempotent, _secrets(self.tokens.credentials, body),
                     attempts or self.retry.max_attempts)
        response = self._send(call)
        if response.status_code >= 400:
            raise call.error(response.status_code, *_error_details(response))
        if not response.content:
            return {}
        try:
            return response.json()
        except ValueError:
            raise call.error(response.status_code, "MalformedResponse", _body_summary(response)) from None

    def _send(self, call: _Call) -> requests.Response:
        token, refreshed = self.tokens.token(), False
        call.secrets.append(token)
        reasons: list[str] = []
        attempt = 0
        while attempt < call.attempts:
            attempt += 1
            try:
                response = self._once(call, token)
            except CONNECTION_ERRORS as error:
                if not (call.idempotent or _never_connected(error)):
                    raise call.error(None, type(error).__name__, "the connection failed after the "
                                     "request may have reached ARM; not resent (it is not idempotent)") from None
                reasons.append(type(error).__name__)
                if attempt < call.attempts:
                    self._wait(call, self.retry.backoff(attempt, self._rng), reasons[-1])
                continue
            status = response.status_code
            if status == 401 and not refreshed:
                token, refreshed = self.tokens.refresh(token), True
                call.secrets.append(token)
                call.attempts += 1  # a fresh token is not a retry: it does not use the budget up
                continue
            if status == 429 or (status >= 500 and call.idempotent):
                reasons.append("throttled (HTTP 429)" if status == 429 else f"HTTP {status}")
                if attempt < call.attempts:
                    self._wait(call, self._delay(response, attempt), reasons[-1])
                continue
            return response
        raise call.error(None, "RetriesExhausted", f"gave up after {call.attempts} attempts: "
                         f"{_summary(reasons)}")

    def _once(self, call: _Call, token: str) -> requests.Response:
        # A nextLink is absolute and carries its own api-version; a path gets ours.
        absolute = call.path.startswith(("https://", "http://"))
        url = call.path if absolute else self.management_url + call.path
        params = None if "api-version=" in call.path else {"api-version": API_VERSION}
        return self.session.request(
            call.method, url, params=params, json=call.body, timeout=self.retry.timeout_s,
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
        )

    def _delay(self, response: requests.Response, attempt: int) -> float:
        after = retry_after_seconds(response.headers.get("Retry-After"))
        if after is None:
            return self.retry.backoff(attempt, self._rng)
        return min(after, self.retry.max_retry_after_s)

    def _wait(self, call: _Call, seconds: float, reason: str) -> None:
        log.info("ARM %s %s: %s; retrying in %.1f s", call.method, call.path, reason, seconds)
        self.sleep(seconds)


def _secrets(credentials: GraphCredentials, body: Any) -> list[str]:
    """The app's secret and every SecureString value in the body: an error echoing them is masked."""
    found = [credentials.client_secret, *_secure_strings(body)]
    return [secret for secret in found if secret]


def _secure_strings(value: Any) -> Iterable[str]:
    if isinstance(value, dict):
        if value.get("type") == "SecureString" and isinstance(value.get("value"), str):
            yield value["value"]
        for item in value.values():
            yield from _secure_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _secure_strings(item)


def _never_connected(error: Exception) -> bool:
    """True when the request surely never reached the server (refused or timed-out connect)."""
    if isinstance(error, requests.ConnectTimeout):
        return True
    reason = error.args[0] if error.args else None
    return isinstance(reason, MaxRetryError) and isinstance(reason.reason, NewConnectionError)


def _error_details(response: requests.Response) -> tuple[str, str]:
    """ARM's ``{"error": {"code", "message"}}`` without the addresses it may echo
    (``service_messages``); any other body by its type and size only."""
    try:
        error = response.json()["error"]
        return shown(str(error.get("code", ""))), shown(str(error.get("message", "")))
    except (ValueError, KeyError, TypeError, AttributeError):
        return "", _body_summary(response)


def _body_summary(response: requests.Response) -> str:
    kind = (response.headers.get("Content-Type") or "no content type").split(";")[0][:100]
    return f"a body that is not ARM's JSON ({kind}, {len(response.content)} bytes)"


def _summary(reasons: list[str]) -> str:
    counts: dict[str, int] = {}
    for reason in reasons:
        counts[reason] = counts.get(reason, 0) + 1
    return ", ".join(f"{reason} x{count}" for reason, count in counts.items())
