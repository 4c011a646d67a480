"""Which tests share a pytest-xdist worker: those that share an expensive fixture.

Imported by the suite's conftest; kept free of heavy imports so that a bare pytest can load it
(``test_test_setup.py`` runs it under the installed pytest and pytest-xdist).
"""

from __future__ import annotations

import pytest


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items) -> None:
    """Under pytest-xdist (`make test` runs two workers with `--dist loadgroup`), tests that share
    an expensive fixture go to one worker, so it is built once, not once per worker: every test
    that uses the session's demo run (minutes), and the tests of a module with a module-scoped
    fixture (a materialized example, a production stack).

    First among the hooks: xdist's own reads the groups into the test ids in this same hook, and
    it is registered after this conftest, so without ``tryfirst`` it would run first and see none.
    """
    for item in items:
        group = shared_fixture_group(item)
        if group:
            item.add_marker(pytest.mark.xdist_group(group))
    # Groups are the suite's longest units of work: handed out first, none is left for the end,
    # when the other worker would idle.
    items.sort(key=lambda item: item.get_closest_marker("xdist_group") is None)


def shared_fixture_group(item) -> str | None:
    """``demo_run``, the module's name if a fixture it uses lives as long as the module, else None."""
    names = getattr(item, "fixturenames", ())
    if "demo_run" in names:
        return "demo_run"
    definitions = getattr(getattr(item, "_fixtureinfo", None), "name2fixturedefs", {})
    if any(defs and defs[-1].scope == "module" for name, defs in definitions.items() if name in names):
        return item.module.__name__
    return None
