"""One HTTPS Graph emulator for this folder's tests, reset between tests, and sources talking to it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator

import pyarrow as pa
import pytest

from mgdc_pipelines.catalog import Mode, get_dataset
from mgdc_pipelines.emulator import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, EmulatorConfig, FaultConfig, GraphEmulator
from mgdc_pipelines.sources.base import ExtractRequest, Scope, TimeWindow
from mgdc_pipelines.sources.graph import GraphCredentials, GraphSettings, GraphSource, RetryPolicy
from mgdc_pipelines.sources.synthetic import SyntheticSource, SyntheticTenant, TenantConfig

TENANT_ID = "884d4683-c007-5d56-9024-62e767f7906c"  # the demo spec's tenant
TENANT = TenantConfig(seed=42, users=30)
DAY = dt.date(2026, 11, 18)  # a Wednesday: mail, meetings and chats on every dataset
FAST_RETRIES = RetryPolicy(max_attempts=12, base_delay_s=0.02, max_delay_s=0.2)


def start_emulator() -> GraphEmulator:
    return GraphEmulator(EmulatorConfig(tenant=TENANT, page_size=7, retry_after_s=0.05))


@pytest.fixture(scope="session")
def emulator_session() -> Iterator[GraphEmulator]:
    """Shared by tests that change no data (mutations would leak into the parity tests)."""
    with start_emulator() as emu:
        yield emu


@pytest.fixture
def emulator(emulator_session: GraphEmulator) -> Iterator[GraphEmulator]:
    """The session's emulator with no faults, no latency and an empty request log."""
    emu = emulator_session
    emu.configure(faults=FaultConfig(), latency_s=0.0)
    emu.set_clock(window(DAY).end)
    emu.clear_requests()
    yield emu
    emu.configure(faults=FaultConfig(), latency_s=0.0)


@pytest.fixture(scope="session")
def tenant() -> SyntheticTenant:
    return SyntheticTenant(TENANT)


@pytest.fixture(scope="session")
def synthetic() -> SyntheticSource:
    return SyntheticSource(TENANT)


def credentials(emu: GraphEmulator, secret: str = DEMO_CLIENT_SECRET) -> GraphCredentials:
    return GraphCredentials(TENANT_ID, DEMO_CLIENT_ID, client_secret=secret, authority_host=emu.base_url)


def make_graph(emu: GraphEmulator, state_dir, **overrides) -> GraphSource:
    """A Graph source trusting the emulator's CA; keyword arguments override settings."""
    settings = dict(
        credentials=credentials(emu), graph_url=emu.graph_url, ca_bundle=str(emu.ca_pem_path),
        max_concurrency=6, page_size=None, state_dir=str(state_dir), retry=FAST_RETRIES,
    )
    settings.update(overrides)
    return GraphSource(GraphSettings(**settings))


@pytest.fixture
def graph_factory(emulator: GraphEmulator, tmp_path) -> Callable[..., GraphSource]:
    return lambda **overrides: make_graph(emulator, tmp_path / "delta", **overrides)


@pytest.fixture
def graph(graph_factory) -> GraphSource:
    return graph_factory()


def window(day: dt.date) -> TimeWindow:
    return TimeWindow.for_day(day)


def request_for(dataset: str, scope: Scope | None = None, day: dt.date = DAY, columns=None) -> ExtractRequest:
    ds = get_dataset(dataset)
    date_column = ds.date_filter_columns[0] if ds.mode is Mode.RANGE and ds.date_filter_columns else None
    return ExtractRequest(ds, tuple(columns or ds.column_names), date_column, window(day), scope or Scope.everyone(), TENANT_ID)


def table(batches) -> pa.Table:
    batches = list(batches)
    return pa.Table.from_batches(batches) if batches else None


def sorted_rows(batches, schema: pa.Schema) -> list[str]:
    """Rows as canonical text, sorted: equal lists mean the same rows ignoring order."""
    rows = pa.Table.from_batches(list(batches), schema=schema).to_pylist()
    return sorted(repr(sorted(row.items())) for row in rows)
