"""Shared fixtures: small variants of the bundled demo spec, written to temp folders."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from mgdc_pipelines.spec import DEMO_SPEC_PATH, AppSpec, load_spec

SMALL_TENANT_USERS = 40


def demo_spec_dict() -> dict:
    return yaml.safe_load(DEMO_SPEC_PATH.read_text())


def write_spec(folder: Path, raw: dict, name: str = "mgdc.yaml") -> Path:
    path = folder / name
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    return path


@pytest.fixture
def small_spec_factory(tmp_path: Path) -> Callable[..., AppSpec]:
    """The demo app on a small tenant, writing under ``tmp_path/data``; ``mutate`` edits the YAML."""

    def make(mutate: Callable[[dict], None] | None = None) -> AppSpec:
        raw = copy.deepcopy(demo_spec_dict())
        raw["source"]["users"] = SMALL_TENANT_USERS
        raw["sink"]["path"] = str(tmp_path / "data")
        if mutate:
            mutate(raw)
        return load_spec(write_spec(tmp_path, raw))

    return make


@pytest.fixture
def small_spec(small_spec_factory) -> AppSpec:
    return small_spec_factory()
