"""Read an app spec from YAML: parse, substitute templates, validate, freeze.

Templates: ``{{ env.NAME }}`` (an environment variable; unset is an error naming the field) and
``{{ spec_dir }}`` (the folder of the spec file, for files kept next to it).

>>> spec = load_spec(DEMO_SPEC_PATH)
>>> spec.name, len(spec.datasets) >= 10
('demo', True)
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any, get_args

import yaml
from pydantic import BaseModel, ValidationError

from mgdc_pipelines.spec.errors import SpecError, SpecProblem, allowed_hint, field_path
from mgdc_pipelines.spec.model import AppSpec
from mgdc_pipelines.spec.validation import validate_app

DEMO_SPEC_PATH = Path(str(files("mgdc_pipelines") / "specs" / "demo.yaml"))
SPEC_ENV_VAR = "MGDC_SPEC"
_SPEC_DIR_TEMPLATE = re.compile(r"\{\{\s*spec_dir\s*\}\}")
_ENV_TEMPLATE = re.compile(r"\{\{\s*env\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")


def default_spec_path() -> Path:
    """``$MGDC_SPEC`` if set, else the bundled demo spec."""
    configured = os.environ.get(SPEC_ENV_VAR)
    return Path(configured) if configured else DEMO_SPEC_PATH


def load_spec(path: str | os.PathLike[str] | None = None) -> AppSpec:
    """Load and validate a spec file; raises :class:`SpecError` listing every problem."""
    spec_path = Path(path) if path is not None else default_spec_path()
    source = str(spec_path.absolute())
    try:
        text = spec_path.read_text(encoding="utf-8")
    except OSError as error:
        raise SpecError(source, [SpecProblem("", f"cannot read spec file: {error.strerror}")]) from None
    referenced_env = tuple((name, os.environ.get(name)) for name in sorted(set(_ENV_TEMPLATE.findall(text))))
    return _parse_cached(text, source, referenced_env)


@cache
def _parse_cached(text: str, source: str, _referenced_env: tuple) -> AppSpec:
    """Same text and same referenced env values → the same frozen spec, parsed once."""
    return parse_spec(text, source=source)


def parse_spec(text: str, *, source: str = "<string>") -> AppSpec:
    """Validate spec text; ``source`` names the file in error messages."""
    spec_dir = str(Path(source).absolute().parent) if source != "<string>" else str(Path.cwd())
    text = _SPEC_DIR_TEMPLATE.sub(lambda _: spec_dir, text)
    raw = _parse_yaml(text, source)
    problems: list[SpecProblem] = []
    raw = _substitute_env(raw, (), problems)
    if problems:
        raise SpecError(source, problems)
    try:
        spec = AppSpec.model_validate({**raw, "spec_path": source})
    except ValidationError as error:
        aliases = list(raw["scopes"]) if isinstance(raw.get("scopes"), dict) else []
        raise SpecError(source, [_describe(e, aliases) for e in error.errors()]) from None
    problems = validate_app(spec)
    if problems:
        raise SpecError(source, problems)
    return spec


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that rejects duplicate keys instead of silently keeping the last one."""


def _mapping_without_duplicates(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False):
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_without_duplicates)


def _parse_yaml(text: str, source: str) -> dict[str, Any]:
    try:
        raw = yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as error:
        raise SpecError(source, [SpecProblem("", f"not valid YAML: {error}")]) from None
    if not isinstance(raw, dict):
        raise SpecError(source, [SpecProblem("", "the spec must be a YAML mapping with `app:`, `datasets:`, ...")])
    return raw


def _substitute_env(value: Any, location: tuple, problems: list[SpecProblem]) -> Any:
    """Replace ``{{ env.NAME }}`` in every string; an unset variable is a problem at that field."""
    if isinstance(value, dict):
        return {k: _substitute_env(v, (*location, k), problems) for k, v in value.items()}
    if isinstance(value, list):
        return [_substitute_env(v, (*location, i), problems) for i, v in enumerate(value)]
    if not isinstance(value, str):
        return value

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in os.environ:
            problems.append(SpecProblem(field_path(location), f"environment variable {name} is not set"))
            return match.group(0)
        return os.environ[name]

    return _ENV_TEMPLATE.sub(replace, value)


_DISCRIMINATOR_TAGS = {"synthetic", "landing", "graph", "local", "azure"}
_PATTERN_MEANING = {
    r"^[a-z][a-z0-9_]{0,62}$": "lower-case letters, digits and _, starting with a letter",
    r"^[a-z0-9][a-z0-9_-]{0,62}$": "lower-case letters, digits, _ and -",
    r"^[A-Za-z0-9_]+$": "letters, digits and _",
}


def _describe(error: Mapping[str, Any], scope_aliases: list[str]) -> SpecProblem:
    """Turn a pydantic error into a problem that names the field, the value and what is allowed."""
    location = tuple(part for part in error["loc"] if part not in _DISCRIMINATOR_TAGS)
    path = _scope_path(location, scope_aliases) or field_path(location)
    kind, value = error["type"], error.get("input")
    if kind == "extra_forbidden":
        allowed = _fields_at(location[:-1])
        return SpecProblem(path, f"unknown field {location[-1]!r}; {allowed_hint(str(location[-1]), allowed)}")
    if kind == "missing":
        return SpecProblem(path, "required field is missing")
    if kind == "string_pattern_mismatch":
        pattern = error.get("ctx", {}).get("pattern", "")
        meaning = _PATTERN_MEANING.get(pattern, "a GUID like 3f2504e0-4f89-11d3-9a0c-0305e82c3301" if "fA-F" in pattern else pattern)
        return SpecProblem(path, f"{value!r} is not allowed: use {meaning}")
    return SpecProblem(path, f"{error['msg']} (got {value!r})")


def _scope_path(location: tuple, scope_aliases: list[str]) -> str | None:
    """Scopes are written as a mapping: say ``scopes.sales[0]``, not ``scopes[1].group_ids[0]``."""
    if len(location) < 2 or location[0] != "scopes" or not isinstance(location[1], int):
        return None
    if location[1] >= len(scope_aliases):
        return None
    alias = scope_aliases[location[1]]
    rest = location[3:] if location[2:3] == ("group_ids",) else ()
    return field_path(("scopes", alias, *rest))


def _fields_at(location: tuple) -> list[str]:
    """Names of the fields allowed at a path, found by walking the model annotations."""
    model: Any = AppSpec
    for part in location:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part) if _is_model(model) else None
        if field is None:
            return []
        model = _model_in(field.annotation)
    if not _is_model(model):
        return []
    return [name for name, f in model.model_fields.items() if not f.exclude]


def _is_model(candidate: Any) -> bool:
    return isinstance(candidate, type) and issubclass(candidate, BaseModel)


def _model_in(annotation: Any) -> Any:
    if _is_model(annotation):
        return annotation
    for argument in get_args(annotation):
        found = _model_in(argument)
        if found is not None:
            return found
    return None
