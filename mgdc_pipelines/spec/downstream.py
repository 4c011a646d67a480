"""Checks of a spec's ``downstream:`` entries, and finding their functions.

An entry names a plain function (``package.module:function``) and its inputs; the problems
below name the entry's field and what is allowed, like every other spec problem.

>>> resolve_function("mgdc_pipelines.features:collaboration_edges").__name__
'collaboration_edges'
"""

from __future__ import annotations

import importlib
import inspect
import re
from collections.abc import Callable, Iterator
from typing import Any

from mgdc_pipelines.catalog import UnknownDatasetError, get_dataset
from mgdc_pipelines.spec.errors import SpecProblem, allowed_hint
from mgdc_pipelines.spec.model import AppSpec, DownstreamSpec

FUNCTION_PATH = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*:[A-Za-z_]\w*$")


class DownstreamFunctionError(ValueError):
    """A ``function:`` path that cannot be imported, or does not name a function."""


def resolve_function(path: str) -> Callable[..., Any]:
    """The callable at ``package.module:function``; :class:`DownstreamFunctionError` says why not."""
    if not FUNCTION_PATH.match(path):
        raise DownstreamFunctionError(f"{path!r} is not a function path: write package.module:function")
    module_name, _, attribute = path.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        raise DownstreamFunctionError(f"cannot import module {module_name!r}: {error}") from None
    function = getattr(module, attribute, None)
    if function is None:
        public = [name for name in dir(module) if not name.startswith("_") and callable(getattr(module, name))]
        raise DownstreamFunctionError(f"module {module_name} has no {attribute!r}; {allowed_hint(attribute, public)}")
    if not callable(function):
        raise DownstreamFunctionError(f"{path} is a {type(function).__name__}, not a function")
    return function


def dataset_input(spec: AppSpec, value: str):
    """The spec's dataset entry an input names (short or full name), or ``None``."""
    wanted = _catalog_name(value)
    if wanted is None:
        return None
    return next((item for item in spec.datasets if _catalog_name(item.name) == wanted), None)


def _catalog_name(name: str) -> str | None:
    """A declared dataset's catalog name; ``None`` for an unknown one (reported by its own check)."""
    try:
        return get_dataset(name).name
    except UnknownDatasetError:
        return None


def check_downstream(spec: AppSpec, *, import_code: bool = True) -> Iterator[SpecProblem]:
    """The entries' names and inputs; with ``import_code``, also that each function imports and
    accepts its inputs (which runs the module's code)."""
    declared: dict[str, DownstreamSpec] = {}
    for index, entry in enumerate(spec.downstream):
        path = f"downstream[{index}]"
        if entry.name in declared:
            yield SpecProblem(f"{path}.name", f"{entry.name!r} is already declared above; names must be unique")
        yield from _check_inputs(spec, path, entry, declared)
        if import_code:
            yield from _check_function(path, entry)
        declared[entry.name] = entry


def _check_inputs(spec: AppSpec, path: str, entry: DownstreamSpec, declared: dict[str, DownstreamSpec]) -> Iterator[SpecProblem]:
    if not entry.inputs:
        yield SpecProblem(f"{path}.inputs", "name at least one input: `parameter: <dataset of this spec>`")
    catalog_names = [_catalog_name(item.name) for item in spec.datasets]
    a_declared_dataset_is_unknown = None in catalog_names
    allowed = [get_dataset(name).short_name for name in catalog_names if name] + list(declared)
    for parameter, value in entry.inputs.items():
        where = f"{path}.inputs.{parameter}"
        if value in declared:
            upstream = declared[value]
            if upstream.partitions != entry.partitions:
                yield SpecProblem(
                    where,
                    f"{value!r} is partitioned {upstream.partitions}, this entry {entry.partitions}; "
                    "a downstream input must have the same `partitions`",
                )
        elif dataset_input(spec, value) is None:
            if _catalog_name(value) and a_declared_dataset_is_unknown:
                continue  # most likely the misspelt dataset, whose own problem says so
            later = value in {e.name for e in spec.downstream}
            reason = f"{value!r} is declared below this entry; declare inputs first" if later else f"{value!r} is not a dataset of this spec nor a downstream entry above"
            yield SpecProblem(where, f"{reason}; {allowed_hint(value, allowed)}")


def _check_function(path: str, entry: DownstreamSpec) -> Iterator[SpecProblem]:
    try:
        function = resolve_function(entry.function)
    except DownstreamFunctionError as error:
        yield SpecProblem(f"{path}.function", str(error))
        return
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):
        return  # a builtin without a signature: it will tell at run time
    try:
        signature.bind(**{name: None for name in entry.inputs}, **entry.params)
    except TypeError as error:
        parameters = ", ".join(signature.parameters) or "none"
        yield SpecProblem(
            f"{path}.inputs",
            f"{entry.function} cannot be called with {', '.join([*entry.inputs, *entry.params])} ({error}); "
            f"its parameters: {parameters}",
        )
