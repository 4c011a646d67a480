"""`mgdc-pipelines production` as `make production` runs it: a real PostgreSQL, webserver and daemon.

One start per test session (about 15 s): the command runs as a subprocess on a free port with its
own data folder and DAGSTER_HOME, is checked while it serves, then stopped with SIGTERM.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest
from dagster_postgres import PostgresRunStorage

from mgdc_pipelines.launch.demo import LOCATION_NAME
from mgdc_pipelines.launch.local_dagster import WORKSPACE_QUERY, LocalDagster, LocalDagsterError, free_port
from mgdc_pipelines.launch.postgres import PostgresError
from mgdc_pipelines.launch.production import INSTANCE_TEMPLATE, STATE_DATABASE_ENV, ProductionSetup

READY_LINE = "Press Ctrl-C"
STARTUP_TIMEOUT_S = 120


class Production:
    """The running command: its process, what it printed so far, and its folders."""

    def __init__(self, folder: Path, port: int):
        self.folder, self.port = folder, port
        self.setup = ProductionSetup(folder / "pg", folder / "home", port)
        env = {**os.environ, "DAGSTER_HOME": str(self.setup.dagster_home), "MGDC_DEMO_MODE": "1"}  # as make sets
        command = [str(Path(sys.executable).with_name("mgdc-pipelines")), "production",
                   "--data-dir", str(self.setup.data_dir), "--port", str(port)]
        self.process = subprocess.Popen(command, cwd=folder, env=env, stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, text=True)
        self.stdout: list[str] = []
        self.stderr: list[str] = []
        self._readers = [threading.Thread(target=self._collect, args=(stream, lines), daemon=True)
                         for stream, lines in ((self.process.stdout, self.stdout), (self.process.stderr, self.stderr))]
        for reader in self._readers:
            reader.start()

    @staticmethod
    def _collect(stream, lines: list[str]) -> None:
        for line in stream:
            lines.append(line)

    @property
    def output(self) -> str:
        return "".join(self.stdout) + "".join(self.stderr)

    def wait_until_ready(self) -> None:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while not any(READY_LINE in line for line in self.stdout):
            assert self.process.poll() is None, f"exited {self.process.returncode}:\n{self.output}"
            assert time.monotonic() < deadline, f"not ready after {STARTUP_TIMEOUT_S} s:\n{self.output}"
            time.sleep(0.2)

    def stop(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout=90)
        for reader in self._readers:
            reader.join(timeout=10)
        return code

    def printed_environment(self) -> dict[str, str]:
        """The `export NAME=value` settings it printed (those that read the password file
        are left out: a reader's shell would run the `$(cat ...)`)."""
        pairs = re.findall(r"\b([A-Z_]+)=(\S+)", " ".join(line for line in self.stdout if "export " in line))
        return {name: value for name, value in pairs if "$(" not in value}


@pytest.fixture(scope="module")
def production() -> Iterator[Production]:
    # As root the server runs as `postgres`, who must traverse the folder (pytest's tmp is 0700).
    folder = Path(tempfile.mkdtemp(prefix="mgdc-production-"))
    folder.chmod(0o711)
    running = Production(folder, free_port())
    try:
        yield running
    finally:
        if running.process.poll() is None:
            running.process.kill()
        shutil.rmtree(folder, ignore_errors=True)


def child_environments(pid: int) -> dict[str, dict[str, str]]:
    """The environment of each direct child process, by program name (dagster-webserver, ...)."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    found = {}
    for child in children:
        argv = Path(f"/proc/{child}/cmdline").read_bytes().split(b"\0")
        program = Path(argv[1].decode() if argv[0].endswith(b"python") else argv[0].decode()).name
        pairs = Path(f"/proc/{child}/environ").read_bytes().split(b"\0")
        found[program] = dict(pair.decode().split("=", 1) for pair in pairs if b"=" in pair)
    return found


def assert_the_password_is_nowhere_but_its_file(running: Production) -> None:
    password = running.setup.password_file.read_text().strip()
    assert password and password not in running.output
    leaks = [path for path in running.folder.rglob("*")
             if path.is_file() and path != running.setup.password_file and password.encode() in path.read_bytes()]
    assert leaks == []


def test_make_production_serves_dagster_on_postgres_and_stops_it_all_on_sigterm(production, monkeypatch):
    production.wait_until_ready()
    dagster = LocalDagster(production.folder / "home" / "workspace.yaml", production.setup.dagster_home,
                           port=production.port)
    entries = dagster.graphql(WORKSPACE_QUERY)["workspaceOrError"]["locationEntries"]
    loaded = [(entry["name"], entry["locationOrLoadError"]["__typename"]) for entry in entries]
    assert loaded == [(LOCATION_NAME, "RepositoryLocation")]
    assert "DEMO MODE" in production.output and "postgresql://mgdc@127.0.0.1:" in production.output

    # What another terminal gets from the printed lines: the same instance, on PostgreSQL.
    printed = production.printed_environment()
    for name, value in printed.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("MGDC_PG_PASSWORD", production.setup.password_file.read_text().strip())
    with dg.DagsterInstance.from_config(printed["DAGSTER_HOME"]) as instance:
        assert isinstance(instance.run_storage, PostgresRunStorage)

    # The webserver and the daemon share that database, and the consent / delta state with it.
    children = child_environments(production.process.pid)
    assert {"dagster-webserver", "dagster-daemon"} <= set(children)
    for env in children.values():
        assert env["MGDC_PG_PORT"] == printed["MGDC_PG_PORT"]
        assert env[STATE_DATABASE_ENV].endswith(f"@127.0.0.1:{printed['MGDC_PG_PORT']}/{printed['MGDC_PG_DB']}")

    assert production.stop() == 0, production.output
    assert "Stopped" in production.output
    assert not (production.setup.data_dir / "postmaster.pid").exists()  # PostgreSQL stopped
    with pytest.raises(LocalDagsterError):
        dagster.graphql(WORKSPACE_QUERY)  # the webserver is gone
    assert_the_password_is_nowhere_but_its_file(production)


def test_the_password_is_generated_once_into_a_file_only_its_owner_reads(tmp_path):
    setup = ProductionSetup(tmp_path / "pg", tmp_path / "home")
    password = setup.password()
    assert setup.password() == password  # a restart reuses it
    assert setup.password_file.stat().st_mode & 0o777 == 0o600
    setup.password_file.unlink()
    (tmp_path / "pg").mkdir()
    (tmp_path / "pg" / "PG_VERSION").write_text("15\n")
    with pytest.raises(PostgresError, match="password file .* is gone"):
        setup.password()  # a cluster whose password is lost is never given a new one silently


def test_another_instances_dagster_yaml_is_never_overwritten(tmp_path):
    (tmp_path / "dev").mkdir()
    (tmp_path / "dev" / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")  # what `make ui` writes
    with pytest.raises(FileExistsError, match="another Dagster instance"):
        ProductionSetup(tmp_path / "pg", tmp_path / "dev").write_instance_config()
    assert (tmp_path / "dev" / "dagster.yaml").read_text() == "telemetry:\n  enabled: false\n"
    ours = ProductionSetup(tmp_path / "pg", tmp_path / "prod")
    ours.write_instance_config()
    ours.write_instance_config()  # a restart rewrites its own
    assert (tmp_path / "prod" / "dagster.yaml").read_text() == INSTANCE_TEMPLATE.read_text()
