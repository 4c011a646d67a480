"""The pages the docs tests read, the spec files they share, and one small demo run."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from mgdc_pipelines_tests.conftest import demo_spec_dict, write_spec
from mgdc_pipelines_tests.docs.block_rules import REPO
from mgdc_pipelines_tests.docs.markdown_blocks import blocks_of
from mgdc_pipelines_tests.docs.page_runner import DEMO_STDOUT, VENV_BIN, reader_environment

PAGES = (REPO / "README.md", *sorted((REPO / "docs").rglob("*.md")))
# The synthetic tenant's id: what a reader exports as MGDC_TENANT_ID before running the pages.
SYNTHETIC_TENANT_ID = demo_spec_dict()["app"]["tenant_id"]


def page_id(page: Path) -> str:
    return str(page.relative_to(REPO))


def shared_specs() -> dict[str, str]:
    """The spec files the pages declare (`<!-- test: spec NAME -->`), by name: every page's
    folder starts with them, as a reader's project folder would."""
    return {block.marker.args[0]: block.text
            for page in PAGES for block in blocks_of(page, REPO)
            if block.marker and block.marker.kind == "spec" and len(block.marker.args) == 1}


@pytest.fixture(scope="session")
def demo_output(tmp_path_factory) -> Path:
    """A folder where `mgdc-pipelines demo` ran (as `make demo` runs it, on a small tenant and one
    day), for the snippets that read the demo's output; what it printed is in its DEMO_STDOUT file."""
    folder = tmp_path_factory.mktemp("demo")
    raw = demo_spec_dict()
    raw["source"]["users"] = 30
    spec = write_spec(folder, raw)
    env = {**reader_environment(REPO), "MGDC_DEMO_MODE": "1", "DAGSTER_HOME": str(folder / "dagster_home")}
    result = subprocess.run([str(VENV_BIN / "mgdc-pipelines"), "demo", "--days", "1", "--spec", str(spec)],
                            cwd=folder, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    (folder / DEMO_STDOUT).write_text(result.stdout)
    return folder
