"""How the Graph emulator behaves: its tenant, paging, latency, Outlook limits and faults.

Every knob has a default, so ``EmulatorConfig()`` serves the default synthetic tenant with
Graph's usual limits and no injected faults.

>>> EmulatorConfig(page_size=10).page_size
10
>>> FaultConfig(throttle_every=3).active
True
>>> EmulatorConfig(page_size=0)
Traceback (most recent call last):
...
ValueError: EmulatorConfig.page_size: 0 is out of range; allowed: 1 to 1000
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from mgdc_pipelines.sources.synthetic.config import TenantConfig

# The demo app registration every emulator knows (the secret is public: it guards nothing real).
DEMO_CLIENT_ID = "5d2c4f0e-6a8b-4e1f-9c3d-000000e7a101"
DEMO_CLIENT_SECRET = "emulator-demo-secret-not-for-production"
MAX_PAGE_SIZE = 1000  # Graph's largest `$top` for Outlook collections


@dataclass(frozen=True)
class FaultConfig:
    """Injected failures; counters run over Graph requests (each `$batch` inner request counts).

    ``throttle_every``/``drop_connection_every``/``malformed_page_every`` fire on every Nth
    eligible request (0 = never); the ``*_burst`` counts fail the next N requests.
    Connection drops and malformed pages apply to top-level requests only (a dropped
    connection cannot be half of a batch); malformed pages only to collection responses.
    """

    throttle_every: int = 0
    throttle_burst: int = 0
    server_error_burst: int = 0  # alternating 503 and 504
    drop_connection_every: int = 0
    malformed_page_every: int = 0  # alternating: invalid JSON, then a body without "value"
    retry_after_s: float = 1.0
    retry_after_http_date: bool = False

    def __post_init__(self) -> None:
        for name in ("throttle_every", "throttle_burst", "server_error_burst",
                     "drop_connection_every", "malformed_page_every"):
            _check_range(self, name, getattr(self, name), 0, None)
        _check_range(self, "retry_after_s", self.retry_after_s, 0, None)

    @property
    def active(self) -> bool:
        return any((self.throttle_every, self.throttle_burst, self.server_error_burst,
                    self.drop_connection_every, self.malformed_page_every))


@dataclass(frozen=True)
class EmulatorConfig:
    """One emulator instance. ``clock=None`` means real UTC now (see ``GraphEmulator.set_clock``)."""

    tenant: TenantConfig = field(default_factory=TenantConfig)
    host: str = "127.0.0.1"
    port: int = 0  # 0: any free port; read the bound one from ``GraphEmulator.port``
    page_size: int = 50
    latency_s: float = 0.0
    mailbox_concurrency: int = 4
    mailbox_requests_per_window: int = 10_000
    window_s: float = 600.0
    retry_after_s: float = 1.0  # Retry-After of the mailbox-concurrency 429
    token_lifetime_s: int = 3599
    clock: dt.datetime | None = None
    faults: FaultConfig = field(default_factory=FaultConfig)
    clients: Mapping[str, str] = field(default_factory=lambda: {DEMO_CLIENT_ID: DEMO_CLIENT_SECRET})
    # Certificate credentials: client id → PEM X.509 certificates (RSA), e.g. from
    # ``certificates.self_signed_client_certificate``; a client may have secrets, certificates or both.
    certificates: Mapping[str, tuple[str | bytes, ...]] = field(default_factory=dict)
    message_delta_lookback_days: int = 30  # initial message delta without `receivedDateTime ge`
    # How far back `update_message`/`delete_message` look for a message (its receivedDateTime);
    # each year searched costs about a second per call.
    mutable_message_days: int = 400
    max_recorded_requests: int = 100_000  # the request log keeps the newest ones

    def __post_init__(self) -> None:
        _check_range(self, "port", self.port, 0, 65535)
        _check_range(self, "page_size", self.page_size, 1, MAX_PAGE_SIZE)
        _check_range(self, "latency_s", self.latency_s, 0, None)
        _check_range(self, "mailbox_concurrency", self.mailbox_concurrency, 1, None)
        _check_range(self, "mailbox_requests_per_window", self.mailbox_requests_per_window, 1, None)
        _check_range(self, "window_s", self.window_s, 0.001, None)
        _check_range(self, "retry_after_s", self.retry_after_s, 0, None)
        _check_range(self, "token_lifetime_s", self.token_lifetime_s, 1, None)
        _check_range(self, "message_delta_lookback_days", self.message_delta_lookback_days, 1, None)
        _check_range(self, "mutable_message_days", self.mutable_message_days, 1, None)
        if self.clock is not None and self.clock.tzinfo is None:
            raise ValueError(f"EmulatorConfig.clock must be timezone-aware, got {self.clock!r}")


def _check_range(owner: object, name: str, value: float, low: float, high: float | None) -> None:
    if value < low or (high is not None and value > high):
        allowed = f"{low} to {high}" if high is not None else f"at least {low}"
        raise ValueError(f"{type(owner).__name__}.{name}: {value} is out of range; allowed: {allowed}")
