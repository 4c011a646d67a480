"""The ``factory_emulator`` fixture: an ARM + Data Factory emulator delivering to the session's Azurite.

Function scope (each test gets its own factory, runs and request log) with fast run durations.
It approves ``DEMO_CLIENT_ID`` in MGDC for :data:`DEFAULT_APPROVED` datasets (every column), or
for the datasets a test asks for by indirect parametrization::

    @pytest.mark.parametrize("factory_emulator", [{"Message_v1": ("id", "subject")}], indirect=True)
    def test_x(factory_emulator): ...
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from mgdc_pipelines.emulator import DEMO_CLIENT_ID
from mgdc_pipelines.emulator.factory import FactoryEmulator, FactoryEmulatorConfig, MgdcApproval
from mgdc_pipelines.sources.synthetic import TenantConfig
from mgdc_pipelines_tests.azurite import Azurite

FACTORY_TENANT = TenantConfig(seed=42, users=40)
DEFAULT_APPROVED = {name: "all" for name in ("Message_v1", "User_v1", "Event_v1", "CalendarView_v0",
                                             "SharePointSites_v1", "SharePointPermissions_v1")}


def factory_config(azurite: Azurite, approved: dict | None = None, **changes) -> FactoryEmulatorConfig:
    """A fast factory on the small synthetic tenant, staging into ``azurite``."""
    settings = dict(storage_connection_string=azurite.connection_string, tenant=FACTORY_TENANT,
                    approvals={DEMO_CLIENT_ID: MgdcApproval("approved", approved or DEFAULT_APPROVED)},
                    queued_seconds=0.05, in_progress_seconds=0.2, files_per_run=3, batch_rows=256)
    return FactoryEmulatorConfig(**{**settings, **changes})


@pytest.fixture
def factory_changes() -> dict:
    """Further :class:`FactoryEmulatorConfig` fields of ``factory_emulator``; a test sets them by
    parametrizing this fixture, e.g. ``certificates`` for an app that authenticates with one."""
    return {}


@pytest.fixture
def factory_emulator(request: pytest.FixtureRequest, azurite: Azurite,
                     factory_changes: dict) -> Iterator[FactoryEmulator]:
    """A running factory emulator (see the module docstring for choosing the approved datasets)."""
    with FactoryEmulator(factory_config(azurite, getattr(request, "param", None), **factory_changes)) as emulator:
        yield emulator
