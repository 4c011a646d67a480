"""The Graph emulator in a process of its own, driven over a pipe.

Real Graph runs on Microsoft's machines: its work (generating rows, JSON, TLS) never competes
with the client for the client's GIL. In the client's process the emulator's threads would, and
the benchmark would charge the emulator's Python work to the source it measures. So the
``graph`` case starts the emulator in a child process (``spawn``: no threads or locks inherited)
and talks to it through a :class:`multiprocessing.connection.Connection`: the addresses and CA
come back once, then ``set_clock``, ``clear_requests``, the request log and the CPU seconds
the child has spent (``cpu_seconds``) on demand. ``cores`` pins the child, all its threads, to
other cores than the client's: the ``graph`` case gives it the core the bench leaves to the busy
pass, as Graph's work never runs on the client's machine.

>>> from mgdc_pipelines.emulator import EmulatorConfig
>>> from mgdc_pipelines.sources.synthetic import TenantConfig
>>> with EmulatorProcess(EmulatorConfig(tenant=TenantConfig(seed=42, users=10))) as emulator:
...     emulator.clear_requests()
...     emulator.graph_url.startswith("https://127.0.0.1:"), emulator.requests
(True, [])
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import time
from collections.abc import Collection
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

_START_TIMEOUT_S = 120.0  # the child imports the package (Dagster included) before it serves
_STOP_TIMEOUT_S = 10.0
_COMMANDS = frozenset({"set_clock", "clear_requests", "requests", "cpu_seconds"})


class EmulatorProcess:
    """A :class:`~mgdc_pipelines.emulator.GraphEmulator` serving from a child process."""

    def __init__(self, config: Any, *, cores: Collection[int] | None = None) -> None:
        self._config = config
        self._cores = None if cores is None else set(cores)  # None: the parent's
        self._connection: Connection | None = None
        self._process: multiprocessing.process.BaseProcess | None = None
        self.base_url = self.graph_url = ""
        self.ca_pem_path = Path()

    def __enter__(self) -> EmulatorProcess:
        context = multiprocessing.get_context("spawn")
        self._connection, child_end = context.Pipe()
        self._process = context.Process(target=_serve, args=(self._config, child_end, self._cores),
                                        name="graph-emulator", daemon=True)
        self._process.start()
        child_end.close()
        if not self._connection.poll(_START_TIMEOUT_S):
            self.__exit__(None, None, None)
            raise RuntimeError(f"the emulator process did not start within {_START_TIMEOUT_S:g} s")
        self.base_url, self.graph_url, ca_pem_path = self._answer()
        self.ca_pem_path = Path(ca_pem_path)
        return self

    def __exit__(self, *exc_info) -> None:
        connection, process = self._connection, self._process
        self._connection = self._process = None
        if connection is not None:
            try:
                connection.send(("stop", ()))
            except OSError:
                pass  # the child is gone already
            connection.close()
        if process is not None:
            process.join(_STOP_TIMEOUT_S)
            if process.is_alive():
                process.terminate()
                process.join(_STOP_TIMEOUT_S)

    @property
    def pid(self) -> int | None:
        """The child's process id while it runs."""
        return None if self._process is None else self._process.pid

    def set_clock(self, moment: dt.datetime | None) -> None:
        self._call("set_clock", moment)

    def clear_requests(self) -> None:
        self._call("clear_requests")

    def cpu_seconds(self) -> float:
        """CPU time the emulator's process has used so far (all its threads)."""
        return self._call("cpu_seconds")

    @property
    def requests(self) -> list[Any]:
        """The emulator's request log (``RecordedRequest`` entries), oldest first."""
        return self._call("requests")

    def _call(self, command: str, *args: object) -> Any:
        if self._connection is None:
            raise RuntimeError("the emulator process is not running; use it as a context manager")
        self._connection.send((command, args))
        return self._answer()

    def _answer(self) -> Any:
        try:
            ok, value = self._connection.recv()
        except EOFError:
            code = self._process.exitcode if self._process is not None else None
            raise RuntimeError(f"the emulator process exited (exit code {code}); see its stderr") from None
        if not ok:
            raise RuntimeError(f"the emulator process failed: {value}")
        return value


def _serve(config: Any, connection: Connection, cores: set[int] | None) -> None:
    """The child: run the emulator and answer commands until ``stop`` (or the parent is gone).
    Pinned to ``cores`` first, every thread of it (unpickling the config imports libraries that
    may start threads), so that every thread started later runs there too."""
    if cores is not None:
        for thread in os.listdir("/proc/self/task"):
            os.sched_setaffinity(int(thread), cores)
    from mgdc_pipelines.emulator import GraphEmulator

    try:
        emulator = GraphEmulator(config).start()
    except Exception as error:
        connection.send((False, f"{type(error).__name__}: {error}"))
        return
    try:
        connection.send((True, (emulator.base_url, emulator.graph_url, str(emulator.ca_pem_path))))
        while True:
            try:
                command, args = connection.recv()
            except EOFError:
                return
            if command == "stop":
                return
            if command not in _COMMANDS:
                connection.send((False, f"unknown command {command!r}; allowed: {', '.join(sorted(_COMMANDS))}"))
                continue
            try:
                attribute = time.process_time if command == "cpu_seconds" else getattr(emulator, command)
                connection.send((True, attribute(*args) if callable(attribute) else attribute))
            except Exception as error:
                connection.send((False, f"{command}: {type(error).__name__}: {error}"))
    finally:
        emulator.stop()
