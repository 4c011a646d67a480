"""One small synthetic tenant shared by the tests of this folder."""

from __future__ import annotations

import pytest

from mgdc_pipelines.sources.synthetic import SyntheticSource, SyntheticTenant, TenantConfig

SMALL = TenantConfig(seed=7, users=60, guest_users=3, disabled_user_ratio=0.05)


@pytest.fixture(scope="session")
def config() -> TenantConfig:
    return SMALL


@pytest.fixture(scope="session")
def tenant(config) -> SyntheticTenant:
    return SyntheticTenant(config)


@pytest.fixture(scope="session")
def source(config) -> SyntheticSource:
    return SyntheticSource(config)
