"""GETs straight to the session's pool answer, fail and trust exactly as the session would."""

from __future__ import annotations

import http.server
import json
import random
import socket
import socketserver
import ssl
import threading
import time
from collections.abc import Iterator

import pytest
import requests
import trustme

from mgdc_pipelines.sources.graph.auth import TokenProvider
from mgdc_pipelines.sources.graph.client import CONNECTION_ERRORS
from mgdc_pipelines.sources.graph.pooled_http import PooledHttp, request_url
from mgdc_pipelines.sources.graph.tls import trusted_session
from mgdc_pipelines_tests.sources.graph.conftest import credentials

# --- the URL sent ---------------------------------------------------------------------------

GRAPH = "https://graph.microsoft.com/v1.0"
URLS = [
    f"{GRAPH}/users",
    f"{GRAPH}/users/0b7c5a1e-58a4-4f61-9a3d-6a1e5b2c3d4e/messages",
    f"{GRAPH}/users?%24select=id&%24top=10&%24skiptoken=RFNwdAIAAQAAAB8%3D",
    f"{GRAPH}/users/a@contoso.com/mailFolders('Inbox')/messages?$filter=x+ge+1",
    f"{GRAPH}/users/x/messages?%24filter=receivedDateTime%20ge%202026-11-18T00%3A00%3A00Z",
    f"{GRAPH}/a b/c?d=e f",  # quoted by requests
    f"{GRAPH}/%7euser?%41=%2f",  # unreserved escapes unquoted, lower-case hex upper-cased
    f"{GRAPH}/v1.0/../beta/./users",  # dot segments removed
    "https://Graph.Microsoft.com/v1.0/users",  # host lower-cased
    "https://graph.microsoft.com",  # no path
    "https://graph.microsoft.com:443/v1.0/users?",  # an empty query dropped
    "https://graph.microsoft.com/v1.0/users#fragment",
    "https://graphé.example/v1.0/users",  # IDNA
    "http://127.0.0.1:8080/v1.0/users",
]
PARAMS = [
    None,
    {},
    {"$select": "id,subject", "$top": "10"},
    {"$filter": "receivedDateTime ge 2026-11-18T00:00:00Z and x eq 'a&b'", "$orderby": "receivedDateTime"},
    {"$search": '"café ~ 100%"', "skip": None},
]
TRICKY = "abcXYZ019-._~!$&'()*+,;=:@/?%#[] é\"<>{}|\\^`" + "%2F%2f%41%7E%25%zz"


def prepared_url(url: str, params) -> str:
    prepared = requests.models.PreparedRequest()
    prepared.prepare_url(url, params)
    return prepared.url


def random_urls(count: int) -> Iterator[str]:
    rng = random.Random(7)
    for _ in range(count):
        tail = "".join(rng.choice(TRICKY) for _ in range(rng.randint(0, 30)))
        yield f"{GRAPH}/{tail}"


def test_the_url_sent_is_the_one_requests_would_send_for_any_url_and_parameters():
    for url in [*URLS, *random_urls(3000)]:
        for params in PARAMS:
            try:
                expected = prepared_url(url, params)
            except requests.exceptions.RequestException:
                with pytest.raises(requests.exceptions.RequestException):
                    request_url(url, params)
                continue
            assert request_url(url, params) == expected, (url, params)


# --- against the emulator -------------------------------------------------------------------


@pytest.fixture
def session(emulator):
    return trusted_session(emulator.ca_pem_path, pool_size=4)


def bearer(emulator, session) -> dict[str, str]:
    return {"Authorization": f"Bearer {TokenProvider(credentials(emulator), session).token()}"}


def test_a_get_answers_as_the_session_would_and_reuses_its_connections(emulator, session):
    headers = bearer(emulator, session)
    url, params = f"{emulator.graph_url}/users", {"$select": "id,mail", "$top": "5"}
    pooled = PooledHttp(session)
    ours = pooled.request("GET", url, params=params, headers=headers, timeout=10)
    theirs = session.request("GET", url, params=params, headers=headers, timeout=10)
    assert (ours.status_code, ours.url, ours.encoding, ours.json()) == (
        theirs.status_code, theirs.url, theirs.encoding, theirs.json())
    assert ours.headers["content-type"] == theirs.headers["Content-Type"]
    for _ in range(5):
        pooled.request("GET", ours.json()["@odata.nextLink"], headers=headers, timeout=10)
    pool = session.get_adapter(url).get_connection_with_tls_context(
        requests.Request("GET", url).prepare(), session.verify, {}, None)
    assert pool.num_connections == 1  # every request, ours and the session's, on one connection
    graph_gets = [r for r in emulator.requests if r.service == "graph"]
    assert len(graph_gets) == 7 and all(r.status == 200 for r in graph_gets)


def test_tls_trusts_the_sessions_ca_only_whatever_the_environment_says(emulator, session, monkeypatch):
    headers = bearer(emulator, session)
    url = f"{emulator.graph_url}/users"
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(emulator.ca_pem_path))  # would trust the emulator
    system_store = PooledHttp(trusted_session(None, pool_size=2))
    with pytest.raises(requests.exceptions.SSLError, match="CERTIFICATE_VERIFY_FAILED") as error:
        system_store.request("GET", url, headers=headers, timeout=10)
    assert isinstance(error.value, CONNECTION_ERRORS)  # the client retries it, then gives up
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/nonexistent/ca.pem")
    assert PooledHttp(session).request("GET", url, headers=headers, timeout=10).status_code == 200


def test_posts_and_proxied_origins_go_through_the_session(emulator, session, monkeypatch):
    headers = bearer(emulator, session)
    with connect_proxy() as proxy:
        monkeypatch.setenv("HTTPS_PROXY", proxy.url)
        for name in ("NO_PROXY", "no_proxy"):
            monkeypatch.delenv(name, raising=False)
        proxied = trusted_session(emulator.ca_pem_path, pool_size=2)
        answer = PooledHttp(proxied).request("GET", f"{emulator.graph_url}/users", headers=headers, timeout=10)
    assert answer.status_code == 200 and answer.json()["value"]
    host_port = emulator.graph_url.split("/")[2]
    assert proxy.tunnels == [host_port]
    batch = PooledHttp(session).request(
        "POST", f"{emulator.graph_url}/$batch", timeout=10, headers=headers,
        json_body={"requests": [{"id": "1", "method": "GET", "url": "/users?$top=1"}]},
    )
    assert batch.json()["responses"][0]["status"] == 200


# --- servers that misbehave -----------------------------------------------------------------


@pytest.fixture(scope="module")
def certificates(tmp_path_factory):
    ca = trustme.CA()
    server = ca.issue_cert("127.0.0.1", "localhost")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.configure_cert(context)
    path = tmp_path_factory.mktemp("ca") / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return context, path


class Behaviour(http.server.BaseHTTPRequestHandler):
    """``/hop/<host>``: a redirect to ``https://<host>:<port>/landing``; ``/landing``: JSON
    saying whether a token came along; ``/drop``: the connection closed, no answer; ``/slow``:
    an answer after a second."""

    seen: list[dict[str, str]]

    def do_GET(self):
        if self.path.startswith("/hop/"):
            host = self.path.split("/")[2]
            self.send_response(302)
            self.send_header("Location", f"https://{host}:{self.server.server_port}/landing")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif self.path == "/drop":
            self.close_connection = True
        elif self.path == "/slow":
            time.sleep(1.0)
            self.close_connection = True
        else:
            self.seen.append(dict(self.headers))
            body = json.dumps({"value": [], "token": "Authorization" in self.headers}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def odd_server(certificates):
    context, ca_path = certificates
    handler = type("Handler", (Behaviour,), {"seen": []})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"https://127.0.0.1:{server.server_port}", ca_path, handler.seen
    server.shutdown()
    server.server_close()


def test_a_redirect_is_followed_and_the_token_goes_only_to_the_same_host(odd_server):
    base, ca_path, seen = odd_server
    http = PooledHttp(trusted_session(ca_path, pool_size=2))
    token = {"Authorization": "Bearer not-for-other-hosts"}
    same = http.request("GET", f"{base}/hop/127.0.0.1", headers=token, timeout=10)
    other = http.request("GET", f"{base}/hop/localhost", headers=token, timeout=10)
    assert same.status_code == other.status_code == 200
    assert [same.json()["token"], other.json()["token"]] == [True, False]
    assert other.url.startswith("https://localhost:") and len(seen) == 2


def test_a_dropped_connection_and_a_timeout_are_the_errors_the_client_retries(odd_server):
    base, ca_path, _ = odd_server
    http = PooledHttp(trusted_session(ca_path, pool_size=2))
    with pytest.raises(requests.exceptions.ConnectionError) as dropped:
        http.request("GET", f"{base}/drop", timeout=10)
    with pytest.raises(requests.exceptions.ReadTimeout) as slow:
        http.request("GET", f"{base}/slow", timeout=0.2)
    assert isinstance(dropped.value, CONNECTION_ERRORS) and isinstance(slow.value, CONNECTION_ERRORS)
    with socket.socket() as closed:  # a port nobody listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    with pytest.raises(requests.exceptions.ConnectionError):
        http.request("GET", f"https://127.0.0.1:{port}/landing", timeout=10)


# --- a CONNECT proxy ------------------------------------------------------------------------


class _Tunnel(socketserver.BaseRequestHandler):
    def handle(self):
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.request.recv(4096)
            if not chunk:
                return
            head += chunk
        target = head.split(b" ")[1].decode()
        self.server.tunnels.append(target)
        host, port = target.rsplit(":", 1)
        with socket.create_connection((host, int(port))) as upstream:
            self.request.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
            pump = threading.Thread(target=_pipe, args=(upstream, self.request), daemon=True)
            pump.start()
            _pipe(self.request, upstream)
            pump.join(5)


def _pipe(source: socket.socket, target: socket.socket) -> None:
    try:
        while chunk := source.recv(65536):
            target.sendall(chunk)
    except OSError:
        pass
    finally:
        try:
            target.shutdown(socket.SHUT_WR)
        except OSError:
            pass


class connect_proxy:
    """An HTTP CONNECT proxy on loopback recording the ``host:port`` of each tunnel."""

    def __enter__(self):
        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Tunnel)
        self.server.daemon_threads = True
        self.server.tunnels = self.tunnels = []
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc_info):
        self.server.shutdown()
        self.server.server_close()
