"""Every fenced block of the README and of the docs pages is run, validated, or names the tests
that run it (docs/tests.md lists the markers), so the docs cannot drift from the code."""

from __future__ import annotations

import re

import pytest

from mgdc_pipelines_tests.docs.block_rules import REPO, problems_of
from mgdc_pipelines_tests.docs.conftest import PAGES, SYNTHETIC_TENANT_ID, page_id, shared_specs
from mgdc_pipelines_tests.docs.markdown_blocks import blocks_of
from mgdc_pipelines_tests.docs.page_runner import PageRun

LINK = re.compile(r"\]\((?P<target>[^)\s]+)\)")


def reads_the_demo(page) -> bool:
    return any(block.marker and block.marker.kind in ("after-demo", "demo-output") for block in blocks_of(page, REPO))


@pytest.mark.parametrize("page", [page for page in PAGES if not reads_the_demo(page)], ids=page_id)
def test_every_block_of_the_page_says_how_it_is_tested_and_passes(page, tmp_path, monkeypatch, request):
    check_page(page, tmp_path, monkeypatch, lambda: request.getfixturevalue("demo_output"))


@pytest.mark.parametrize("page", [page for page in PAGES if reads_the_demo(page)], ids=page_id)
def test_every_block_of_a_page_that_reads_the_demo_says_how_it_is_tested_and_passes(page, tmp_path, monkeypatch, demo_output):
    """As above; asking for the demo's output up front puts these pages on the worker that runs
    the demo (the demo_run group, see the tests' conftest): one demo run per session."""
    check_page(page, tmp_path, monkeypatch, lambda: demo_output)


def check_page(page, tmp_path, monkeypatch, demo_folder) -> None:
    blocks = blocks_of(page, REPO)
    problems = [problem for block in blocks for problem in problems_of(block, REPO)]
    assert not problems, "\n".join(problems)

    monkeypatch.setenv("MGDC_TENANT_ID", SYNTHETIC_TENANT_ID)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))  # `~/...` in a page: never the real one
    run = PageRun(tmp_path / "project", REPO, shared_specs(), demo_folder)
    for block in blocks:
        run.run(block)


def test_the_readmes_relative_links_name_files_of_the_repository():
    # The site build checks the pages' links; the README is read on GitHub, outside the site.
    readme = (REPO / "README.md").read_text()
    targets = [m["target"] for m in LINK.finditer(readme) if "://" not in m["target"]]
    assert targets, "the README links into the docs"
    missing = [target for target in targets if not (REPO / target.split("#")[0]).is_file()]
    assert not missing, missing


def test_every_docs_page_is_in_the_sites_navigation():
    navigation = (REPO / "mkdocs.yml").read_text()
    pages = [page.relative_to(REPO / "docs").as_posix() for page in PAGES[1:]]
    assert [page for page in pages if f": {page}" not in navigation] == []
