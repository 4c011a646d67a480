"""The suite's own set-up: what keeps `make test` within its time budget."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from mgdc_pipelines_tests import grouping

GROUPED = """
import os, pathlib, pytest

@pytest.mark.parametrize("i", range(4))
def test_uses_the_shared_run(demo_run, i):
    pathlib.Path(os.environ["WORKERS_SEEN"], os.environ["PYTEST_XDIST_WORKER"]).touch()

@pytest.mark.parametrize("i", range(4))
def test_other(i):
    pass
"""

MODULE_FIXTURE = """
import os, pathlib, pytest

@pytest.fixture(scope="module")
def built_once():
    return 1

@pytest.mark.parametrize("i", range(4))
def test_uses_the_modules_fixture(built_once, i):
    pathlib.Path(os.environ["WORKERS_SEEN"], "module-" + os.environ["PYTEST_XDIST_WORKER"]).touch()
"""


def test_tests_sharing_an_expensive_fixture_share_one_worker_so_it_is_built_once(tmp_path: Path):
    """`make test` runs two workers with `--dist loadgroup`; the tests that read the session's
    demo run (minutes of work), and those of a module sharing a module fixture, must land on one
    worker each, or each worker builds its own. This runs the suite's own grouping hook under the
    installed pytest and pytest-xdist."""
    (tmp_path / "conftest.py").write_text(textwrap.dedent(f"""
        import pytest
        from mgdc_pipelines_tests.grouping import pytest_collection_modifyitems  # the hook under test

        @pytest.fixture(scope="session")
        def demo_run():
            return None
    """))
    (tmp_path / "test_grouping.py").write_text(GROUPED)
    (tmp_path / "test_module_fixture.py").write_text(MODULE_FIXTURE)
    seen = tmp_path / "workers"
    seen.mkdir()
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-n", "2", "--dist", "loadgroup", str(tmp_path)],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
        env={**os.environ, "WORKERS_SEEN": str(seen), "PYTHONPATH": str(Path(grouping.__file__).parents[1])},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    workers = sorted(path.name for path in seen.iterdir())
    demo = [name for name in workers if name.startswith("gw")]
    module = [name for name in workers if name.startswith("module-")]
    assert len(demo) == 1, f"the demo run's tests ran on {demo}"
    assert len(module) == 1, f"the module fixture's tests ran on {module}"
