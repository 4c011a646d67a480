"""The YAML schema of ``MgdcApp``'s attributes, derived from the spec models (never a copy of them).

Each spec model (:class:`~mgdc_pipelines.spec.model.AppInfo`, the source and sink models, ...) gets a
``dg.Model`` twin with the same field names, defaults and docs, and ``extra="forbid"``: ``dg check
yaml`` names a misspelled field, and editors complete field names (``dg utils configure-editor``).
The twins check SHAPES only. Values (GUIDs, names, paths, limits, consent) are checked once, by
the spec's own validation, when the component loads, so every scalar field also takes a
``{{ env.NAME }}`` template, rendered by the spec loader like in a spec file.

>>> schema = attributes_model().model_json_schema()
>>> sorted(schema["properties"])[:4]
['app', 'consent', 'dagster', 'datasets']
>>> attributes_model().model_validate({"app": {"nmae": "x"}})
Traceback (most recent call last):
...
pydantic_core._pydantic_core.ValidationError: ...
app.nmae
  Extra inputs are not permitted ...
"""

from __future__ import annotations

import ast
import dataclasses
import datetime as dt
import inspect
import textwrap
import types
import typing
from functools import cache
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import dagster as dg
from pydantic import BaseModel, Field, GetJsonSchemaHandler, create_model
from pydantic.fields import FieldInfo
from pydantic_core import core_schema

from mgdc_pipelines.catalog import list_datasets
from mgdc_pipelines.sources.synthetic import TenantConfig
from mgdc_pipelines.spec.model import AppSpec, DatasetSpec, SyntheticSourceSpec

# A value rendered when the component loads: `{{ env.NAME }}` (or `{{ spec_dir }}`, `{{ cwd }}`).
Template = Annotated[str, Field(pattern=r"\{\{.*\}\}")]

# Where the YAML is not the model's shape: scopes are written as {alias: all | [group ids]}
# (AppSpec turns the mapping into ScopeSpec tuples), and the synthetic source's extra keys are
# the fields of TenantConfig.
_YAML_SHAPES: dict[tuple[type, str], Any] = {(AppSpec, "scopes"): dict[str, str | list[str]]}
_EXTRA_FIELDS_OF: dict[type, type] = {SyntheticSourceSpec: TenantConfig}
# Completion for what has a known set of values the schema must still not enforce (the spec's
# validation suggests the closest name instead).
_EXAMPLES: dict[tuple[type, str], Any] = {
    (DatasetSpec, "name"): lambda: [dataset.short_name for dataset in list_datasets()],
}


@cache
def attributes_model() -> type[BaseModel]:
    """The ``defs.yaml`` attributes of an ``MgdcApp``: the spec's top-level keys."""
    return _twin(AppSpec)


@cache
def _twin(model: type) -> type[BaseModel]:
    """A ``dg.Model`` with ``model``'s fields (a pydantic model or a dataclass), types relaxed to
    their YAML shape."""
    fields = {name: _field(model, name, info) for name, info in _fields_of(model)}
    extra = _EXTRA_FIELDS_OF.get(model)
    if extra is not None:
        fields |= {name: _field(extra, name, info) for name, info in _fields_of(extra)}
    docs = model.__dict__.get("__doc__")  # its own: pydantic's BaseModel docs are not the spec's
    twin = create_model(f"{model.__name__}Attributes", __base__=dg.Model, __doc__=docs, **fields)
    twin.model_config["title"] = model.__name__
    return twin


def _fields_of(model: type) -> list[tuple[str, FieldInfo]]:
    """``(name, FieldInfo)`` of a pydantic model's or a dataclass's public fields, each described
    by its docstring when it has no description of its own."""
    if dataclasses.is_dataclass(model):
        hints = typing.get_type_hints(model)
        infos = {
            f.name: FieldInfo.from_annotated_attribute(hints[f.name], f.default) for f in dataclasses.fields(model)
        }
    else:
        infos = {name: info for name, info in model.model_fields.items() if not info.exclude}
    docs = attribute_docstrings(model)
    described = {name for name, info in infos.items() if name in docs and not info.description}
    return [
        (name, FieldInfo.merge_field_infos(info, description=docs[name]) if name in described else info)
        for name, info in infos.items()
    ]


def _field(model: type, name: str, info: FieldInfo) -> tuple[Any, FieldInfo]:
    """The twin's field: the YAML shape of the type, the same default and description."""
    shape = _YAML_SHAPES.get((model, name)) or yaml_shape(info.annotation, info.discriminator)
    examples = _EXAMPLES.get((model, name))
    extra: dict[str, Any] = {"description": info.description, "examples": examples() if examples else None}
    if info.is_required():
        return shape, Field(**extra)
    return shape, Field(default=_json_default(info), **extra)


def _json_default(info: FieldInfo) -> Any:
    """The default as the schema shows it (a nested model's default as its fields)."""
    default = info.get_default(call_default_factory=True)
    if isinstance(default, BaseModel):
        return default.model_dump(mode="json")
    if isinstance(default, (tuple, frozenset)):
        return list(default)
    if isinstance(default, dt.date):
        return default.isoformat()
    return default


def yaml_shape(annotation: Any, discriminator: str | None = None) -> Any:
    """A spec type as YAML writes it: models become their twins, tuples lists, constraints go
    (the spec checks values), and every scalar but a string also takes a template.

    >>> yaml_shape(int) == int | Template
    True
    >>> yaml_shape(tuple[str, ...])
    list[str]
    """
    origin, args = get_origin(annotation), get_args(annotation)
    if origin is Annotated:
        return yaml_shape(args[0])
    if origin in (Union, types.UnionType):
        members = tuple(yaml_shape(arg) for arg in args)
        if any(_is_model(member) for member in members):
            # `consent: null` is no consent block, as leaving it out is: without the null
            # alternative a misspelled field inside is named, not "valid under none of anyOf".
            members = tuple(member for member in members if member is not type(None))
        if len(members) == 1:
            return members[0]
        if discriminator is not None:
            return Annotated[Union[members], _IfThenUnion(discriminator)]  # noqa: UP007 - built at runtime
        return Union[members]  # noqa: UP007
    if origin is tuple or origin is list:
        return list[yaml_shape(args[0])]
    if origin is dict:
        return dict[str, yaml_shape(args[1])]
    if origin is Literal:
        return annotation | Template
    if _is_model(annotation):
        return _twin(annotation)
    if annotation is dt.date:
        return dt.date | str  # Dagster's YAML loader reads dates as strings
    if annotation in (int, float, bool):
        return annotation | Template
    return annotation  # str, Any, None


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


class _IfThenUnion:
    """A tagged union's JSON schema as ``if type is X then <X's schema>``, not ``oneOf``.

    With ``oneOf`` (pydantic's ``discriminator`` is OpenAPI, which JSON Schema validators ignore) a
    misspelled field fails every branch and ``dg check yaml`` says only "not valid under any of
    the given schemas"; with ``if``/``then`` it names the field, as for any other model.
    """

    def __init__(self, tag: str) -> None:
        self.tag = tag

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> core_schema.CoreSchema:
        return core_schema.tagged_union_schema(
            {_tag_of(member): handler.generate_schema(member) for member in get_args(source)},
            discriminator=self.tag,
        )

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> dict[str, Any]:
        branches = {tag: handler(choice) for tag, choice in schema["choices"].items()}
        return {
            "type": "object",
            "properties": {self.tag: {"enum": list(branches)}},
            "required": [self.tag],
            "allOf": [
                {"if": {"properties": {self.tag: {"const": tag}}}, "then": branch}
                for tag, branch in branches.items()
            ],
        }


def _tag_of(twin: type[BaseModel]) -> str:
    """The value of a twin's ``type`` field (its Literal; the template alternative aside)."""
    for argument in get_args(twin.model_fields["type"].annotation):
        if get_origin(argument) is Literal:
            return get_args(argument)[0]
    raise TypeError(f"{twin.__name__}.type is not a Literal")


def attribute_docstrings(cls: type) -> dict[str, str]:
    """The docstrings written under a class's fields (``name: int = 1`` then ``\"\"\"...\"\"\"``).

    >>> attribute_docstrings(TenantConfig)["users"]
    'Employee accounts (member users, including a few disabled ones); guests come on top.'
    """
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(cls)))
    except (OSError, TypeError, SyntaxError):  # no source (a frozen or dynamic class)
        return {}
    body = tree.body[0].body if tree.body and isinstance(tree.body[0], ast.ClassDef) else []
    docs: dict[str, str] = {}
    for node, after in zip(body, body[1:]):
        if (
            isinstance(node, ast.AnnAssign)
            and isinstance(node.target, ast.Name)
            and isinstance(after, ast.Expr)
            and isinstance(after.value, ast.Constant)
            and isinstance(after.value.value, str)
        ):
            docs[node.target.id] = inspect.cleandoc(after.value.value)
    return docs


def plain_attributes(model: BaseModel) -> dict[str, Any]:
    """The attributes as written (what was not set stays out, so the spec's defaults apply)."""
    return model.model_dump(mode="json", exclude_unset=True)
