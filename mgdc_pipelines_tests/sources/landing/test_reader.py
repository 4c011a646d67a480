"""Where each delivered line lies in its file (byte offsets, whatever the buffers and chunks), and
reader errors that say where a line is broken without showing it (``reader.py``)."""

from __future__ import annotations

import gc
import hashlib
import io
import random
import tracemalloc

import pytest

from mgdc_pipelines.sources.landing.encoding import UnsupportedEncodingError
from mgdc_pipelines.sources.landing.reader import (
    MAX_NESTING,
    UTF8_BOM,
    MalformedLineError,
    NotJsonLinesError,
    RawLine,
    TooLongLine,
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
        # Deeper than Python's parser could go: refused before it recurses, naming where.
        (b'{"id": "felix", "x": ' + b"[" * 1000 + b"]" * 1000 + b"}",
         "nested too deeply: more than 256 levels of objects and arrays at column 277"),
    ],
)
def test_malformed_lines_are_located_never_quoted(line, message):
    with pytest.raises(MalformedLineError) as raised:
        parse_row(line)
    assert str(raised.value) == message
    assert "felix" not in str(raised.value) and raised.value.__cause__ is None


# UTF-16: a character beyond the BMP (a surrogate pair), CRLF line ends, a blank line.
UTF16_LINES = ['{"id": "m1", "subject": "caf\u00e9 \U0001F600"}\r\n', "\r\n", '{"id": "m2"}\r\n', '{"id": "m3"}']


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
@pytest.mark.parametrize("seed", range(12))
def test_utf16_is_read_as_utf8_lines_whatever_the_chunks_cut(codec, seed):
    data = "\ufeff".encode(codec) + "".join(UTF16_LINES).encode(codec)
    rng = random.Random(seed)
    # Odd cuts split code units, and some fall between the CR and the LF or inside the pair.
    cuts = sorted(rng.sample(range(1, len(data)), 15))
    chunks = [data[start:end] for start, end in zip([0, *cuts], [*cuts, len(data)])]
    for lines in (list(lines_of_chunks(chunks, "c/inbox.json")),
                  lines_of_blocks(chunk_blocks(chunks, "c/inbox.json", max_lines=1))):
        assert [line.data for line in lines] == [text.encode() for text in UTF16_LINES]
        assert [line.where.line for line in lines] == [1, 2, 3, 4]
        for line, text in zip(lines, UTF16_LINES, strict=True):  # offsets and hashes: the file's
            delivered = text.encode(codec)
            assert data[line.where.offset : line.where.offset + len(delivered)] == delivered
            assert line.sha256() == hashlib.sha256(text.rstrip("\r\n").encode(codec)).hexdigest()


@pytest.mark.parametrize("block_bytes", [5, 16, 1 << 20])  # small: the buffer is refilled mid-line
def test_utf16_offsets_stay_right_across_buffer_refills(block_bytes):
    texts = UTF16_LINES[:-1] * 3 + UTF16_LINES[-1:]
    data = "\ufeff".encode("utf-16-le") + "".join(texts).encode("utf-16-le")
    blocks = line_blocks(io.BytesIO(data).readinto, "inbox.json", max_lines=2, block_bytes=block_bytes)
    lines = lines_of_blocks(blocks)
    assert [line.data.decode() for line in lines] == texts
    for line in lines:
        delivered = line.data.decode().encode("utf-16-le")
        assert data[line.where.offset : line.where.offset + len(delivered)] == delivered


def test_a_lone_surrogate_or_a_truncated_end_in_utf16_is_a_malformed_line_not_a_failed_file():
    data = "\ufeff".encode("utf-16-le") + '{"id": "a'.encode("utf-16-le") + b"\x00\xd8" + '"}\n{"id": "b"}'.encode("utf-16-le") + b"x"
    first, last = lines_of_chunks([data], "c/inbox.json")
    with pytest.raises(MalformedLineError, match="invalid UTF-8"):
        parse_row(first.data)
    assert first.sha256() == hashlib.sha256(data[2 : data.index("\n".encode("utf-16-le"))]).hexdigest()
    with pytest.raises(MalformedLineError, match="invalid UTF-8"):
        parse_row(last.data)


@pytest.mark.parametrize(
    ("head", "what"),
    [
        (b"\xff\xfe\x00\x00{\x00\x00\x00", "UTF-32 LE (byte-order mark ff fe 00 00)"),
        (b"\x00\x00\xfe\xff\x00\x00\x00{", "UTF-32 BE (byte-order mark 00 00 fe ff)"),
        ('{"id": 1}'.encode("utf-16-le"), "UTF-16 without a byte-order mark"),
        ('{"id": 1}'.encode("utf-16-be"), "UTF-16 without a byte-order mark"),
    ],
)
def test_a_file_in_an_encoding_the_reader_cannot_read_fails_naming_it_and_what_is_allowed(head, what):
    with pytest.raises(UnsupportedEncodingError) as raised:
        list(lines_of_chunks([head], "c/part-0001.json"))
    assert str(raised.value).startswith(f"c/part-0001.json: {what}")
    assert str(raised.value).endswith(
        "a delivery file must be UTF-8 (with or without a byte-order mark) or UTF-16 LE/BE with a byte-order mark"
    )


def test_nesting_up_to_the_limit_is_read_and_brackets_in_strings_do_not_count():
    deepest = b'{"x": ' + b"[" * (MAX_NESTING - 1) + b"]" * (MAX_NESTING - 1) + b"}"
    assert len(str(parse_row(deepest))) > MAX_NESTING
    brackets_in_a_string = b'{"x": "' + b"[{" * 1000 + b'", "y": [[1]]}'
    assert parse_row(brackets_in_a_string)["y"] == [[1]]


@pytest.mark.parametrize("line", [b"\n", b"{}\n", b'{"id": "m1"}\r\n'])
def test_finding_the_lines_of_a_buffer_takes_memory_of_the_buffer_not_per_line(line):
    # A buffer of a million blank lines: a Python int per line (~40 bytes) would take 40 MiB.
    block_bytes = 1 << 20
    data = line * (4 * block_bytes // len(line))
    gc.collect()
    tracemalloc.start()
    try:
        blocks = line_blocks(io.BytesIO(data).readinto, "f", max_lines=4096, block_bytes=block_bytes)
        lines = sum(block.lines for block in blocks)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert lines == len(data) // len(line)
    assert peak < 12 * block_bytes, peak  # the buffer, a byte and 8 bytes (at most) per line


LONG = b'{"id": "m2", "subject": "' + b"x" * 300 + b'"}'


@pytest.mark.parametrize("line_end", [b"\n", b"\r\n", b""])
@pytest.mark.parametrize("block_bytes", [16, 64])  # 16: reads end inside a CRLF, too
def test_a_line_longer_than_the_limit_streams_past_with_its_place_and_hash(line_end, block_bytes):
    data = b'{"id": "m1"}\n' + LONG + line_end + (b'{"id": "m3"}\n' if line_end else b"")
    read_into = io.BytesIO(data).readinto
    blocks = line_blocks(read_into, "f", max_lines=5, block_bytes=block_bytes, max_line_bytes=128)
    buffers, lines = set(), []
    for block in blocks:  # a block is valid until the next is read
        buffers.add(len(block.buffer))
        lines.extend(block.raw_lines())
    assert max(buffers) <= 128  # the buffer never holds the line
    [too_long] = [line for line in lines if isinstance(line, TooLongLine)]
    assert (too_long.where.line, too_long.where.offset) == (2, 13)
    assert too_long.length == len(LONG + line_end) and too_long.data == b""
    assert too_long.sha256() == hashlib.sha256(LONG).hexdigest()
    assert [line.data for line in lines if line is not too_long] == [b'{"id": "m1"}\n'] + (
        [b'{"id": "m3"}\n'] if line_end else []
    )
    if line_end:
        assert lines[-1].where == type(lines[-1].where)("f", 3, 13 + len(LONG + line_end))


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_a_line_too_long_in_utf16_is_hashed_and_measured_as_delivered(codec):
    long_text = '{"subject": "' + "é\U0001F600" * 100 + '"}'
    text = '{"id": 1}\r\n' + long_text + '\r\n{"id": 3}'
    data = "\ufeff".encode(codec) + text.encode(codec)
    lines = lines_of_blocks(line_blocks(
        io.BytesIO(data).readinto, "inbox.json", max_lines=9, block_bytes=32, max_line_bytes=64
    ))
    assert [type(line).__name__ for line in lines] == ["RawLine", "TooLongLine", "RawLine"]
    delivered = long_text.encode(codec)
    assert lines[1].sha256() == hashlib.sha256(delivered).hexdigest()
    assert lines[1].where.offset == 2 + len('{"id": 1}\r\n'.encode(codec))
    assert lines[2].where.offset == data.index('{"id": 3}'.encode(codec))


ONE_LINE_ARRAY = b'[{"id": "m1"}, {"id": "m2"}]'
PRETTY_ARRAY_AFTER_BLANK_LINES = b'\n  \r\n[\n  {"id": "m1"},\n  {"id": "m2"}\n]\n'


@pytest.mark.parametrize("data", [ONE_LINE_ARRAY, PRETTY_ARRAY_AFTER_BLANK_LINES, UTF8_BOM + b"[]"])
def test_a_file_that_is_one_json_array_is_refused_naming_it(data):
    with pytest.raises(NotJsonLinesError) as raised:
        list(lines_of_chunks([data], "c/part-0001.json"))
    assert str(raised.value).startswith("c/part-0001.json: a JSON array (its first character is")
    assert "MGDC delivers JSON lines, one object per line" in str(raised.value)


def test_a_json_array_is_refused_after_one_buffer_whatever_its_size():
    data = b"[" + b",".join([b'{"id": "m1", "subject": "' + b"x" * 100 + b'"}'] * 10_000) + b"]"
    stream = io.BytesIO(data)
    with pytest.raises(NotJsonLinesError):
        list(line_blocks(stream.readinto, "part.json", max_lines=10, block_bytes=4096))
    assert stream.tell() <= 4096 + 4  # the first buffer (and the bytes that told the encoding)
