"""The few Data Factory expressions the MGDC pipelines use, and literal values.

Supported: ``@pipeline().parameters.<name>``, ``@dataset().<name>`` (inside a dataset, bound by
the activity's dataset reference), either as a plain string or as
``{"value": ..., "type": "Expression"}``; anything else is a literal (``@@`` escapes a leading
``@``). Other expressions are refused with :class:`ExpressionError` rather than guessed.

>>> resolve("@pipeline().parameters.windowStart", {"windowStart": "2026-11-01T00:00:00Z"})
'2026-11-01T00:00:00Z'
>>> resolve({"value": "@pipeline().parameters.groups", "type": "Expression"}, {"groups": ["g1"]})
['g1']
>>> resolve("@dataset().folderPath", {}, {"folderPath": "staging/run-1"})
'staging/run-1'
>>> resolve(["literal"], {})
['literal']
>>> resolve("@concat('a', 'b')", {})
Traceback (most recent call last):
...
mgdc_pipelines.emulator.factory.expressions.ExpressionError: unsupported expression "@concat('a', 'b')"; this emulator supports @pipeline().parameters.<name>, @dataset().<name> and literals
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

_PIPELINE_PARAMETER = re.compile(r"^@pipeline\(\)\.parameters\.(?P<name>[A-Za-z_][A-Za-z0-9_]*)$")
_DATASET_PARAMETER = re.compile(r"^@dataset\(\)\.(?P<name>[A-Za-z_][A-Za-z0-9_]*)$")


class ExpressionError(ValueError):
    """An expression the emulator cannot evaluate, or one naming an unknown parameter."""


def resolve(value: Any, pipeline_parameters: Mapping[str, Any],
            dataset_parameters: Mapping[str, Any] | None = None) -> Any:
    """The value of a property: an expression evaluated, or the literal itself."""
    if isinstance(value, Mapping) and value.get("type") == "Expression":
        return _evaluate(str(value.get("value", "")), pipeline_parameters, dataset_parameters)
    if isinstance(value, str):
        return _evaluate(value, pipeline_parameters, dataset_parameters)
    return value


def _evaluate(text: str, pipeline_parameters: Mapping[str, Any],
              dataset_parameters: Mapping[str, Any] | None) -> Any:
    if not text.startswith("@"):
        return text
    if text.startswith("@@"):
        return text[1:]
    if match := _PIPELINE_PARAMETER.match(text):
        return _lookup("pipeline parameter", match["name"], pipeline_parameters)
    if (match := _DATASET_PARAMETER.match(text)) and dataset_parameters is not None:
        return _lookup("dataset parameter", match["name"], dataset_parameters)
    raise ExpressionError(f'unsupported expression "{text}"; this emulator supports '
                          "@pipeline().parameters.<name>, @dataset().<name> and literals")


def _lookup(kind: str, name: str, values: Mapping[str, Any]) -> Any:
    if name not in values:
        raise ExpressionError(f"the {kind} '{name}' is not defined; defined: {', '.join(sorted(values)) or 'none'}")
    return values[name]
