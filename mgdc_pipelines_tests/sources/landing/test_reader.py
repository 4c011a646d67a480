"""Where each delivered line lies in its file (byte offsets, whatever the buffers and chunks), and
reader errors that say where a line is broken without showing it (``reader.py``)."""

from __future__ import annotations

import hashlib
import io
import random

import pytest

from mgdc_pipelines.sources.landing.reader import (
    UTF8_BOM,
    MalformedLineError,
    RawLine,
    chunk_blocks,
    line_blocks,
    lines_of_chunks,
    parse_row,
)

LINES = [
    b'{"id": "m1"}\n',
    b"\n",
    b'{"id": "m2", "subject": "' + b"long " * 40 + b'"}\r\n',
    b'{"id": "caf\xc3\xa9"}\n',
    b"[1, 2]\r\n",
    b'{"id": "last, without a line end"}',
]


def delivery(*, bom: bool) -> bytes:
    return (UTF8_BOM if bom else b"") + b"".join(LINES)


def lines_of_blocks(blocks) -> list[RawLine]:
    return [line for block in blocks for line in block.raw_lines()]


def assert_each_line_is_where_it_says(lines: list[RawLine], data: bytes) -> None:
    assert [line.where.line for line in lines] == list(range(1, len(LINES) + 1))
    assert [line.data for line in lines] == LINES
    for line in lines:
        assert data[line.where.offset : line.where.offset + len(line.data)] == line.data


@pytest.mark.parametrize("bom", [False, True])
@pytest.mark.parametrize("block_bytes", [7, 16, 64, 1 << 20])  # small: lines straddle reads
@pytest.mark.parametrize("max_lines", [1, 2, 100])
def test_every_line_knows_its_byte_offset_in_the_file(bom, block_bytes, max_lines):
    data = delivery(bom=bom)
    blocks = line_blocks(io.BytesIO(data).readinto, "part.json", max_lines=max_lines, block_bytes=block_bytes)
    assert_each_line_is_where_it_says(lines_of_blocks(blocks), data)


def test_the_byte_order_mark_counts_in_the_offset_but_is_not_part_of_the_line():
    data = delivery(bom=True)
    [first, *_] = lines_of_blocks(line_blocks(io.BytesIO(data).readinto, "part.json", max_lines=10))
    assert first.where.offset == 3 and first.data == LINES[0]


@pytest.mark.parametrize("seed", range(20))
def test_lines_split_across_azure_chunks_keep_their_offsets(seed):
    data = delivery(bom=seed % 2 == 0)
    rng = random.Random(seed)
    cuts = sorted(rng.sample(range(1, len(data)), 12))  # cuts may fall inside the BOM or a CRLF
    chunks = [data[start:end] for start, end in zip([0, *cuts], [*cuts, len(data)])]
    assert_each_line_is_where_it_says(list(lines_of_chunks(chunks, "c/part.json")), data)
    blocks = chunk_blocks(chunks, "c/part.json", max_lines=2)
    assert_each_line_is_where_it_says(lines_of_blocks(blocks), data)


def test_the_hash_names_the_line_as_delivered_without_its_line_ending():
    lines = list(lines_of_chunks([delivery(bom=True)], "c/part.json"))
    assert lines[2].content == LINES[2][:-2]  # CRLF
    assert lines[0].content == LINES[0][:-1]  # LF
    assert lines[-1].content == LINES[-1]  # none at the end of the file
    assert lines[2].sha256() == hashlib.sha256(LINES[2][:-2]).hexdigest()
    assert RawLine(lines[0].where, b"x\r").content == b"x\r"  # a lone CR is content


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (b'{"id": "felix.baker@contoso.example\xff"}\n', "invalid UTF-8 at byte 36 of the line"),
        (b'{"id": "felix.baker@contoso.example" oops}\n', "not valid JSON: Expecting ',' delimiter at column 38"),
        (b'{"id": "felix\\q"}\n', "not valid JSON: Invalid \\escape at column 14"),
        (b'{"felix.baker@contoso.example": 1, "felix.baker@contoso.example": 2}',
         "not valid JSON: duplicate key <a key of 27 characters, not a property name> in an object"),
        (b'"felix.baker@contoso.example"', "a JSON string, not an object (MGDC writes one JSON object per line)"),
    ],
)
def test_malformed_lines_are_located_never_quoted(line, message):
    with pytest.raises(MalformedLineError) as raised:
        parse_row(line)
    assert str(raised.value) == message
    assert "felix" not in str(raised.value) and raised.value.__cause__ is None
