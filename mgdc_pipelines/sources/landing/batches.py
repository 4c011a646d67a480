"""Placed rows → record batches of the request's schema; rows that do not convert are set aside.

A chunk converts in one :func:`~mgdc_pipelines.catalog.rows_to_batch` call. When that fails,
the chunk is halved until each bad row stands alone, so a chunk with k bad rows costs about
k·log2(chunk) extra conversions, never one per row, and every good row still arrives.
Keys the catalog does not know are dropped and counted (``unknown="ignore"``), not fatal.
A rejected row's error names its line, column and the type expected, never the value.

>>> import json
>>> from pathlib import Path
>>> from mgdc_pipelines.catalog import get_dataset
>>> from mgdc_pipelines.sources.landing.reader import DeliveredRow, LineRef, RawLine
>>> def delivered(line, values):
...     raw = RawLine(LineRef(Path("part.json"), line, 0), json.dumps(values).encode())
...     return DeliveredRow(raw, values)
>>> rows = [delivered(line, {"id": value, "extra": 1})
...         for line, value in ((1, "m1"), (2, 42), (3, "m3"))]
>>> results = list(convert_rows(get_dataset("Message_v1"), rows, ["id"]))
>>> [r.batch.num_rows if isinstance(r, ConversionResult) else r.error for r in results]
[1, "BasicDataSet_v0.Message_v1: line 2, column 'id': expected string, got a JSON number", 1]
>>> [(r.column, r.expected) for r in results if isinstance(r, Rejected)]
[('id', 'string')]
>>> sum((r.unknown_keys for r in results if isinstance(r, ConversionResult)), start=Counter())
Counter({'extra': 2})
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

import pyarrow as pa

from mgdc_pipelines.catalog import ConversionResult, Dataset, RowConversionError, rows_to_batch
from mgdc_pipelines.sources.landing.reader import DeliveredRow

# What a value that does not fit its column can raise (the set rows_to_batch itself handles).
_CONVERSION_ERRORS = (ValueError, TypeError, OverflowError, pa.ArrowException)

__all__ = ["ConversionResult", "Rejected", "convert_rows"]


@dataclass(frozen=True)
class Rejected:
    """A row that does not convert, and why: the message names its line (not a chunk index);
    ``column`` and ``expected`` the value's path and type where a value is the problem."""

    row: DeliveredRow
    error: str
    column: str | None = None
    expected: str | None = None


def convert_rows(
    dataset: Dataset, rows: Sequence[DeliveredRow], columns: Iterable[str]
) -> Iterator[ConversionResult | Rejected]:
    """Batches of the convertible rows, in delivery order, and each row that does not convert:
    each batch holds the rows after those of the outcomes before it."""
    columns = tuple(columns)
    try:
        result = rows_to_batch(dataset, [row.values for row in rows], columns, unknown="ignore")
    except _CONVERSION_ERRORS as error:
        failure = error
    else:
        yield result
        return
    if len(rows) == 1:
        yield _rejected(failure, rows[0])
        return
    middle = len(rows) // 2
    yield from convert_rows(dataset, rows[:middle], columns)
    yield from convert_rows(dataset, rows[middle:], columns)


def _rejected(error: Exception, row: DeliveredRow) -> Rejected:
    """The error of a one-row conversion, saying "line 7" (or "line 7, object 2") where
    rows_to_batch says "row 0"."""
    if not isinstance(error, RowConversionError):
        # Only RowConversionError is worded without values; anything else may quote one.
        reason = f"the line does not convert to the dataset's schema ({type(error).__name__})"
        return Rejected(row, reason)
    message = str(error)
    if error.row == 0:
        message = re.sub(r"\brow 0\b", row.where.label, message, count=1)
    return Rejected(row, message, error.column, error.expected)
