"""Fixtures: one running Graph emulator per module, reset before each test, and a client."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import msal
import pytest
import requests

from mgdc_pipelines.catalog.graph import GRAPH_SCOPE, GraphEndpoint
from mgdc_pipelines.emulator import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, EmulatorConfig, FaultConfig, GraphEmulator
from mgdc_pipelines.sources.synthetic import TenantConfig

TENANT = TenantConfig(seed=42, users=40)
CLOCK = dt.datetime(2026, 3, 12, tzinfo=dt.timezone.utc)  # "now" for snapshots and delta
DAY = dt.date(2026, 3, 10)  # a Tuesday with traffic


def trusting_session(emulator: GraphEmulator) -> requests.Session:
    """A session that trusts only the emulator's CA.

    ``trust_env = False``: otherwise ``REQUESTS_CA_BUNDLE`` from the environment overrides
    ``session.verify`` on every request.
    """
    session = requests.Session()
    session.trust_env = False
    session.verify = str(emulator.ca_pem_path)
    return session


def msal_app(emulator: GraphEmulator, client_credential: str | dict, tenant: str,
             client_id: str = DEMO_CLIENT_ID, **options) -> msal.ConfidentialClientApplication:
    """The real MSAL confidential client against the emulator (authority ``{base_url}/{tenant}``)."""
    return msal.ConfidentialClientApplication(
        client_id, client_credential=client_credential, authority=f"{emulator.base_url}/{tenant}",
        http_client=trusting_session(emulator), **options,
    )


class GraphClient:
    """Just enough of a Graph client for the emulator's own tests."""

    def __init__(self, emulator: GraphEmulator) -> None:
        self.emulator = emulator
        self.session = trusting_session(emulator)
        self.token = self.new_token()

    def new_token(self) -> str:
        response = self.session.post(
            f"{self.emulator.base_url}/organizations/oauth2/v2.0/token",
            data={"grant_type": "client_credentials", "client_id": DEMO_CLIENT_ID,
                  "client_secret": DEMO_CLIENT_SECRET, "scope": GRAPH_SCOPE},
        )
        response.raise_for_status()
        return response.json()["access_token"]

    def get(self, path_or_url: str, params: dict | None = None, **headers: str) -> requests.Response:
        url = path_or_url if path_or_url.startswith("https://") else self.emulator.graph_url + path_or_url
        return self.session.get(url, params=params, headers={"Authorization": f"Bearer {self.token}", **headers})

    def post(self, path: str, body: dict) -> requests.Response:
        return self.session.post(self.emulator.graph_url + path, json=body,
                                 headers={"Authorization": f"Bearer {self.token}"})

    def all_pages(self, path: str, params: dict | None = None, **headers: str) -> tuple[list[dict], list[dict]]:
        """(every row, every page body) following nextLinks verbatim."""
        rows, pages, response = [], [], self.get(path, params, **headers)
        while True:
            response.raise_for_status()
            page = response.json()
            pages.append(page)
            rows.extend(page["value"])
            if "@odata.nextLink" not in page:
                return rows, pages
            response = self.get(page["@odata.nextLink"], **headers)


@pytest.fixture(scope="module")
def running_emulator() -> Iterator[GraphEmulator]:
    with GraphEmulator(EmulatorConfig(tenant=TENANT, clock=CLOCK)) as emulator:
        yield emulator


@pytest.fixture
def emulator(running_emulator: GraphEmulator) -> GraphEmulator:
    """The module's emulator with default behaviour, the fixed clock and an empty request log."""
    running_emulator.configure(faults=FaultConfig(), latency_s=0.0, page_size=50, mailbox_concurrency=4,
                               mailbox_requests_per_window=10_000, window_s=600.0, retry_after_s=1.0)
    running_emulator.set_clock(CLOCK)
    running_emulator.clear_requests()
    return running_emulator


@pytest.fixture
def graph(emulator: GraphEmulator) -> GraphClient:
    client = GraphClient(emulator)
    emulator.clear_requests()
    return client


def day_filter(graph_property: str, day: dt.date = DAY) -> str:
    start = dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone.utc)
    end = start + dt.timedelta(days=1)
    return GraphEndpoint.date_filter(graph_property, start, end)
