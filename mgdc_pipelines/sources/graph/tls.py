"""An HTTP session whose TLS trust is the caller's choice, whatever the environment says.

``requests`` lets ``REQUESTS_CA_BUNDLE``/``CURL_CA_BUNDLE`` override a session's ``verify`` on
every request (``Session.merge_environment_settings``), so a session told to trust one CA
bundle silently trusts another. :class:`TrustedSession` keeps proxies from the environment but
always verifies against its own ``verify``: the system store (``True``) or a CA bundle file.
TLS verification is never turned off. Nor does it add ``~/.netrc`` credentials, which
``requests`` would otherwise send as Basic auth in place of the bearer token.

>>> session = trusted_session(None, pool_size=4)
>>> session.verify
True
>>> trusted_session("/nonexistent/ca.pem", pool_size=4)
Traceback (most recent call last):
...
FileNotFoundError: CA bundle /nonexistent/ca.pem does not exist (source.ca_bundle must name a PEM file)
"""

from __future__ import annotations

import logging
import ssl
import threading
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from requests.auth import AuthBase
from requests.utils import select_proxy
from urllib3.util.wait import wait_for_read

log = logging.getLogger("mgdc_pipelines.sources.graph")


class _HeadersOnly(AuthBase):
    """Authentication is the ``Authorization`` header the caller sets; a set ``auth`` also keeps
    ``requests`` from looking credentials up in ``~/.netrc``."""

    def __call__(self, request):
        return request


class TrustedSession(requests.Session):
    """A session that verifies TLS against ``self.verify`` only and never adds credentials."""

    def __init__(self) -> None:
        super().__init__()
        self.auth = _HeadersOnly()
        self._environment: dict[tuple, dict[str, Any]] = {}

    def rebuild_auth(self, prepared_request, response) -> None:
        """On a redirect, drop the token when the host changes (as requests does), but never
        add ``~/.netrc`` credentials (which requests would)."""
        if "Authorization" in prepared_request.headers and self.should_strip_auth(
            response.request.url, prepared_request.url
        ):
            del prepared_request.headers["Authorization"]

    def merge_environment_settings(self, url, proxies, stream, verify, cert) -> dict[str, Any]:
        """As requests merges them, but the environment's part is read once per origin: requests
        reads every environment variable (proxies, ``no_proxy``) on every request, a third of
        the CPU a page of mail costs the client. A variable set after the session's first
        request to an origin is not seen."""
        if proxies:
            settings = super().merge_environment_settings(url, proxies, stream, verify, cert)
        else:
            key = (urlsplit(url)[:2], stream, verify, cert)
            if key not in self._environment:
                self._environment[key] = super().merge_environment_settings(url, proxies, stream, verify, cert)
            cached = self._environment[key]
            settings = {**cached, "proxies": dict(cached["proxies"])}
        settings["verify"] = self.verify if verify is None or verify is True else verify
        if settings["verify"] is False:
            raise ValueError("refusing to send a request without TLS verification")
        return settings


def trusted_session(ca_bundle: str | Path | None, pool_size: int) -> TrustedSession:
    """A pooled session trusting ``ca_bundle`` (a PEM file), or the system store when ``None``."""
    session = TrustedSession()
    if ca_bundle is not None:
        path = Path(ca_bundle).expanduser()
        if not path.is_file():
            raise FileNotFoundError(
                f"CA bundle {ca_bundle} does not exist (source.ca_bundle must name a PEM file)"
            )
        session.verify = str(path.absolute())
    adapter = HTTPAdapter(pool_connections=4, pool_maxsize=max(pool_size, 1), max_retries=0)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


def open_connections(
    session: requests.Session, url: str, count: int, settle_s: float = 0.1
) -> threading.Thread | None:
    """Put up to ``count`` connected TLS connections to ``url``'s host in ``session``'s pool;
    the thread opening them but the first (join it to wait for them), if any.

    Why: a source's workers would otherwise each open theirs (TCP and TLS handshakes) when
    their first request goes out, all at once, just when the user list has arrived: on a busy
    core they queue behind each other and the first round of mail reads starts tens of
    milliseconds late. Opened while the user list is read, they are ready when it arrives. One
    is connected before this returns (the caller's next request takes it), the others on
    threads of their own. A connection that fails to open is only logged: the request that
    would have used it opens one (and retries) as usual. Through a proxy, nothing is opened.
    ``settle_s``: how long a new connection waits for the server's session tickets (TLS 1.3;
    they come a round trip after the handshake) before it goes into the pool.

    >>> open_connections(trusted_session(None, pool_size=4), "https://graph.invalid/v1.0", count=0)
    """
    pool = session_pool(session, url) if count >= 1 else None
    if pool is None:
        return None
    taken = [pool._get_conn() for _ in range(min(count, pool.pool.maxsize - 1))]  # leave one for others
    if not taken:
        return None

    def connect(connection: Any) -> None:
        try:
            if not connection.is_connected:
                connection.connect()
                _read_session_tickets(connection.sock, settle_s)
        except Exception as error:  # refused, timed out, TLS: the request will open one and retry
            log.debug("opening a connection to %s in advance failed: %s", pool.host, error)
            connection.close()
        pool._put_conn(connection)

    def connect_the_others() -> None:  # starting a thread waits for it to run: not on the caller's
        threads = [threading.Thread(target=connect, args=(connection,), name="mgdc-graph-connect", daemon=True)
                   for connection in taken[1:]]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    connect(taken[0])
    opening = threading.Thread(target=connect_the_others, name="mgdc-graph-connect", daemon=True)
    opening.start()
    return opening


def session_pool(session: requests.Session, url: str) -> Any:
    """The urllib3 pool ``session`` sends ``url`` through (its TLS trust, the session's
    ``verify``), or ``None`` when the environment routes ``url`` through a proxy."""
    settings = session.merge_environment_settings(url, {}, False, None, None)
    if select_proxy(url, settings["proxies"]):
        return None
    request = requests.Request("GET", url).prepare()
    adapter = session.get_adapter(url)
    return adapter.get_connection_with_tls_context(
        request, settings["verify"], settings["proxies"], settings["cert"]
    )


def _read_session_tickets(sock: ssl.SSLSocket, wait_s: float) -> None:
    """Take in what a TLS 1.3 server sends after the handshake (session tickets).

    urllib3 takes an idle connection with bytes to read for one the server closed, and opens
    another in its place: unread tickets would waste the connection opened in advance. Any
    application data or the end of the stream here means the connection is not usable.
    """
    timeout = sock.gettimeout()
    while wait_for_read(sock, timeout=wait_s):
        sock.settimeout(0)
        try:
            sock.recv(1)
        except ssl.SSLWantReadError:
            wait_s = min(wait_s, 0.01)  # tickets taken in, no data; another may follow at once
            continue
        finally:
            sock.settimeout(timeout)
        raise ConnectionError("the server sent data, or closed, before any request")
