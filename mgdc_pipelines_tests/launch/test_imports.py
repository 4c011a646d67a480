"""Each module of the launch layer imports on its own, first in a fresh interpreter: the demo
(launch) and the in-process runner share a plan and must not import each other in a cycle."""

from __future__ import annotations

import subprocess
import sys

import pytest

MODULES = ("mgdc_pipelines.runner", "mgdc_pipelines.launch", "mgdc_pipelines.launch.demo",
           "mgdc_pipelines.launch.submit", "mgdc_pipelines.launch.local_dagster", "mgdc_pipelines.cli")


@pytest.mark.parametrize("module", MODULES)
def test_the_module_imports_first_in_a_fresh_interpreter(module):
    result = subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
