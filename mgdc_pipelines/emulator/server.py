"""A small HTTPS server: stdlib ``ThreadingHTTPServer`` + ``ssl`` with a ``trustme`` CA.

One CA per server, its PEM written to a temporary directory that :meth:`TlsServer.stop`
removes. The server knows nothing about Graph: it hands each request to an ``app`` callable
and writes back the :class:`HttpResponse` (or closes the connection for :data:`DROP`).
Stopping closes open keep-alive connections too, so no handler thread outlives the server.

>>> import urllib.request, ssl
>>> app = lambda request: HttpResponse(200, {"Content-Type": "text/plain"}, request.path.encode())
>>> with TlsServer(app) as server:
...     context = ssl.create_default_context(cafile=str(server.ca_pem_path))
...     urllib.request.urlopen(f"{server.base_url}/hello?x=1", context=context).read()
b'/hello'
"""

from __future__ import annotations

import shutil
import socket
import ssl
import tempfile
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import trustme

THREAD_PREFIX = "graph-emulator"
_IDLE_TIMEOUT_S = 60.0  # a silent keep-alive connection is closed after this
_JOIN_TIMEOUT_S = 2.0


@dataclass(frozen=True)
class HttpRequest:
    method: str
    path: str  # without the query string
    query: Mapping[str, str]  # decoded; the last value wins for repeated names
    headers: Mapping[str, str]  # lower-case names
    body: bytes


@dataclass(frozen=True)
class HttpResponse:
    status: int
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""


DROP = object()  # the app's answer for "close the connection without a response"
App = Callable[[HttpRequest], "HttpResponse | object"]


class TlsServer:
    """Serve ``app`` over HTTPS on ``host:port`` (0: a free port) in background threads."""

    def __init__(self, app: App, host: str = "127.0.0.1", port: int = 0) -> None:
        self._app, self._host, self._requested_port = app, host, port
        self._http: _Server | None = None
        self._thread: threading.Thread | None = None
        self._tempdir: Path | None = None
        self.ca_pem_path: Path | None = None

    def __enter__(self) -> TlsServer:
        self.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._http is None:
            raise RuntimeError("the server is not running; call start() first")
        return self._http.server_address[1]

    @property
    def base_url(self) -> str:
        return f"https://{self._host}:{self.port}"

    def start(self) -> None:
        if self._http is not None:
            raise RuntimeError("the server is already running")
        ca = trustme.CA(organization_name="mgdc-pipelines Graph emulator")
        self._tempdir = Path(tempfile.mkdtemp(prefix="graph-emulator-"))
        self.ca_pem_path = self._tempdir / "ca.pem"
        ca.cert_pem.write_to_path(str(self.ca_pem_path))
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ca.issue_cert(self._host, "localhost", "127.0.0.1").configure_cert(context)
        try:
            self._http = _Server((self._host, self._requested_port), self._app, context)
        except OSError:
            self._remove_tempdir()
            raise
        self._thread = threading.Thread(target=self._http.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=f"{THREAD_PREFIX}-{self.port}", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop accepting, close open connections, wait for handler threads, remove the CA."""
        http, self._http = self._http, None
        if http is not None:
            http.shutdown()
            http.server_close()
            http.close_connections()
        if self._thread is not None:
            self._thread.join(_JOIN_TIMEOUT_S)
            self._thread = None
        self._remove_tempdir()

    def _remove_tempdir(self) -> None:
        if self._tempdir is not None:
            shutil.rmtree(self._tempdir, ignore_errors=True)
            self._tempdir = None


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # we join our own connection threads in close_connections()

    def __init__(self, address: tuple[str, int], app: App, context: ssl.SSLContext) -> None:
        super().__init__(address, _Handler)
        self.app = app
        # The TLS handshake runs in the connection's thread (see _Handler.setup), never here.
        self.socket = context.wrap_socket(self.socket, server_side=True, do_handshake_on_connect=False)
        self._lock = threading.Lock()
        self._connections: dict[socket.socket, threading.Thread] = {}

    def process_request(self, request, client_address) -> None:
        thread = threading.Thread(target=self.process_request_thread, args=(request, client_address),
                                  name=f"{THREAD_PREFIX}-{self.server_address[1]}-conn", daemon=True)
        with self._lock:
            self._connections[request] = thread
        thread.start()

    def shutdown_request(self, request) -> None:
        with self._lock:
            self._connections.pop(request, None)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        with self._lock:
            connections = list(self._connections.items())
        for connection, _ in connections:
            try:  # the plain socket's shutdown: wakes a handler blocked in SSL_read
                socket.socket.shutdown(connection, socket.SHUT_RDWR)
            except OSError:
                pass
        for _, thread in connections:
            thread.join(_JOIN_TIMEOUT_S)

    def handle_error(self, request, client_address) -> None:
        pass  # clients hanging up (or failing TLS) are their business, not a server error


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as Graph clients expect
    # Headers and body go out as two writes; with Nagle the body waits for the client's delayed
    # ACK of the headers (~40 ms on Linux), which Graph's own front ends never add to a request.
    disable_nagle_algorithm = True
    server_version = "GraphEmulator/1.0"
    sys_version = ""
    timeout = _IDLE_TIMEOUT_S

    def setup(self) -> None:
        super().setup()
        self.connection.do_handshake()

    def log_message(self, format: str, *args) -> None:
        pass  # the emulator's request log records what matters

    def do_GET(self) -> None:
        self._dispatch()

    do_POST = do_PATCH = do_PUT = do_DELETE = do_GET

    def _dispatch(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        url = urlsplit(self.path)
        request = HttpRequest(
            method=self.command,
            path=url.path,
            query=dict(parse_qsl(url.query, keep_blank_values=True)),
            headers={name.lower(): value for name, value in self.headers.items()},
            body=body,
        )
        response = self.server.app(request)
        if response is DROP:
            self.close_connection = True
            return
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        self.wfile.write(response.body)
