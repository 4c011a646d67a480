"""The docs site builds with `mkdocs build --strict`: a broken link, a missing anchor or an API
reference to a name the package does not have fails the suite."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from mgdc_pipelines_tests.docs.block_rules import REPO
from mgdc_pipelines_tests.docs.page_runner import VENV_BIN, reader_environment


def build_site(project: Path, site: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(VENV_BIN / "mkdocs"), "build", "--strict", "--config-file", str(project / "mkdocs.yml"),
         "--site-dir", str(site)],
        cwd=project, env=reader_environment(REPO), capture_output=True, text=True, timeout=300,
    )


def test_the_site_builds_in_strict_mode_with_the_api_reference(tmp_path):
    result = build_site(REPO, tmp_path / "site")
    assert result.returncode == 0, result.stdout + result.stderr
    reference = (tmp_path / "site" / "reference" / "index.html").read_text()
    for name in ("build_defs", "load_spec", "MgdcTranslator", "MgdcApp", "LocalSink", "copy_partition"):
        assert f'id="mgdc_pipelines.{name}"' in reference, name
    assert (tmp_path / "site" / "consent" / "index.html").is_file()


@pytest.mark.parametrize("page, breakage, reported", [
    ("spec.md", "\nSee [the sinks](nowhere.md).\n", "nowhere.md"),
    ("spec.md", "\nSee [the sinks](sources-and-sinks.md#no-such-section).\n", "no-such-section"),
    ("reference.md", "\n::: mgdc_pipelines.no_such_name\n", "mgdc_pipelines.no_such_name"),
], ids=["link", "anchor", "api-reference"])
def test_a_broken_page_fails_the_strict_build_naming_what_broke(tmp_path, page, breakage, reported):
    project = tmp_path / "project"
    shutil.copytree(REPO / "docs", project / "docs")
    shutil.copy(REPO / "mkdocs.yml", project / "mkdocs.yml")
    with (project / "docs" / page).open("a") as text:
        text.write(breakage)
    result = build_site(project, tmp_path / "site")
    assert result.returncode != 0
    assert reported in result.stdout + result.stderr
