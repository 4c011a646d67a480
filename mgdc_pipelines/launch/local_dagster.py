"""A dagster-webserver and a dagster-daemon on this machine, driven through the webserver's GraphQL API.

This is how ``mgdc-pipelines demo`` submits work the way the Dagster UI does: backfills and runs
are created against the code location the workspace loads, so the UI lists them under their
jobs, backfills and the Overview timeline, with the right "launched by". Both processes use the
caller's ``DAGSTER_HOME``; their logs go to ``<DAGSTER_HOME>/logs/``.

>>> LocalDagster(Path("workspace.yaml"), Path(".dagster_home")).graphql_url  # doctest: +ELLIPSIS
'http://127.0.0.1:.../graphql'
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from pathlib import Path
from typing import Any

WORKSPACE_QUERY = """{ workspaceOrError { __typename ... on Workspace { locationEntries { name
  locationOrLoadError { __typename ... on PythonError { message errorChain { error { message } } }
    ... on RepositoryLocation { repositories { name } } } } } ... on PythonError { message } } }"""


class LocalDagsterError(RuntimeError):
    """The webserver or daemon did not start, the code location did not load, or a call failed."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class LocalDagster:
    """Start ``dagster-webserver`` (and, on demand, ``dagster-daemon``) for one workspace.

    Use it as a context manager: the processes stop when the block ends, whatever happens in it.
    ``start_daemon()`` is separate because a backfill launched before the daemon starts is picked
    up by the daemon's first iteration instead of waiting for its next 30-second loop.
    """

    def __init__(
        self,
        workspace: Path,
        dagster_home: Path,
        *,
        cwd: Path | None = None,
        env: Mapping[str, str] | None = None,
        port: int | None = None,
        startup_timeout: float = 180.0,
    ):
        self.workspace = Path(workspace).absolute()
        self.dagster_home = Path(dagster_home).absolute()
        self.cwd = cwd or Path.cwd()
        self.env = {**os.environ, **(env or {}), "DAGSTER_HOME": str(self.dagster_home)}
        self.port = port or free_port()
        self.startup_timeout = startup_timeout
        self._processes: list[subprocess.Popen] = []

    @property
    def graphql_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/graphql"

    @property
    def log_dir(self) -> Path:
        return self.dagster_home / "process-logs"  # not `logs`: Dagster keeps its telemetry there

    def __enter__(self) -> LocalDagster:
        try:
            self._start("dagster-webserver", "-w", str(self.workspace), "-h", "127.0.0.1", "-p", str(self.port))
            self.location = self._wait_for_code_location()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def start_daemon(self) -> None:
        """Start ``dagster-daemon run``: it launches queued runs and cuts backfills into runs."""
        self._start("dagster-daemon", "run", "-w", str(self.workspace))

    def stop(self) -> None:
        for process in self._processes:
            if process.poll() is None:
                process.terminate()
        for process in self._processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self._processes.clear()

    def graphql(self, query: str, **variables: Any) -> dict:
        """The ``data`` of a GraphQL call; a ``LocalDagsterError`` on a transport or GraphQL error."""
        request = urllib.request.Request(
            self.graphql_url,
            data=json.dumps({"query": query, "variables": variables}).encode(),
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                body = json.load(response)
        except urllib.error.HTTPError as error:  # a query the schema refuses comes back as a 400
            body = _json_or_none(error.read()) or {"errors": [{"message": f"HTTP {error.code}"}]}
        except (OSError, ValueError) as error:
            raise LocalDagsterError(f"the Dagster webserver at {self.graphql_url} did not answer: {error}") from error
        if body.get("errors"):
            messages = "; ".join(error.get("message", "?") for error in body["errors"])
            raise LocalDagsterError(f"the Dagster webserver refused a GraphQL call: {messages}")
        return body["data"]

    def check_alive(self) -> None:
        """A ``LocalDagsterError`` naming the process (and its log) that exited."""
        for process in self._processes:
            if process.poll() is not None:
                name = Path(process.args[0]).name
                raise LocalDagsterError(
                    f"{name} exited with code {process.returncode}; see {self.log_dir / (name + '.log')}"
                )

    def _start(self, command: str, *args: str) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        executable = Path(sys.executable).with_name(command)
        with (self.log_dir / f"{command}.log").open("ab") as log:
            self._processes.append(
                subprocess.Popen([str(executable), *args], cwd=self.cwd, env=self.env, stdout=log,
                                 stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
            )

    def _wait_for_code_location(self) -> tuple[str, str]:
        """(location name, repository name) once the workspace's one code location has loaded."""
        deadline = time.monotonic() + self.startup_timeout
        while True:
            self.check_alive()
            try:
                workspace = self.graphql(WORKSPACE_QUERY)["workspaceOrError"]
            except LocalDagsterError:
                workspace = None  # not listening yet
            location = _loaded_location(workspace) if workspace is not None else None
            if location is not None:
                return location
            if time.monotonic() > deadline:
                raise LocalDagsterError(f"dagster-webserver did not answer within {self.startup_timeout:.0f} s; "
                                        f"see {self.log_dir / 'dagster-webserver.log'}")
            time.sleep(0.5)


def _json_or_none(raw: bytes) -> dict | None:
    try:
        return json.loads(raw)
    except ValueError:
        return None


def _loaded_location(workspace: dict) -> tuple[str, str] | None:
    """(location, repository) of a loaded workspace; None while it loads; an error if it failed."""
    if workspace["__typename"] != "Workspace":
        raise LocalDagsterError(f"the workspace did not load: {workspace.get('message', '').strip()}")
    entries = workspace["locationEntries"]
    if len(entries) != 1:
        raise LocalDagsterError(f"expected one code location in the workspace, found {len(entries)}")
    loaded = entries[0]["locationOrLoadError"]
    if loaded is None:
        return None
    if loaded["__typename"] != "RepositoryLocation":
        # The message wraps the cause (a spec problem, say): the innermost error says what is wrong.
        chain = [link["error"]["message"] for link in loaded.get("errorChain") or ()]
        message = (chain[-1] if chain else loaded.get("message", "")).strip()
        raise LocalDagsterError(f"code location {entries[0]['name']!r} did not load: {message}")
    return entries[0]["name"], loaded["repositories"][0]["name"]
