"""Fixtures for the consent governance tests."""

from __future__ import annotations

import pytest

from mgdc_pipelines_tests.consent.helpers import SpecFactory


@pytest.fixture
def make_spec(tmp_path, admin_keys) -> SpecFactory:
    """Demo-spec variants whose consent block points at files under ``tmp_path/consent``."""
    return SpecFactory(tmp_path, admin_keys)
