"""The Graph demo app covers every dataset Graph serves, and its documented command copies each one."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import yaml

from mgdc_pipelines.catalog import get_dataset
from mgdc_pipelines.catalog.graph import graph_datasets
from mgdc_pipelines.emulator import DEMO_CLIENT_SECRET, EmulatorConfig, GraphEmulator
from mgdc_pipelines.sources.synthetic import TenantConfig
from mgdc_pipelines.spec import load_spec
from mgdc_pipelines_tests.conftest import DEMO_SPEC_PATH, write_spec

DEMO_GRAPH_SPEC = DEMO_SPEC_PATH.with_name("demo-graph.yaml")


def test_the_graph_demo_asks_for_every_dataset_graph_serves(monkeypatch, tmp_path):
    monkeypatch.setenv("MGDC_GRAPH_CA_BUNDLE", str(tmp_path / "ca.pem"))
    spec = load_spec(DEMO_GRAPH_SPEC)
    assert {item.dataset.short_name for item in spec.datasets} == set(graph_datasets())


def test_the_graph_demo_command_copies_every_dataset_from_the_emulator(tmp_path):
    """`mgdc-pipelines demo` on the Graph demo spec against a running emulator: one day, every
    dataset, every run succeeds (a 20-person tenant, scope `all`, to stay quick)."""
    raw = yaml.safe_load(DEMO_GRAPH_SPEC.read_text())
    raw["scopes"] = {"all": "all"}
    with GraphEmulator(EmulatorConfig(tenant=TenantConfig(seed=42, users=20))) as emulator:
        raw["source"].update(authority_host=emulator.base_url, graph_url=emulator.graph_url)
        spec_path = write_spec(tmp_path, raw)
        env = {**os.environ, "DAGSTER_HOME": str(tmp_path / "home"), "MGDC_DEMO_MODE": "1",
               "MGDC_GRAPH_CA_BUNDLE": str(emulator.ca_pem_path), "MGDC_GRAPH_CLIENT_SECRET": DEMO_CLIENT_SECRET}
        command = [str(Path(sys.executable).with_name("mgdc-pipelines")), "demo", "--spec", str(spec_path), "--days", "1"]
        result = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"(\d+) of \1 runs succeeded", result.stdout), result.stdout
    for name in graph_datasets():
        line = re.search(rf"^{name}\s+1\s+[\d,]+\s", result.stdout, re.M)
        assert line, f"{name} missing from the summary:\n{result.stdout}"
        assert (tmp_path / "mgdc_data_graph" / get_dataset(name).name).is_dir()
