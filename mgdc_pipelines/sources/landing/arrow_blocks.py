"""Blocks of delivered lines parsed at once by Arrow's JSON reader, where that changes nothing.

The line-by-line path (``reader`` → ``placement`` → ``batches``) is exact about every line but
costs Python work per row. Most deliveries are clean, so each block of lines is first handed to
``pyarrow.json`` with the dataset's full schema (timestamps as text, unknown keys an error). Its
result is used only where it cannot differ from what the line-by-line path would give:

* each line holds whole objects: every line starts with ``{`` and ends with ``}`` (so no blank
  lines, and no object spans two lines) and Arrow read at least as many rows as there are
  lines (more where objects run together on a line, ``}{``, which Arrow reads as the
  line-by-line path cuts them: ``objects.py``);
* Arrow raised nothing: no unknown key at any depth, no repeated key, no value of another kind;
* the block is valid UTF-8 (Arrow's reader does not check it), no float is NaN or infinite
  (Python's reader refuses those), no selected float is 2**53 or more (Arrow reads 2**53 + 1
  as 2**53 without a word; Python's conversion refuses an integer a double cannot hold
  exactly, so such a block is left to it);
* every selected timestamp casts, and every row date has the one strict ISO-8601 form
  (``2026-11-20T09:30:00Z``, ``...00.123+01:00``, years 0001 to 9999) that Python's
  ``fromisoformat`` and Arrow read alike.

Most of Arrow's work would go to columns no copy reads (Message_v1's bodies and internet
message headers), so where the native checker of ``json_projection`` accepts every line of a
block (every key known, at every depth, once; every value of its field's kind), Arrow parses only
the columns read here, from a copy of the block holding only their keys: the checker proves of
the rest what the full parse would, and the conditions below hold the same. Where it does not
accept a line, the block is parsed in full.

Otherwise :meth:`BlockParser.parse` returns ``None`` and the caller reads the block line by
line, which quarantines bad lines with their numbers. This path is a shortcut only: same rows,
same counts, same errors. It raises nothing of its own: Arrow's error text quotes the values it
choked on, so any Arrow error only sends the block down the line-by-line path, whose messages
name lines, columns and types instead.

>>> import datetime as dt, io
>>> from mgdc_pipelines.catalog import get_dataset
>>> from mgdc_pipelines.sources import ExtractRequest, Scope, TimeWindow
>>> from mgdc_pipelines.sources.landing.reader import line_blocks
>>> request = ExtractRequest(get_dataset("Message_v1"), ("subject",), "receivedDateTime",
...     TimeWindow.for_day(dt.date(2026, 11, 20)), Scope.everyone(), "tenant-1")
>>> parser = BlockParser(request)
>>> good = b'{"subject": "Hi", "receivedDateTime": "2026-11-20T09:00:00Z"}\\n'
>>> [block] = line_blocks(io.BytesIO(good * 2).readinto, "part.json", max_lines=10)
>>> parsed = parser.parse(block)
>>> parsed.batch.num_rows, parsed.batch.column("subject").to_pylist()
(2, ['Hi', 'Hi'])
>>> [bad] = line_blocks(io.BytesIO(good + b'{"subject": 1}\\n').readinto, "part.json", max_lines=10)
>>> parser.parse(bad) is None  # read line by line instead, where line 2 is quarantined
True
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pa_json

from mgdc_pipelines.catalog.json_rows import from_text_timestamps, text_timestamps_schema
from mgdc_pipelines.sources.base import ExtractRequest
from mgdc_pipelines.sources.landing.json_projection import BlockProjection
from mgdc_pipelines.sources.landing.placement import MESSAGE_ID_COLUMN, row_date_column
from mgdc_pipelines.sources.landing.reader import LineBlock

# The row-date form both readers agree on (Python's fromisoformat, Arrow's cast); other forms,
# even valid ones, take the line-by-line path. Year 0000 is left out: Arrow casts it, Python's
# datetime starts at year 1 (RE2 has no lookahead, so the year is spelled out).
_YEAR_1_TO_9999 = r"(?:[1-9]\d{3}|0[1-9]\d{2}|00[1-9]\d|000[1-9])"
_ROW_DATE = (
    rf"^{_YEAR_1_TO_9999}-\d{{2}}-\d{{2}}T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{{1,6}})?"
    r"(Z|[+-]([01]\d|2[0-3]):[0-5]\d)$"
)
_EXACT_INTEGERS_IN_DOUBLE = 2.0**53
# Arrow parses a block in pieces of ``block_size`` bytes, one task each: one piece per thread of
# its CPU pool, within these bounds. On one core, Message_v1's 8 MiB blocks took about 8 % less
# of the source's CPU in 2 or 4 MiB pieces than in 1 MiB ones (each piece sets up builders for
# the whole schema), and 3 to 10 % more again as one 8 MiB piece (under the copy's jemalloc pool).
_MIN_PARSE_PIECE_BYTES = 1 << 20
_MAX_PARSE_PIECE_BYTES = 4 << 20
_ARROW_ERRORS = (pa.ArrowException, ValueError, TypeError, OverflowError)
_OPEN, _CLOSE, _LINE_BREAK, _CARRIAGE_RETURN = b"{}\n\r"


@dataclass(frozen=True)
class ParsedBlock:
    """A block's rows in the request's schema, with what places them in the partition."""

    batch: pa.RecordBatch
    dates: pa.Array | None  # the row dates as UTC timestamps (no nulls); None: no date column
    message_ids: pa.Array | None  # the internetMessageId of each row, if the dataset has one


class BlockParser:
    """Parses blocks of one request's delivery with Arrow; see the module docstring.
    ``project=False`` parses every block in full (what the projection is measured and tested
    against)."""

    def __init__(self, request: ExtractRequest, *, project: bool = True) -> None:
        dataset = request.dataset
        self._read_schema = text_timestamps_schema(dataset.output_schema(dataset.column_names))
        self._output_schema = request.output_schema
        self._date_column = row_date_column(request)
        self._message_id_column = (
            MESSAGE_ID_COLUMN if MESSAGE_ID_COLUMN in dataset.column_names else None
        )
        self._parse_options = pa_json.ParseOptions(
            explicit_schema=self._read_schema, unexpected_field_behavior="error"
        )
        self._float_columns = [f.name for f in self._read_schema if _has_floats(f.type)]
        # What parse() reads of a table: the rest is checked by the projection, not parsed.
        read = {*self._output_schema.names, *self._float_columns}
        read.update(name for name in (self._date_column, self._message_id_column) if name)
        self._projection = BlockProjection.of(self._read_schema, read) if project else None
        self._projected_options = pa_json.ParseOptions(
            explicit_schema=pa.schema([f for f in self._read_schema if f.name in read]),
            unexpected_field_behavior="error",
        )

    def parse(self, block: LineBlock) -> ParsedBlock | None:
        """The block's rows, or ``None`` if any line needs the line-by-line path."""
        if block.too_long is not None or not _lines_of_whole_objects(block):
            return None
        table = self._read(block)
        if table is None or table.num_rows < block.lines:
            return None
        if not _is_utf8(block.view) or not self._floats_agree(table):
            return None
        try:
            dates = self._row_dates(table)
            columns = [
                from_text_timestamps(table.column(field.name).combine_chunks(), field.type)
                for field in self._output_schema
            ]
        except _ARROW_ERRORS:
            return None
        ids = self._message_id_column
        return ParsedBlock(
            pa.RecordBatch.from_arrays(columns, schema=self._output_schema),
            dates,
            table.column(ids).combine_chunks() if ids else None,
        )

    def _read(self, block: LineBlock) -> pa.Table | None:
        """The block's table: its projection's, parsed with the columns parse() reads, where
        the projection accepts every line (json_projection.py); else the full parse's."""
        if self._projection is not None:
            projected = self._projection.project(block.view)
            if projected is not None and projected[1] == block.lines:
                table = _parse_json(projected[0], self._projected_options)
                if table is not None:
                    return table
        return _parse_json(block.view, self._parse_options)

    def _floats_agree(self, table: pa.Table) -> bool:
        """What Arrow reads but Python's reader would refuse: NaN, infinity and (in selected
        columns) floats a double does not hold exactly."""
        selected = set(self._output_schema.names)
        for name in self._float_columns:
            for values in _float_leaves(table.column(name)):
                if pc.any(pc.invert(pc.is_finite(values))).as_py():
                    return False
                # 2**53 itself too: it is also what Arrow makes of 2**53 + 1.
                if name in selected and pc.any(
                    pc.greater_equal(pc.abs(values), _EXACT_INTEGERS_IN_DOUBLE)
                ).as_py():
                    return False
        return True

    def _row_dates(self, table: pa.Table) -> pa.Array | None:
        if self._date_column is None:
            return None
        text = table.column(self._date_column).combine_chunks()
        if text.null_count or not pc.all(pc.match_substring_regex(text, _ROW_DATE)).as_py():
            raise ValueError("a row date the line-by-line path must look at")
        return text.cast(pa.timestamp("us", tz="UTC"))


def _parse_json(data: bytes | memoryview, options: pa_json.ParseOptions) -> pa.Table | None:
    """``data`` read by Arrow's JSON reader; None on any error (never raised on: Arrow's text
    may quote values)."""
    # Arrow cuts its input into pieces of block_size bytes on line ends: a line longer than a
    # piece needs the whole block as one piece.
    whole = len(data) + 1
    for block_size in (parse_piece_bytes(whole), whole):
        read_options = pa_json.ReadOptions(use_threads=True, block_size=block_size)
        try:
            return pa_json.read_json(
                pa.BufferReader(pa.py_buffer(data)),
                read_options=read_options,
                parse_options=options,
            )
        except _ARROW_ERRORS as error:
            if "straddl" not in str(error) or block_size >= whole:
                return None
    return None


def parse_piece_bytes(block_bytes: int, threads: int | None = None) -> int:
    """The ``block_size`` Arrow parses ``block_bytes`` in: one piece per thread of its CPU pool
    (``threads``, by default ``pa.cpu_count()``), between 1 and 4 MiB.

    >>> [parse_piece_bytes(8 << 20, threads=n) >> 20 for n in (1, 2, 4, 16)]
    [4, 4, 2, 1]
    """
    threads = max(1, pa.cpu_count() if threads is None else threads)
    piece = -(-block_bytes // threads)
    return min(_MAX_PARSE_PIECE_BYTES, max(_MIN_PARSE_PIECE_BYTES, piece))


def _lines_of_whole_objects(block: LineBlock) -> bool:
    """Every line starts with ``{`` and ends with ``}`` (before ``\\n`` or ``\\r\\n``); the
    objects between (one, or several run together) are Arrow's to read.

    A raw line break cannot occur inside a JSON string, so every ``\\n`` ends a line.
    """
    data = np.frombuffer(block.buffer, np.uint8, count=block.end)
    start, end, breaks = block.start, block.end, block.breaks
    if data[start] != _OPEN or (data[end - 1] != _CLOSE and data[end - 1] != _LINE_BREAK):
        return False
    before = data[breaks - 1]
    # The "}" of a CRLF line is two bytes before its "\n" (and inside the block: "{\r\n" is no
    # object).
    before_crlf = breaks[before == _CARRIAGE_RETURN] - 2
    after = breaks[breaks + 1 < end] + 1
    return bool(
        np.all((before == _CLOSE) | (before == _CARRIAGE_RETURN))
        and np.all(before_crlf >= start)
        and np.all(data[before_crlf] == _CLOSE)
        and np.all(data[after] == _OPEN)
    )


def _is_utf8(text: memoryview) -> bool:
    """Whether ``text`` is valid UTF-8, checked by Arrow's validation of one string over it (no
    copy). Outside strings JSON is ASCII, and Arrow's reader turns escapes into valid UTF-8 (it
    refuses lone surrogates), so this holds exactly when every key and string read does.

    >>> _is_utf8(memoryview(b'{"a": "caf\\xc3\\xa9"}')), _is_utf8(memoryview(b'{"a": "caf\\xe9"}'))
    (True, False)
    """
    offsets = pa.array([0, len(text)], pa.int64()).buffers()[1]
    whole = pa.Array.from_buffers(pa.large_string(), 1, [None, offsets, pa.py_buffer(text)])
    try:
        whole.validate(full=True)
    except pa.ArrowInvalid:
        return False
    return True


def _has_floats(arrow_type: pa.DataType) -> bool:
    if pa.types.is_floating(arrow_type):
        return True
    if pa.types.is_struct(arrow_type):
        return any(_has_floats(field.type) for field in arrow_type)
    if pa.types.is_list(arrow_type) or pa.types.is_large_list(arrow_type):
        return _has_floats(arrow_type.value_type)
    return False


def _float_leaves(values: pa.ChunkedArray | pa.Array) -> list[pa.Array]:
    """Every float array inside ``values``, at any depth."""
    if isinstance(values, pa.ChunkedArray):
        return [leaf for chunk in values.chunks for leaf in _float_leaves(chunk)]
    if pa.types.is_floating(values.type):
        return [values]
    if pa.types.is_struct(values.type):
        return [leaf for child in values.flatten() for leaf in _float_leaves(child)]
    if pa.types.is_list(values.type) or pa.types.is_large_list(values.type):
        return _float_leaves(values.flatten())
    return []
