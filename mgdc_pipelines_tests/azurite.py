"""A real Azurite blob service for the tests (npm ``azurite``, pinned in ``package.json``).

The session fixture :func:`azurite` starts ``node_modules/.bin/azurite-blob`` on a free port of
127.0.0.1 with its data in a temp folder, waits until the port answers, and stops it at the
end of the session (each pytest-xdist worker gets its own). ``make test`` installs Azurite; when
it is missing the fixture FAILS (never skips), so an Azure test cannot pass without running.

>>> emulator = Azurite(account_url="http://127.0.0.1:10000/devstoreaccount1")
>>> emulator.connection_string.split(";")[:2]
['DefaultEndpointsProtocol=http', 'AccountName=devstoreaccount1']
"""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
AZURITE_BLOB = REPO_ROOT / "node_modules" / ".bin" / "azurite-blob"
ACCOUNT_NAME = "devstoreaccount1"
# Azurite's well-known development key, published in Microsoft's Azurite docs: not a secret.
ACCOUNT_KEY = (
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)
START_TIMEOUT_SECONDS = 30.0


@dataclass(frozen=True)
class Azurite:
    """Where the running emulator is and how to authenticate to it."""

    account_url: str
    account_name: str = ACCOUNT_NAME
    key: str = field(default=ACCOUNT_KEY, repr=False)

    @property
    def connection_string(self) -> str:
        return (
            f"DefaultEndpointsProtocol=http;AccountName={self.account_name};"
            f"AccountKey={self.key};BlobEndpoint={self.account_url};"
        )


@pytest.fixture(scope="session")
def azurite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Azurite]:
    """A running Azurite blob service, shared by the session."""
    if not AZURITE_BLOB.exists():
        pytest.fail(
            f"Azurite is not installed ({AZURITE_BLOB.relative_to(REPO_ROOT)} is missing): "
            "run `make test`, which installs it from package.json with npm",
            pytrace=False,
        )
    folder = tmp_path_factory.mktemp("azurite")
    port = _free_port()
    log_path = folder / "azurite.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [str(AZURITE_BLOB), "--blobHost", "127.0.0.1", "--blobPort", str(port),
             "--location", str(folder / "data"), "--silent", "--skipApiVersionCheck", "--loose",
             "--disableTelemetry"],
            stdout=log, stderr=subprocess.STDOUT, cwd=REPO_ROOT,
        )
    try:
        _wait_until_listening(process, port, log_path)
        yield Azurite(account_url=f"http://127.0.0.1:{port}/{ACCOUNT_NAME}")
    finally:
        _stop(process)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_listening(process: subprocess.Popen, port: int, log_path: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            message = f"Azurite exited with code {process.returncode}: {_tail(log_path)}"
            pytest.fail(message, pytrace=False)
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    _stop(process)
    waited = f"{START_TIMEOUT_SECONDS:.0f}s"
    pytest.fail(f"Azurite did not listen on 127.0.0.1:{port} within {waited}: {_tail(log_path)}",
                pytrace=False)


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _tail(log_path: Path, lines: int = 20) -> str:
    text = log_path.read_text(errors="replace").strip()
    return "\n".join(text.splitlines()[-lines:]) or "(no output)"
