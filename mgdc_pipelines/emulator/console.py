"""``mgdc-pipelines graph-emulator``: run the emulator in the foreground until Ctrl-C/SIGTERM.

The demo client's secret comes from an environment variable when set (the name is printed,
the value never), else the package's public demo secret.
"""

from __future__ import annotations

import dataclasses
import os
import signal
import sys
import threading
from typing import TextIO

from mgdc_pipelines.emulator.app import GraphEmulator
from mgdc_pipelines.emulator.config import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, EmulatorConfig

DEFAULT_SECRET_ENV = "MGDC_GRAPH_CLIENT_SECRET"


def serve_in_foreground(config: EmulatorConfig, secret_env: str = DEFAULT_SECRET_ENV,
                        out: TextIO = sys.stdout) -> int:
    """Start, print where to connect, serve until interrupted; the CA is removed on exit."""
    secret = os.environ.get(secret_env) or DEMO_CLIENT_SECRET
    emulator = GraphEmulator(dataclasses.replace(config, clients={DEMO_CLIENT_ID: secret}))
    stop = threading.Event()
    previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        with emulator:
            _print_banner(emulator, secret_env, out)
            try:
                while not stop.wait(0.2):
                    pass
            except KeyboardInterrupt:
                pass
    finally:
        signal.signal(signal.SIGTERM, previous)
    print("Graph emulator stopped.", file=out, flush=True)
    return 0


def _print_banner(emulator: GraphEmulator, secret_env: str, out: TextIO) -> None:
    tenant = emulator.tenant.config
    lines = (
        f"CA bundle: {emulator.ca_pem_path}",
        f"Base URL: {emulator.base_url}",
        f"Graph URL: {emulator.graph_url}",
        f"Authority: {emulator.base_url}/{emulator.tenant.directory_id}",
        f"Client id: {DEMO_CLIENT_ID}",
        f"Client secret: ${secret_env} (when unset: mgdc_pipelines.emulator.DEMO_CLIENT_SECRET)",
        f"Serving the synthetic tenant (seed {tenant.seed}, {tenant.users} users); Ctrl-C stops.",
    )
    for line in lines:
        print(line, file=out, flush=True)
