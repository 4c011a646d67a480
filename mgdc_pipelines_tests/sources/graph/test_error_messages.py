"""Graph errors name the URL, status and what was being read; never a row or a response body."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from mgdc_pipelines.emulator import FaultConfig
from mgdc_pipelines.sources.graph import MalformedPageError
from mgdc_pipelines.sources.graph.client import graph_error
from mgdc_pipelines_tests.sources.graph.conftest import request_for

SENTINEL = "felix.baker.sentinel@contoso.example"
USER_ID = "5f0d6a1e-8c2b-4f7a-9e3d-1b2c3d4e5f60"
PROXY_PAGE = f"<html><body>Bad gateway while fetching the mailbox of {SENTINEL}</body></html>".encode()


@contextmanager
def _answering(status: int, content_type: str, body: bytes) -> Iterator[str]:
    """A local HTTP server answering every GET with ``status`` and ``body``; its base URL."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass  # keep the test output clean

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def proxy_url() -> Iterator[str]:
    """A gateway in front of Graph answering 502 with an HTML page that echoes a mailbox."""
    with _answering(502, "text/html; charset=utf-8", PROXY_PAGE) as base:
        yield f"{base}/v1.0/users/u1/messages"


def test_a_body_that_is_not_graphs_json_error_is_described_not_echoed(proxy_url):
    response = requests.get(proxy_url, timeout=10)
    message = str(graph_error(response, "GET", proxy_url, "Message_v1 of user u1"))
    assert SENTINEL not in message and "<html" not in message
    assert message.startswith("Message_v1 of user u1: Graph answered HTTP 502 : ")
    assert f"a body that is not Graph's JSON error (text/html, {len(PROXY_PAGE)} bytes)" in message
    assert proxy_url in message


def test_a_page_cut_mid_row_fails_without_quoting_the_rows(emulator, graph, synthetic):
    emulator.configure(faults=FaultConfig(malformed_page_every=1))  # the first page: invalid JSON
    request = request_for("User_v1")
    with pytest.raises(MalformedPageError) as raised:
        list(graph.extract(request))
    message = str(raised.value)
    assert "malformed page (invalid JSON" in message
    texts = {
        value
        for batch in synthetic.extract(request)
        for row in batch.to_pylist()
        for value in row.values()
        if isinstance(value, str) and len(value) >= 6
    }
    said, _, url = message.rpartition(" from ")  # the URL is our own query (it filters on 'Member')
    assert url.startswith(emulator.graph_url)
    assert texts and not [text for text in texts if text in said]


def test_graphs_own_message_is_shown_without_the_address_it_echoes():
    """Graph's own JSON error echoes the mailbox a request named, as its 404s do."""
    body = json.dumps({"error": {
        "code": "ErrorInvalidUser", "message": f"The requested user '{SENTINEL}' is invalid.",
    }}).encode()
    with _answering(404, "application/json", body) as base:
        url = f"{base}/v1.0/users/{USER_ID}/messages"
        message = str(graph_error(requests.get(url, timeout=10), "GET", url, "Message_v1"))
    assert "HTTP 404 ErrorInvalidUser: The requested user '<address>' is invalid." in message
    assert SENTINEL not in message and USER_ID in message
