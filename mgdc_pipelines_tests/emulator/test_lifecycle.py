"""Starting and stopping the emulator, its request log, and the `graph-emulator` command."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from mgdc_pipelines.emulator import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, EmulatorConfig, GraphEmulator
from mgdc_pipelines.emulator.server import THREAD_PREFIX
from mgdc_pipelines_tests.emulator.conftest import TENANT, GraphClient, day_filter


def _emulator_threads(port: int) -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith(f"{THREAD_PREFIX}-{port}")]


def test_stop_closes_connections_joins_threads_and_removes_the_ca() -> None:
    emulator = GraphEmulator(EmulatorConfig(tenant=TENANT)).start()
    client = GraphClient(emulator)  # leaves a keep-alive connection open
    ca_pem, port = emulator.ca_pem_path, emulator.port
    assert ca_pem.read_text().startswith("-----BEGIN CERTIFICATE-----")
    assert emulator.port > 0 and emulator.base_url == f"https://127.0.0.1:{emulator.port}"
    assert client.get("/users", {"$select": "id", "$top": "1"}).status_code == 200

    emulator.stop()

    assert _emulator_threads(port) == []
    assert not ca_pem.exists()


def test_the_request_log_says_what_was_asked_and_never_holds_secrets(graph: GraphClient) -> None:
    user = graph.emulator.tenant.users[3].id
    graph.new_token()
    graph.get(f"/users/{user}/messages", {"$filter": day_filter("receivedDateTime"), "$select": "id,subject"})
    graph.get(f"/users/{user}/manager", {"$select": "id"})

    token, messages, manager = graph.emulator.requests

    assert (token.service, token.method, token.status, token.client_id) == ("identity", "POST", 200, DEMO_CLIENT_ID)
    assert (messages.method, messages.path, messages.mailbox, messages.status, messages.in_batch) == \
        ("GET", f"/users/{user}/messages", user, 200, False)
    assert messages.params == {"$filter": day_filter("receivedDateTime"), "$select": "id,subject"}
    assert messages.concurrent == 1 and messages.started <= messages.finished
    assert (manager.path, manager.mailbox, manager.params) == (f"/users/{user}/manager", None, {"$select": "id"})
    assert DEMO_CLIENT_SECRET not in repr(graph.emulator.requests) and graph.token not in repr(graph.emulator.requests)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_the_cli_prints_the_ca_and_urls_then_serves_until_terminated() -> None:
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "mgdc_pipelines.cli", "graph-emulator", "--port", str(port), "--users", "40"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        banner = dict(process.stdout.readline().rstrip("\n").split(": ", 1) for _ in range(6))
        ca_pem = Path(banner["CA bundle"])
        assert ca_pem.is_file()
        assert banner["Base URL"] == f"https://127.0.0.1:{port}"
        assert banner["Graph URL"] == f"https://127.0.0.1:{port}/v1.0"
        assert banner["Client id"] == DEMO_CLIENT_ID
        assert DEMO_CLIENT_SECRET not in banner["Client secret"]
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            pass  # it is serving
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert process.returncode == 0, process.stderr.read()
    assert not ca_pem.exists()


@pytest.mark.parametrize("change", [{"port": 1}, {"tenant": TENANT}])
def test_fixed_settings_cannot_change_at_runtime(graph: GraphClient, change: dict) -> None:
    with pytest.raises(ValueError, match="cannot change while the emulator runs"):
        graph.emulator.configure(**change)
