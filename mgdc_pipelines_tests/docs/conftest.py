"""The pages the docs tests read, the spec files they share, and one small demo run."""

from __future__ import annotations

from pathlib import Path

import pytest

from mgdc_pipelines_tests.conftest import demo_spec_dict
from mgdc_pipelines_tests.docs.block_rules import REPO
from mgdc_pipelines_tests.docs.markdown_blocks import blocks_of
from mgdc_pipelines_tests.docs.page_runner import DEMO_STDOUT

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
def demo_output(demo_run) -> Path:
    """The folder where the session's `mgdc-pipelines demo` ran (as `make demo` runs it, on a
    small tenant), for the snippets that read the demo's output; what it printed is in its
    DEMO_STDOUT file."""
    assert demo_run.result.returncode == 0, demo_run.result.stdout[-3000:] + demo_run.result.stderr[-3000:]
    (demo_run.folder / DEMO_STDOUT).write_text(demo_run.result.stdout)
    return demo_run.folder
