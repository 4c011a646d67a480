"""Public names a package imports on first use (PEP 562), so that importing one part of
``mgdc_pipelines`` does not import every other part and Dagster with it.

>>> namespace = {"__name__": "example"}
>>> __getattr__, __dir__ = lazy_exports(namespace, {"json": ("dumps",)}, ["dumps"])
>>> __getattr__("dumps")([1])
'[1]'
>>> "dumps" in namespace  # kept: the next lookup does not come here
True
>>> __getattr__("dump")
Traceback (most recent call last):
AttributeError: module 'example' has no attribute 'dump'
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, Sequence
from typing import Any


def lazy_exports(
    namespace: dict[str, Any], modules: Mapping[str, Sequence[str]], public: Sequence[str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The ``__getattr__`` and ``__dir__`` of a package whose names in ``modules`` (module →
    names) are imported when first used; ``namespace`` is the package's ``globals()``, where a
    loaded name is kept, and ``public`` its ``__all__``, which ``dir()`` lists before loading."""
    module_of = {name: module for module, names in modules.items() for name in names}

    def __getattr__(name: str) -> Any:
        module = module_of.get(name)
        if module is None:
            raise AttributeError(f"module {namespace['__name__']!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted({*namespace, *public})

    return __getattr__, __dir__
