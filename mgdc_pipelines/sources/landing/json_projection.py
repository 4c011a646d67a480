"""Blocks of JSON lines checked against the full schema and cut down to the columns a copy reads.

Arrow's JSON reader costs about as much per key as per byte, and a copy reads few of a
dataset's columns: Message_v1's 15 copied columns are a third of its keys and a fifth of its
bytes (the bodies and internet message headers are not copied). But the fast path
(``arrow_blocks``) may only use Arrow's rows where they are exactly what the line-by-line path
gives, which is why it parses every block with the dataset's full schema, unknown keys an error:
a skipped column could hide an unknown or repeated key, or a value of the wrong kind.

:class:`BlockProjection` does that checking natively, at memory speed (``_json_projection.c``):
every line must be one JSON object whose every key, at every depth, is a field of the schema
(once), whose every value has its field's kind (a string for a string, an object for a struct,
an array for a list, ``true``/``false``, a plain integer that fits for an integer, a number for
a double, ``null`` where the field is nullable), with no escaped key, escaped surrogate or
control character. It is stricter than Arrow, never looser: anything it does not accept
(``None``) goes down the full-schema parse as before. What it accepts, it rewrites, each line
keeping only the kept top-level keys with their values copied byte for byte, for Arrow to parse
with the kept columns' schema: Arrow then reads the kept values from the same bytes as in the
full parse, so the same rows come out, with the same checks after (UTF-8 of the whole block,
floats, row dates, timestamps).

>>> import pyarrow as pa
>>> schema = pa.schema([("id", pa.string()), ("body", pa.struct([("content", pa.string())])),
...                     ("size", pa.int64())])
>>> projection = BlockProjection.of(schema, keep=["id", "size"])
>>> projection.project(b'{"id": "a", "body": {"content": "long"}, "size": 3}\\n{"size": null}')
(b'{"id": "a","size": 3}\\n{"size": null}\\n', 2)
>>> projection.project(b'{"id": "a", "body": {"content": "x", "content": "y"}}') is None  # repeated
True
>>> projection.project(b'{"id": "a", "bodyy": null}') is None  # unknown, even where not kept
True
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import pyarrow as pa

try:
    from mgdc_pipelines.sources.landing import _json_projection as native
except ImportError:  # a source tree whose extension was not built: see `available`
    native = None


def available() -> bool:
    """Whether the native checker is built (``pip install -e .`` builds it). Without it every
    block takes the full-schema parse: the same rows, slower."""
    return native is not None


@dataclass(frozen=True)
class BlockProjection:
    """The native checker for one read schema, keeping the top-level columns ``kept``."""

    projector: object
    kept: tuple[str, ...]

    @classmethod
    def of(cls, schema: pa.Schema, keep: Collection[str]) -> BlockProjection | None:
        """None where the checker cannot describe ``schema`` (a type it does not know, a
        struct of more than 64 fields) or is not built: the caller parses in full."""
        if native is None:
            return None
        nodes: list[tuple] = []
        try:
            root = _node(pa.struct(list(schema)), nodes)
        except _NotDescribable:
            return None
        wanted = set(keep)
        kept = [i for i, name in enumerate(schema.names) if name in wanted]
        projector = native.Projector(tuple(nodes), root, sum(1 << i for i in kept))
        return cls(projector, tuple(schema.names[i] for i in kept))

    def project(self, block) -> tuple[bytes, int] | None:
        """(the block's lines with only the kept keys, how many lines) or None: see the module
        docstring. ``block`` is any contiguous buffer (a ``memoryview`` of the read buffer)."""
        return self.projector.project(block)


class _NotDescribable(Exception):
    pass


def _node(arrow_type: pa.DataType, nodes: list[tuple]) -> int:
    """Append the checker's description of ``arrow_type`` (children first) and return its index."""
    if pa.types.is_struct(arrow_type):
        if arrow_type.num_fields > native.MAX_FIELDS:
            raise _NotDescribable
        fields = tuple(
            (field.name.encode(), _node(field.type, nodes), field.nullable) for field in arrow_type
        )
        nodes.append((native.STRUCT, fields))
    elif pa.types.is_list(arrow_type) or pa.types.is_large_list(arrow_type):
        item = arrow_type.value_field
        nodes.append((native.LIST, (_node(item.type, nodes), item.nullable)))
    else:
        nodes.append((_scalar_kind(arrow_type), None))
    return len(nodes) - 1


def _scalar_kind(arrow_type: pa.DataType) -> int:
    kinds = {pa.string(): native.STRING, pa.bool_(): native.BOOL, pa.int32(): native.INT32,
             pa.int64(): native.INT64, pa.float64(): native.DOUBLE}
    if arrow_type not in kinds:
        raise _NotDescribable
    return kinds[arrow_type]
