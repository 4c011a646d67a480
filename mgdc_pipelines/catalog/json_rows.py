"""Turn MGDC JSON rows into Arrow record batches of a catalog dataset's schema, without loss.

MGDC delivers JSON lines whose datetimes are ISO-8601 strings. Arrays are built column by column
from the parsed Python values against a *mirror* of the schema in which every timestamp, at any
depth, is a string; one Arrow ``cast`` then parses them all (``Z`` and ``+hh:mm`` offsets
become UTC instants).

Nothing is dropped silently. A key the catalog does not know, at the top level or inside a
struct, is an error naming the dataset, the row and the key (or, with ``unknown="ignore"``, is
dropped and counted). A value that does not fit its column (``"abc"`` for an INT64, ``1.5``
for an INT32, a timestamp Arrow cannot parse exactly) is an error naming the row, the column
(its path inside nested values), the type expected and the JSON kind that arrived.

Row values are personal data, so no message shows one, not even shortened, and Arrow's own
error text (which quotes values) is never passed on. Keys are shown only when they look like
property names (:func:`shown_key`): a key can be data too.

>>> from mgdc_pipelines.catalog import get_dataset
>>> message = get_dataset("Message_v1")
>>> rows = [{"id": "m1", "receivedDateTime": "2021-02-03T00:37:46Z",
...          "sender": {"emailAddress": {"name": "Ann", "address": "ann@contoso.com"}}}]
>>> result = rows_to_batch(message, rows, columns=["id", "receivedDateTime", "sender"])
>>> result.batch.num_rows, result.batch.schema.field("receivedDateTime").type
(1, TimestampType(timestamp[us, tz=UTC]))
>>> result.batch.to_pylist()[0]["sender"]
{'emailAddress': {'name': 'Ann', 'address': 'ann@contoso.com'}}
>>> try:
...     rows_to_batch(message, [{"id": "m2", "sendr": None}])
... except RowConversionError as error:
...     print(error)  # doctest: +ELLIPSIS
BasicDataSet_v0.Message_v1: row 0 has key(s) ...: 'sendr' (did you mean 'sender'?). ...
>>> rows_to_batch(message, [{"id": "m2", "sendr": None}], unknown="ignore").unknown_keys
Counter({'sendr': 1})
>>> to = [{"emailAddress": {"address": ["ann@contoso.com"]}}]  # a list where a string goes
>>> try:
...     rows_to_batch(message, [{"toRecipients": to}])
... except RowConversionError as error:
...     print(str(error).removeprefix(message.name + ": "))
...     print(error.column, error.expected)
row 0, column 'toRecipients[0].emailAddress.address': expected string, got a JSON array of 1 item
toRecipients[0].emailAddress.address string
"""

from __future__ import annotations

import difflib
import json
import re
import sys
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Literal

import pyarrow as pa
import pyarrow.compute as pc

from mgdc_pipelines.catalog.model import Dataset

UnknownKeys = Literal["error", "ignore"]

# What Arrow raises when Python values do not fit a type (OverflowError: ints beyond int64).
_CONVERSION_ERRORS = (pa.ArrowException, TypeError, ValueError, OverflowError)
# Keys shown in messages and counts: property names as Graph and MGDC write them, optionally
# with an OData annotation (``@odata.type``, ``name@odata.type``). Anything else may be data.
_PROPERTY_NAME = re.compile(r"(?:[A-Za-z_][A-Za-z0-9_]{0,63})?(?:@odata\.[A-Za-z]{1,32})?")
UNSHOWN_KEY = "<not a property name>"
_TIMESTAMP_FORM = "not ISO-8601 with a UTC offset"
_LARGEST_DOUBLE = sys.float_info.max


class RowConversionError(ValueError):
    """A row could not be converted: an unknown key, or a value that does not fit its column.

    ``row`` is the 0-based index of the offending row in the input (``None`` if unknown), so a
    caller reading a file can point at the line. For a value that does not fit, ``column`` is
    its path (``toRecipients[0].emailAddress.address``) and ``expected`` the type it should
    have (``string``); both are ``None`` for a problem with keys.
    """

    def __init__(
        self,
        message: str,
        *,
        row: int | None = None,
        column: str | None = None,
        expected: str | None = None,
    ) -> None:
        super().__init__(message)
        self.row = row
        self.column = column
        self.expected = expected


def json_kind(value: object) -> str:
    """The JSON kind of a parsed value: what a message may say about it instead of the value.

    >>> [json_kind(v) for v in ("Ann", 3, 1.5, True, {}, [1], None)]
    ['string', 'number', 'number', 'boolean', 'object', 'array', 'null']
    """
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, Mapping):
        return "object"
    if isinstance(value, (list, tuple)):
        return "array"
    return f"Python {type(value).__name__}"  # not from JSON: a caller's own value


def described(value: object) -> str:
    """A value's kind and size, never its content.

    >>> described("felix.baker@contoso.com"), described([1, 2]), described(7)
    ('a JSON string of 23 characters', 'a JSON array of 2 items', 'a JSON number')
    """
    kind = json_kind(value)
    if isinstance(value, str):
        return f"a JSON string of {_count(len(value), 'character')}"
    if isinstance(value, (list, tuple)):
        return f"a JSON array of {_count(len(value), 'item')}"
    if kind == "null":
        return kind
    return f"a {kind}" if kind.startswith("Python") else f"a JSON {kind}"


def shown_key(key: str) -> str:
    """A delivered key as a message may show it: quoted if it looks like a property name,
    else only its length (a key can hold data: an address used as a key).

    >>> shown_key("sendr"), shown_key("felix.baker@contoso.com")
    ("'sendr'", '<a key of 23 characters, not a property name>')
    """
    if _is_property_name(key):
        return repr(key)
    return f"<a key of {_count(len(key), 'character')}, not a property name>"


def uncastable_count(values: pa.Array, type_: pa.DataType) -> int:
    """How many of ``values`` do not cast to ``type_``, for a message that must not quote
    Arrow's cast error (it shows the value). Halving finds k bad values among n in about
    k·log2(n) casts. A cast Arrow does not have at all counts every non-null value.

    >>> uncastable_count(pa.array(["1", "x", None, "y"]), pa.int64())
    2
    """
    try:
        values.cast(type_)
    except pa.ArrowNotImplementedError:
        return len(values) - values.null_count
    except pa.ArrowException:
        if len(values) == 1:
            return 1
        middle = len(values) // 2
        halves = (values.slice(0, middle), values.slice(middle))
        return sum(uncastable_count(half, type_) for half in halves)
    return 0


def expected_type(type_: pa.DataType) -> str:
    """The catalog type as messages name it: ``string``, ``int64``, ``timestamp``, ``struct``...

    >>> expected_type(pa.list_(pa.string())), expected_type(pa.timestamp("us", tz="UTC"))
    ('array', 'timestamp')
    """
    if pa.types.is_struct(type_):
        return "struct"
    if pa.types.is_list(type_) or pa.types.is_large_list(type_):
        return "array"
    if pa.types.is_timestamp(type_):
        return "timestamp"
    return "boolean" if pa.types.is_boolean(type_) else str(type_)  # string, int32, double...


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _is_property_name(key: object) -> bool:
    return isinstance(key, str) and bool(key) and _PROPERTY_NAME.fullmatch(key) is not None


@dataclass(frozen=True)
class ConversionResult:
    """The converted rows and, with ``unknown="ignore"``, the keys dropped on the way.

    ``unknown_keys`` counts rows per key path: ``"sendr"`` for a top-level key,
    ``"toRecipients[].emailAddress.type"`` for one nested inside list items.
    """

    batch: pa.RecordBatch
    unknown_keys: Counter[str] = field(default_factory=Counter)


def rows_to_batch(
    dataset: Dataset,
    rows: Iterable[Mapping[str, Any]],
    columns: Iterable[str] | None = None,
    *,
    unknown: UnknownKeys = "error",
) -> ConversionResult:
    """Convert parsed MGDC JSON rows into a batch of ``dataset.output_schema(columns)``.

    ``columns`` selects content columns (default: all); keys of content columns left out of the
    selection are dropped, as MGDC's ``outputColumns`` would. Keys named in ``dataset.aliases``
    are read as the column they stand for. A missing key, or a missing field of a struct, is
    null. Unknown keys raise :class:`RowConversionError` unless ``unknown="ignore"``, which drops
    and counts them in :attr:`ConversionResult.unknown_keys`. Rows are numbered from 0 in errors.
    """
    if unknown not in ("error", "ignore"):
        raise ValueError(f"unknown must be 'error' or 'ignore', not {unknown!r}")
    schema = dataset.output_schema(dataset.column_names if columns is None else columns)
    checker = _RowChecker(dataset, schema, unknown)
    checked_rows = [checker.check(index, row) for index, row in enumerate(rows)]
    arrays = [
        _column_array(dataset, column, [row.get(column.name) for row in checked_rows])
        for column in schema
    ]
    return ConversionResult(pa.RecordBatch.from_arrays(arrays, schema=schema), checker.unknown_keys)


def json_text(value: dict | list) -> str:
    """A JSON object or array as compact text, keys in their order: how a row holds an object
    where the catalog types a string (Planner's ``assignments``: MGDC's doc says String, its
    deliveries and Graph hold an object).

    >>> json_text({"u1": {"orderHint": "8585P!"}})
    '{"u1":{"orderHint":"8585P!"}}'
    """
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


# --- Row checks: keys and the value kinds Arrow would convert with loss -------------------------


@dataclass(frozen=True)
class _StrayKey:
    path: str  # "" for the row itself, else the struct holding the key, e.g. "toRecipients[2]"
    key: str
    allowed: tuple[str, ...]


@dataclass(frozen=True)
class _BadValue:
    """What is wrong with a value, told without the value."""

    path: str
    arrived: str  # described(value): kind and size
    reason: str | None = None  # why a value of the expected kind still does not fit


class _RowChecker:
    """Renames aliases and finds what Arrow would drop or mangle without a word."""

    def __init__(self, dataset: Dataset, schema: pa.Schema, unknown: UnknownKeys) -> None:
        self.dataset = dataset
        self.unknown = unknown
        self.unknown_keys: Counter[str] = Counter()
        # Content columns outside the selection are known keys: they are dropped, not strays.
        self.allowed_keys = (
            *dataset.column_names,
            *dataset.metadata_column_names,
            *dataset.aliases,
        )
        self.allowed_key_set = frozenset(self.allowed_keys)
        plans = ((column.name, _plan_for(column.type)) for column in schema)
        self.column_plans = [(name, plan) for name, plan in plans if plan is not None]
        self.json_text_columns = tuple(name for name in schema.names if name in dataset.json_text_columns)

    def check(self, index: int, row: Mapping[str, Any]) -> Mapping[str, Any]:
        if not isinstance(row, Mapping):
            raise RowConversionError(
                f"{self.dataset.name}: row {index} is a {type(row).__name__}, not a JSON object",
                row=index,
            )
        row = self._renamed(index, row)
        if self.json_text_columns:
            row = self._objects_as_text(index, row)
        findings: _Findings = []
        if not self.allowed_key_set.issuperset(row):
            findings.extend(
                _StrayKey("", key, self.allowed_keys)
                for key in row
                if key not in self.allowed_key_set
            )
        for name, plan in self.column_plans:
            value = row.get(name)
            if value is not None:
                plan.inspect(value, name, findings)
        if findings:
            self._handle(index, findings)
        return row

    def _objects_as_text(self, index: int, row: Mapping[str, Any]) -> Mapping[str, Any]:
        """An object or array in a ``JSON`` column is kept as its JSON text (elsewhere a string
        column refuses one, naming it)."""
        structured = [name for name in self.json_text_columns if isinstance(row.get(name), (dict, list))]
        if not structured:
            return row
        return {**row, **{name: self._as_text(index, name, row[name]) for name in structured}}

    def _as_text(self, index: int, name: str, value: dict | list) -> str:
        try:
            return json_text(value)
        except RecursionError:  # json.dumps recurses once per level: this row fails, not all
            nested = _BadValue(name, described(value), "nested too deeply to keep as JSON text")
            raise _bad_value_error(self.dataset, index, nested) from None

    def _renamed(self, index: int, row: Mapping[str, Any]) -> Mapping[str, Any]:
        aliases = self.dataset.aliases
        if not aliases or not any(key in aliases for key in row):
            return row
        renamed: dict[str, Any] = {}
        for key, value in row.items():
            name = aliases.get(key, key)
            if name in renamed or (name != key and name in row):
                raise RowConversionError(
                    f"{self.dataset.name}: row {index} has both {key!r} and {name!r}, "
                    f"which name the same column",
                    row=index,
                )
            renamed[name] = value
        return renamed

    def _handle(self, index: int, findings: _Findings) -> None:
        bad_values = [finding for finding in findings if isinstance(finding, _BadValue)]
        if bad_values:
            raise _bad_value_error(self.dataset, index, bad_values[0])
        strays = [finding for finding in findings if isinstance(finding, _StrayKey)]
        if self.unknown == "ignore":
            self.unknown_keys.update({_counted_path(stray) for stray in strays})
            return
        raise RowConversionError(_stray_keys_message(self.dataset, index, strays), row=index)


# What Arrow would get wrong without a word, and so must be looked for in Python: it ignores dict
# keys a struct lacks, iterates a string given for a list into characters, truncates 1.5 to an
# integer and turns True into 1.0. Everything else it rejects itself. A plan per Arrow type,
# built once, keeps the per-value walk free of type dispatch; types with nothing to look for
# (strings, booleans, timestamps) get no plan and are never walked.
_Findings = list[_StrayKey | _BadValue]


class _StructPlan:
    def __init__(self, type_: pa.StructType) -> None:
        self.names = tuple(type_.names)
        self.name_set = frozenset(self.names)
        children = ((child.name, _plan_for(child.type)) for child in type_)
        self.children = tuple((name, plan) for name, plan in children if plan is not None)

    def inspect(self, value: object, path: str, findings: _Findings) -> None:
        if not isinstance(value, Mapping):
            return  # Arrow rejects it, and the error is located then
        if not self.name_set.issuperset(value):
            findings.extend(
                _StrayKey(path, key, self.names) for key in value if key not in self.name_set
            )
        for name, plan in self.children:
            child = value.get(name)
            if child is not None:
                plan.inspect(child, f"{path}.{name}", findings)


class _ListPlan:
    def __init__(self, type_: pa.ListType) -> None:
        self.item_plan = _plan_for(type_.value_type)

    def inspect(self, value: object, path: str, findings: _Findings) -> None:
        if isinstance(value, (str, bytes)):
            findings.append(_BadValue(path, described(value)))
        elif self.item_plan is not None and isinstance(value, list):
            for position, item in enumerate(value):
                if item is not None:
                    self.item_plan.inspect(item, f"{path}[{position}]", findings)


class _IntegerPlan:
    def inspect(self, value: object, path: str, findings: _Findings) -> None:
        if value.__class__ is bool:
            findings.append(_BadValue(path, described(value)))
        elif value.__class__ is float and not value.is_integer():
            findings.append(_BadValue(path, described(value), "not a whole number"))


class _FloatPlan:
    def inspect(self, value: object, path: str, findings: _Findings) -> None:
        if value.__class__ is bool:
            findings.append(_BadValue(path, described(value)))


_Plan = _StructPlan | _ListPlan | _IntegerPlan | _FloatPlan


@cache
def _plan_for(type_: pa.DataType) -> _Plan | None:
    if pa.types.is_struct(type_):
        return _StructPlan(type_)
    if pa.types.is_list(type_):
        return _ListPlan(type_)
    if pa.types.is_integer(type_):
        return _IntegerPlan()
    if pa.types.is_floating(type_):
        return _FloatPlan()
    return None


def _counted_path(stray: _StrayKey) -> str:
    key = stray.key if _is_property_name(stray.key) else UNSHOWN_KEY
    full_path = f"{stray.path}.{key}" if stray.path else key
    return re.sub(r"\[\d+\]", "[]", full_path)  # count per key, whatever the list position


def _stray_keys_message(dataset: Dataset, index: int, strays: list[_StrayKey]) -> str:
    by_path: dict[str, list[_StrayKey]] = {}
    for stray in strays:
        by_path.setdefault(stray.path, []).append(stray)
    parts = []
    for path, group in by_path.items():
        where = f"row {index}" if not path else f"row {index}, in {path!r},"
        keys = ", ".join(_with_suggestion(stray.key, stray.allowed) for stray in group)
        allowed = ", ".join(group[0].allowed)
        parts.append(
            f"{where} has key(s) the catalog does not know: {keys}. Allowed keys: {allowed}."
        )
    return (
        f"{dataset.name}: {' '.join(parts)} "
        f"Pass unknown='ignore' to drop and count such keys instead."
    )


def _with_suggestion(key: str, allowed: Sequence[str]) -> str:
    if not _is_property_name(key):
        return shown_key(key)
    # Case slips (``Id`` for ``id``) are the usual mistake between MGDC dataset versions, and
    # too short for difflib to notice.
    same_but_case = [name for name in allowed if name.lower() == key.lower()]
    close = same_but_case or difflib.get_close_matches(key, allowed, n=1)
    return f"{key!r} (did you mean {close[0]!r}?)" if close else repr(key)


# --- Column conversion -------------------------------------------------------------------------


def _column_array(dataset: Dataset, column: pa.Field, values: list[Any]) -> pa.Array:
    try:
        array = _to_arrow(values, column.type)
    except _CONVERSION_ERRORS as error:
        # Not chained: Arrow's message (the cause) quotes the value.
        raise _conversion_error(dataset, column, values, error) from None
    if isinstance(array, pa.ChunkedArray):
        raise ValueError(
            f"{dataset.name}: column {column.name!r} of these {len(values)} rows holds more than "
            f"one Arrow array can (2 GiB of text); convert fewer rows per batch"
        )
    return array


def _to_arrow(values: list[Any], type_: pa.DataType) -> pa.Array | pa.ChunkedArray:
    array = pa.array(values, type=_with_timestamps_as_text(type_))  # chunked beyond 2 GiB of text
    if isinstance(array, pa.ChunkedArray):
        return pa.chunked_array(
            [from_text_timestamps(chunk, type_) for chunk in array.chunks], type=type_
        )
    return from_text_timestamps(array, type_)


def text_timestamps_schema(schema: pa.Schema) -> pa.Schema:
    """``schema`` with every timestamp, at any depth, as a string: how JSON holds them.

    Reading JSON with it (``pyarrow.json``'s explicit schema), then :func:`from_text_timestamps`,
    parses datetimes exactly as :func:`rows_to_batch` does.

    >>> text_timestamps_schema(pa.schema([("when", pa.timestamp("us", tz="UTC"))])).types
    [DataType(string)]
    """
    return pa.schema([field.with_type(_with_timestamps_as_text(field.type)) for field in schema])


def from_text_timestamps(array: pa.Array, type_: pa.DataType) -> pa.Array:
    """An array of :func:`text_timestamps_schema`'s type as ``type_``: ISO-8601 text, with ``Z`` or
    ``+hh:mm``, becomes UTC instants; raises ``pyarrow.ArrowInvalid`` on text that is not one.

    >>> when = pa.timestamp("us", tz="UTC")
    >>> from_text_timestamps(pa.array(["2021-02-03T01:37:46+01:00"]), when)[0].as_py().isoformat()
    '2021-02-03T00:37:46+00:00'

    SharePoint deliveries write .NET's seven fractional digits; the 100 ns tick is dropped:

    >>> from_text_timestamps(pa.array(["2023-09-10T01:45:30.1550648+00:00"]), when)[0].as_py().isoformat()
    '2023-09-10T01:45:30.155064+00:00'
    """
    if array.type == type_:
        return array
    array = _nulls_pushed_down(array)
    try:
        return array.cast(type_)
    except pa.ArrowInvalid:  # rare: only then pay for a pass over the text
        return _sub_microseconds_dropped(array, type_).cast(type_)


_BEYOND_MICROSECONDS = r"(\.\d{6})\d+"


def _sub_microseconds_dropped(array: pa.Array, type_: pa.DataType) -> pa.Array:
    """The text of every timestamp-bound value, at any depth, cut to six fractional digits."""
    if pa.types.is_timestamp(type_) and pa.types.is_string(array.type):
        return pc.replace_substring_regex(array, _BEYOND_MICROSECONDS, r"\1")
    if pa.types.is_struct(type_) and pa.types.is_struct(array.type):
        children = [_sub_microseconds_dropped(array.field(i), field.type) for i, field in enumerate(type_)]
        mask = array.is_null() if array.null_count else None
        return pa.StructArray.from_arrays(children, fields=list(array.type), mask=mask)
    if pa.types.is_list(type_) and pa.types.is_list(array.type):
        mask = array.is_null() if array.null_count else None
        values = _sub_microseconds_dropped(array.values, type_.value_type)
        return pa.ListArray.from_arrays(array.offsets, values, type=pa.list_(values.type), mask=mask)
    return array


@cache
def _with_timestamps_as_text(type_: pa.DataType) -> pa.DataType:
    """The same type with every timestamp, at any depth, replaced by a string."""
    if pa.types.is_timestamp(type_):
        return pa.string()
    if pa.types.is_struct(type_):
        return pa.struct([child.with_type(_with_timestamps_as_text(child.type)) for child in type_])
    if pa.types.is_list(type_):
        return pa.list_(type_.value_field.with_type(_with_timestamps_as_text(type_.value_type)))
    return type_


def _nulls_pushed_down(array: pa.Array) -> pa.Array:
    """Make children null wherever their struct is null.

    Building from Python fills the children of a null struct with ``""``; the cast to timestamp
    would then try to parse those, so they must be null first.
    """
    if pa.types.is_struct(array.type):
        children = [_nulls_pushed_down(child) for child in array.flatten()]  # flatten applies nulls
        mask = array.is_null() if array.null_count else None
        return pa.StructArray.from_arrays(children, fields=list(array.type), mask=mask)
    if pa.types.is_list(array.type):
        mask = array.is_null() if array.null_count else None
        values = _nulls_pushed_down(array.values)
        return pa.ListArray.from_arrays(array.offsets, values, type=array.type, mask=mask)
    return array


def _conversion_error(
    dataset: Dataset, column: pa.Field, values: list[Any], error: Exception
) -> RowConversionError:
    """Find the row and nested field Arrow failed on; Arrow's own message names neither and
    quotes the value, so it is not passed on."""
    for index, value in enumerate(values):
        bad = _first_unconvertible(value, column.type, column.name)
        if bad:
            return _bad_value_error(dataset, index, bad)
    return RowConversionError(
        f"{dataset.name}: column {column.name!r}: Arrow could not convert these {len(values)} "
        f"rows to {expected_type(column.type)} together ({type(error).__name__}), though each "
        f"value converts alone",
        column=column.name,
        expected=expected_type(column.type),
    )


def _first_unconvertible(value: object, type_: pa.DataType, path: str) -> _BadValue | None:
    if value is None:
        return None
    if pa.types.is_struct(type_):
        if not isinstance(value, Mapping):
            return _BadValue(path, described(value))
        for child in type_:
            bad = _first_unconvertible(value.get(child.name), child.type, f"{path}.{child.name}")
            if bad:
                return bad
        return None
    if pa.types.is_list(type_):
        if not isinstance(value, list):
            return _BadValue(path, described(value))
        for position, item in enumerate(value):
            bad = _first_unconvertible(item, type_.value_type, f"{path}[{position}]")
            if bad:
                return bad
        return None
    try:
        _to_arrow([value], type_)
    except _CONVERSION_ERRORS:
        return _BadValue(path, described(value), _why_it_does_not_fit(value, type_))
    return None


def _why_it_does_not_fit(value: object, type_: pa.DataType) -> str | None:
    """For a value of the kind the type expects, what is still wrong; ``None`` when the
    kind alone says it (a string for a boolean)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)) and pa.types.is_integer(type_):
        whole = isinstance(value, int) or value.is_integer()
        return f"outside the {type_} range" if whole else "not a whole number"
    if isinstance(value, (int, float)) and pa.types.is_floating(type_):
        return _why_not_a_float(value, type_)
    if isinstance(value, str) and pa.types.is_timestamp(type_):
        return _TIMESTAMP_FORM
    if isinstance(value, str) and pa.types.is_string(type_):
        return "not encodable as UTF-8"
    return None


def _why_not_a_float(value: int | float, type_: pa.DataType) -> str:
    """Arrow takes an integer as a float only if the float holds it exactly: for a double, every
    integer up to 2**53 and ever fewer beyond (2**53 + 1 is not one), though far from its range.

    >>> _why_not_a_float(2**53 + 1, pa.float64()), _why_not_a_float(10**400, pa.float64())
    ('cannot be held exactly by a double', 'outside the double range')
    """
    if isinstance(value, int) and abs(value) <= _LARGEST_DOUBLE:
        return f"cannot be held exactly by a {type_}"
    return f"outside the {type_} range"


def _bad_value_error(dataset: Dataset, index: int, bad: _BadValue) -> RowConversionError:
    expected = expected_type(_type_at(dataset, bad.path))
    reason = f" ({bad.reason})" if bad.reason else ""
    return RowConversionError(
        f"{dataset.name}: row {index}, column {bad.path!r}: expected {expected}, "
        f"got {bad.arrived}{reason}",
        row=index,
        column=bad.path,
        expected=expected,
    )


def _type_at(dataset: Dataset, path: str) -> pa.DataType:
    """The Arrow type at a path such as ``toRecipients[0].emailAddress.name``."""
    top, *steps = re.findall(r"[^.\[\]]+|\[\d+\]", path)
    type_ = dataset.column(top).type
    for step in steps:
        type_ = type_.value_type if step.startswith("[") else type_.field(step).type
    return type_
