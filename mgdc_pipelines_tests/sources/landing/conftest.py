"""A landing folder and a quarantine folder per test, and a source reading them."""

from __future__ import annotations

from pathlib import Path

import pytest

from mgdc_pipelines.sources.landing import LandingSource


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    return tmp_path / "landing"


@pytest.fixture
def quarantine_dir(tmp_path: Path) -> Path:
    return tmp_path / "quarantine"


@pytest.fixture
def source(landing: Path, quarantine_dir: Path) -> LandingSource:
    return LandingSource(landing, max_error_ratio=0.5, quarantine_dir=quarantine_dir)
