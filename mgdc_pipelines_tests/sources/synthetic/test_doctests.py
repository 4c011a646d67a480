"""The examples in the synthetic tenant's docstrings run as written."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import mgdc_pipelines.sources.synthetic as package

MODULES = [package.__name__] + [
    info.name for info in pkgutil.walk_packages(package.__path__, prefix=f"{package.__name__}.")
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0


def test_the_package_docstring_has_a_runnable_example():
    assert doctest.testmod(package).attempted >= 5
