"""Read an app spec from YAML: parse, substitute templates, validate, freeze.

Templates, written inside quoted string values:

- ``{{ env.NAME }}``: an environment variable; unset is an error naming the field, and an error
  about the field never repeats the variable's value;
- ``{{ spec_dir }}``: the folder of the spec file, for files kept next to it;
- ``{{ cwd }}``: the working directory when the spec is loaded, for output that belongs to where
  a command runs (the bundled demo writes ``{{ cwd }}/mgdc_data``).

Any other relative path (``sink.path``, ``consent.authorization``, ...) is relative to the spec
file's folder (to the working directory for a spec given as text), so a run reads and writes
the same files whatever directory it is started from; ``~`` is the user's home.

A spec is written by someone the runtime does not trust, and the Dagster code server loads it
at import: it is parsed with limits (at most ``MAX_SPEC_BYTES``, ``MAX_DEPTH`` levels of
nesting, ``MAX_NODES`` values, no YAML anchors or aliases), so no spec makes the parser hang or
exhaust memory, and every bad input is a :class:`SpecError`, never a traceback.

>>> spec = load_spec(DEMO_SPEC_PATH)
>>> spec.name, len(spec.datasets) >= 10
('demo', True)
>>> try:
...     parse_spec("app: &a {name: x}\\nother: *a\\n")
... except SpecError as error:
...     print(error.problems[0])
line 1, column 6: YAML anchors (&) and aliases (*) are not allowed in a spec; write the value out
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any, get_args

import yaml
from pydantic import BaseModel, ValidationError
from mgdc_pipelines.spec import model
from mgdc_pipelines.spec.errors import SpecError, SpecProblem, allowed_hint, cut, field_path, shown
from mgdc_pipelines.spec.model import SPEC_DIR, AppSpec
from mgdc_pipelines.spec.validation import validate_app

DEMO_SPEC_PATH = Path(str(files("mgdc_pipelines") / "specs" / "demo.yaml"))
SPEC_ENV_VAR = "MGDC_SPEC"
# Limits far above any real spec (the demo: 5 KB, 5 levels, 249 values; every column of every
# catalog dataset listed: ~20 KB) and low enough that PyYAML (pure Python, ~25,000 values or
# ~1 MB of text a second) refuses or finishes any spec in a fraction of a second.
MAX_SPEC_BYTES = 256 * 1024
MAX_DEPTH = 32
MAX_NODES = 10_000
_TEMPLATE = re.compile(r"\{\{\s*(?:env\.(?P<env>[A-Za-z_][A-Za-z0-9_]*)|(?P<name>spec_dir|cwd))\s*\}\}")


def default_spec_path() -> Path:
    """``$MGDC_SPEC`` if set, else the bundled demo spec."""
    configured = os.environ.get(SPEC_ENV_VAR)
    return Path(configured) if configured else DEMO_SPEC_PATH


def load_spec(path: str | os.PathLike[str] | None = None, *, import_code: bool = True) -> AppSpec:
    """Load and validate a spec file; raises :class:`SpecError` listing every problem.

    ``import_code=False`` does not import the modules ``downstream:`` entries name (so their
    functions are not checked): for an admin's tools, which must never run the spec author's code
    in a process that can read the admin's private key.
    """
    spec_path = Path(path) if path is not None else default_spec_path()
    source = str(spec_path.absolute())
    text = _read_spec_file(spec_path, source)
    referenced_env = tuple(
        (name, os.environ.get(name)) for name in sorted({m["env"] for m in _TEMPLATE.finditer(text) if m["env"]})
    )
    return _parse_cached(text, source, referenced_env, os.getcwd(), import_code)


@cache
def _parse_cached(text: str, source: str, _referenced_env: tuple, _cwd: str, import_code: bool) -> AppSpec:
    """Same text, env values and working directory → the same frozen spec, parsed once."""
    return parse_spec(text, source=source, import_code=import_code)


def _read_spec_file(path: Path, source: str) -> str:
    """The file's text, refusing what is not a spec: a directory, a device, a huge or binary file."""

    def refuse(message: str) -> SpecError:
        return SpecError(source, [SpecProblem("", message)])

    try:
        regular = stat.S_ISREG(path.stat().st_mode)  # a FIFO or device would block or never end
        if regular:
            with path.open("rb") as file:
                data = file.read(MAX_SPEC_BYTES + 1)
    except OSError as error:
        raise refuse(f"cannot read spec file: {error.strerror}") from None
    except ValueError:  # a NUL in the path
        raise refuse("cannot read spec file: the path contains a NUL character") from None
    if not regular:
        raise refuse("not a regular file: give the path of a YAML spec file")
    if len(data) > MAX_SPEC_BYTES:
        raise refuse(f"the file is larger than {MAX_SPEC_BYTES:,} bytes, the limit for a spec")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        where = f"line {line}: not UTF-8 text (invalid byte at offset {error.start})"
        raise refuse(f"{where}; a spec is a YAML text file") from None


def parse_spec(text: str, *, source: str = "<string>", import_code: bool = True) -> AppSpec:
    """Validate spec text; ``source`` names the file in error messages, and relative paths are
    relative to its folder (to the working directory for ``<string>``). ``import_code``: see
    :func:`load_spec`."""
    spec_dir = Path(source).absolute().parent if source != "<string>" else Path.cwd()
    raw = _parse_yaml(text, source)
    if "spec_path" in raw:  # set from `source` below, never by the spec itself
        allowed = allowed_hint("spec_path", _fields_at(()))
        raise SpecError(source, [SpecProblem("spec_path", f"unknown field 'spec_path'; {allowed}")])
    rendering = _Rendering(spec_dir=str(spec_dir), cwd=os.getcwd())
    raw = rendering.substitute(raw, ())
    if rendering.problems:
        raise SpecError(source, rendering.problems)
    try:
        spec = AppSpec.model_validate({**raw, "spec_path": source}, context={SPEC_DIR: spec_dir})
    except ValidationError as error:
        aliases = list(raw["scopes"]) if isinstance(raw.get("scopes"), dict) else []
        problems = [_describe(e, aliases, rendering.from_env) for e in error.errors()]
        raise SpecError(source, rendering.redact(problems)) from None
    problems = validate_app(spec, import_code=import_code)
    if problems:
        raise SpecError(source, rendering.redact(problems))
    return spec


class _Refusal(yaml.MarkedYAMLError):
    """Valid YAML this loader refuses, or a value it cannot build: the message says why."""

    def __init__(self, message: str, mark: yaml.Mark) -> None:
        super().__init__(problem=message, problem_mark=mark)


class _StrictLoader(yaml.SafeLoader):
    """A SafeLoader refusing what a spec never needs and an attacker would use: anchors and
    aliases (the "billion laughs" bomb), deep nesting, too many values, duplicate keys."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._nodes = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()
        if event.anchor is not None:  # an alias event carries the anchor it refers to
            raise _Refusal("YAML anchors (&) and aliases (*) are not allowed in a spec; write the value out",
                           event.start_mark)
        self._nodes += 1
        if self._nodes > MAX_NODES:
            raise _Refusal(f"the spec has more than {MAX_NODES:,} values, the limit", event.start_mark)
        if self._depth >= MAX_DEPTH:
            raise _Refusal(f"nested deeper than {MAX_DEPTH} levels, the limit", event.start_mark)
        self._depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        """A value YAML's resolver typed but Python cannot build (``2026-13-45``, a 5,000-digit
        integer, ``!!bool maybe``) is a problem at its line, not an exception from deep inside."""
        try:
            return super().construct_object(node, deep=deep)
        except yaml.YAMLError:
            raise
        except Exception as error:  # noqa: BLE001 - PyYAML's constructors raise anything on odd input
            kind = node.tag.rsplit(":", 1)[-1]
            reason = cut(str(error), 120) if isinstance(error, ValueError) else f"not a valid {kind}"
            raise _Refusal(f"cannot read this value as {kind}: {reason}", node.start_mark) from None


def _mapping_without_duplicates(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    """A mapping; a repeated key is an error instead of silently keeping the last value."""
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        try:
            repeated = key in seen
        except TypeError:  # `{{ spec_dir }}/x` unquoted is a mapping used as a key
            raise _Refusal("a key must be a plain value, not a list or mapping (quote a value that "
                           "starts with `{{`)", key_node.start_mark) from None
        if repeated:
            raise _Refusal(f"duplicate key {shown(key)}", key_node.start_mark)
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_without_duplicates)


def _parse_yaml(text: str, source: str) -> dict[str, Any]:
    """The spec's top-level mapping; any YAML problem is one line naming where it is."""

    def refuse(message: str) -> SpecError:
        return SpecError(source, [SpecProblem("", message)])

    if len(text) > MAX_SPEC_BYTES or len(text.encode("utf-8", "surrogatepass")) > MAX_SPEC_BYTES:
        raise refuse(f"the spec is larger than {MAX_SPEC_BYTES:,} bytes, the limit")
    try:
        raw = yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as error:
        raise refuse(_yaml_error(error, text)) from None
    if raw is None:
        raise refuse("the spec is empty: write a YAML mapping with `app:`, `datasets:`, ... (see the demo spec)")
    if not isinstance(raw, dict):
        raise refuse("the spec must be a YAML mapping with `app:`, `datasets:`, ...")
    return raw


def _yaml_error(error: yaml.YAMLError, text: str) -> str:
    """``line L, column C: what`` (no snippet of the text: it may hold control characters)."""
    if isinstance(error, yaml.reader.ReaderError):
        line = text.count("\n", 0, error.position) + 1
        return f"line {line}: not valid YAML: character #x{error.character:04x} is not allowed in a spec"
    if isinstance(error, yaml.MarkedYAMLError):
        what = "; ".join(part for part in (error.context, error.problem) if part)
        mark = error.problem_mark or error.context_mark
        if not isinstance(error, _Refusal):
            what = f"not valid YAML: {what}"
            lines = text.splitlines()
            if mark is not None and mark.line < len(lines) and "{{" in lines[mark.line]:
                what += " (write a value that starts with `{{` in quotes)"  # `{` opens a YAML mapping
        return f"line {mark.line + 1}, column {mark.column + 1}: {what}" if mark else what
    return f"not valid YAML: {type(error).__name__}"


@dataclass
class _Rendering:
    """Substitutes templates in every string value; remembers which fields came from the
    environment, so that an error about them never repeats the value (it may be a secret)."""

    spec_dir: str
    cwd: str
    problems: list[SpecProblem] = field(default_factory=list)
    from_env: dict[str, str] = field(default_factory=dict)  # field path → variable name
    env_values: dict[str, str] = field(default_factory=dict)  # variable name → value

    def substitute(self, value: Any, location: tuple) -> Any:
        if isinstance(value, dict):
            return {k: self.substitute(v, (*location, k)) for k, v in value.items()}
        if isinstance(value, list):
            return [self.substitute(v, (*location, i)) for i, v in enumerate(value)]
        if not isinstance(value, str) or "{{" not in value:
            return value
        return _TEMPLATE.sub(lambda match: self._value_of(match, location), value)

    def _value_of(self, match: re.Match[str], location: tuple) -> str:
        if match["name"]:
            return self.spec_dir if match["name"] == "spec_dir" else self.cwd
        name = match["env"]
        if name not in os.environ:
            self.problems.append(SpecProblem(field_path(location), f"environment variable {name} is not set"))
            return match.group(0)
        self.from_env[field_path(location)] = name
        self.env_values[name] = os.environ[name]
        return os.environ[name]

    def redact(self, problems: list[SpecProblem]) -> list[SpecProblem]:
        """Problems with every environment value (4+ characters) replaced by its template."""
        secrets = {value: name for name, value in self.env_values.items() if len(value) >= 4}
        if not secrets:
            return problems
        redacted = []
        for problem in problems:
            message = problem.message
            for value, name in secrets.items():
                for form in {value, repr(value)[1:-1]}:
                    message = message.replace(form, f"{{{{ env.{name} }}}}")
            redacted.append(SpecProblem(problem.path, message))
        return redacted


_DISCRIMINATED = {"source", "sink"}
_DISCRIMINATOR_TAGS = {"synthetic", "landing", "graph", "local", "azure"}
_PATTERN_MEANING = {
    model.NAME_PATTERN: "lower-case letters, digits and _, starting with a letter (at most 63)",
    model.SCOPE_ALIAS_PATTERN: "lower-case letters, digits, _ and -",
    model.DAGSTER_NAME_PATTERN: "letters, digits and _",
    model.POOL_NAME_PATTERN: "/-separated segments of lower-case letters, digits, _ and -, "
    "each starting with a letter or digit, like mgdc/<tenant id>/graph",
    model.PARAMETER_PATTERN: "a Python parameter name: letters, digits and _, not starting with a digit",
    model.GUID_PATTERN: "a GUID like 3f2504e0-4f89-11d3-9a0c-0305e82c3301",
    model.KEY_ID_PATTERN: "a key id: 16 lower-case hex digits, as `mgdc-pipelines consent keygen` prints it",
}


def _describe(error: Mapping[str, Any], scope_aliases: list[str], from_env: Mapping[str, str]) -> SpecProblem:
    """Turn a pydantic error into a problem that names the field, the value and what is allowed."""
    kind, value = error["type"], error.get("input")
    location = _spec_location(error["loc"])
    is_key = kind != "extra_forbidden" and len(location) > 1 and location[-1] == "[key]"
    location = location[:-1] if is_key else location
    path = _scope_path(location, scope_aliases) or field_path(location)
    what = f"the value of environment variable {from_env[path]}" if path in from_env else shown(value)
    what = f"key {what}" if is_key else what
    if kind == "extra_forbidden":
        allowed = _fields_at(location[:-1])
        return SpecProblem(path, f"unknown field {shown(location[-1])}; {allowed_hint(str(location[-1]), allowed)}")
    if kind == "missing":
        return SpecProblem(path, "required field is missing")
    if kind == "spec_path":
        return SpecProblem(path, error["msg"])
    if kind == "string_pattern_mismatch":
        pattern = error.get("ctx", {}).get("pattern", "")
        return SpecProblem(path, f"{what} is not allowed: use {_PATTERN_MEANING.get(pattern, pattern)}")
    if kind == "string_too_long":
        return SpecProblem(path, f"{what} is too long: at most {error['ctx']['max_length']} characters")
    return SpecProblem(path, f"{cut(error['msg'], 400)} (got {what})")


def _spec_location(location: tuple) -> tuple:
    """Pydantic's location of an error without the discriminator pydantic adds after a union
    field: ``("source", "graph", "ca_bundle")`` → ``("source", "ca_bundle")``."""
    if len(location) > 1 and location[0] in _DISCRIMINATED and location[1] in _DISCRIMINATOR_TAGS:
        return (location[0], *location[2:])
    return tuple(location)


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
    model_type: Any = AppSpec
    for part in location:
        if isinstance(part, int):
            continue
        field_info = model_type.model_fields.get(part) if _is_model(model_type) else None
        if field_info is None:
            return []
        model_type = _model_in(field_info.annotation)
    if not _is_model(model_type):
        return []
    return [name for name, f in model_type.model_fields.items() if not f.exclude]


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
