"""Installing the package is quiet: setuptools has nothing to warn about in pyproject.toml."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import mgdc_pipelines

ROOT = Path(mgdc_pipelines.__file__).parents[1]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def test_the_licence_is_an_spdx_expression_with_its_file_and_no_classifier():
    assert PROJECT["license"] == "MIT"
    assert all(list(ROOT.glob(pattern)) for pattern in PROJECT["license-files"])
    assert not [c for c in PROJECT["classifiers"] if c.startswith("License ::")]


def test_an_editable_build_prints_no_setuptools_warning(tmp_path):
    """What `pip install -e .` runs, in a copy of the project (a build writes beside the sources)."""
    project = tmp_path / "project"
    project.mkdir()
    for name in ("pyproject.toml", "setup.cfg", "README.md", *PROJECT["license-files"]):
        shutil.copy(ROOT / name, project / name)
    shutil.copytree(ROOT / "mgdc_pipelines", project / "mgdc_pipelines",
                    ignore=shutil.ignore_patterns("__pycache__"))
    build = "from setuptools import build_meta; print(build_meta.build_editable(%r))" % str(tmp_path)
    done = subprocess.run([sys.executable, "-W", "default", "-c", build], cwd=project, capture_output=True,
                          text=True, check=True)
    output = done.stdout + done.stderr
    assert done.stdout.strip().endswith(".whl")
    assert [line for line in output.splitlines() if "Warning" in line or "!!" in line] == []
