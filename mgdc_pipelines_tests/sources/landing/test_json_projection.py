"""The native checker behind the projected parse (``json_projection.py``) accepts only what the
full-schema parse accepts, and a block parsed through it gives exactly the full parse's rows."""

from __future__ import annotations

import io
import json
import random

import pyarrow as pa
import pytest

from mgdc_pipelines.sources.landing import json_projection
from mgdc_pipelines.sources.landing.arrow_blocks import BlockParser
from mgdc_pipelines.sources.landing.json_projection import BlockProjection
from mgdc_pipelines.sources.landing.reader import line_blocks
from mgdc_pipelines_tests.sources.landing.helpers import message, request

# Read: these, the row date and the message id; every other column is only checked.
COLUMNS = ("id", "subject", "receivedDateTime", "sender")


def rich_message(number: int, **extra: object) -> dict:
    """A Message_v1 row with a value in every kind of column no copy of COLUMNS reads."""
    address = {"emailAddress": {"name": f"Person {number}", "address": f"p{number}@contoso.com"}}
    values = dict(
        sender=address,
        toRecipients=[address, address],
        body={"contentType": "html", "content": '<p>Hello "there" \u00e9\u4e2d</p>' * 20},
        internetMessageHeaders=[{"name": "X-Mailer", "value": "x"},
                                {"name": "Received", "value": "y"}],
        attachments=[{"id": "a1", "size": -12345678901, "isInline": True, "contentBytes": None}],
        flag={"flagStatus": "notFlagged", "dueDateTime": {"dateTime": "2026-11-21T00:00:00",
                                                          "timeZone": "UTC"}},
        categories=["Blue", "Red"],
        isDraft=False,
        datarow=number,
        rowinformation={"errorInformation": None, "userReturnedNoData": False},
    )
    return message(number, **{**values, **extra})


def line(number: int = 1, **extra: object) -> bytes:
    return json.dumps(rich_message(number, **extra), ensure_ascii=False).encode() + b"\n"


def edited(old: bytes, new: bytes, number: int = 1) -> bytes:
    text = line(number)
    assert old in text
    return text.replace(old, new, 1)


# Each case: a line (after clean ones), and whether the checker accepts it. Those it does not
# accept are parsed in full: what matters is that both parsers then agree.
CASES = {
    "a clean line": (line(), True),
    "white space between every token": (
        line().replace(b'": ', b'"\t:  ').replace(b", ", b" ,\t "), True),
    "null for a struct, a list and an integer not read": (
        line(body=None, internetMessageHeaders=None, datarow=None), True),
    "crlf": (line().replace(b"\n", b"\r\n"), True),
    "escapes in a string not read": (edited(b"X-Mailer", b"X-\\n\\t\\/\\u00e9\\\\"), True),
    "an empty object": (b"{}\n", True),
    "an unknown key in a column not read": (line(body={"content": "x", "extra": 1}), False),
    "an unknown top-level key": (line(sendr="x"), False),
    "a repeated key in a column not read": (
        edited(b'"contentType": "html"', b'"contentType": "html", "contentType": "text"'), False),
    "a repeated top-level key": (
        edited(b'"isDraft": false', b'"isDraft": false, "isDraft": true'), False),
    "a number for a string not read": (line(body={"content": 5}), False),
    "a string for an integer not read": (line(datarow="7"), False),
    "a fraction for an integer not read": (line(datarow=7.5), False),
    "an exponent for an integer not read": (edited(b'"datarow": 1', b'"datarow": 1e2'), False),
    "an integer beyond int64 not read": (line(datarow=2**70), False),
    "a leading zero": (edited(b'"datarow": 1', b'"datarow": 01'), False),
    "an object for a list not read": (line(internetMessageHeaders={}), False),
    "an array for a struct not read": (line(flag=[]), False),
    "a string for a bool not read": (line(isDraft="true"), False),
    "NaN not read": (edited(b'"datarow": 1', b'"datarow": NaN'), False),
    "Infinity not read": (edited(b'"datarow": 1', b'"datarow": -Infinity'), False),
    "an escaped key": (edited(b'"body"', b'"bod\\u0079"'), False),
    "a surrogate pair not read": (edited(b"X-Mailer", b"X-\\ud83d\\ude00"), False),
    "a lone surrogate not read": (edited(b"X-Mailer", b"X-\\ud800"), False),
    "a control character in a string not read": (edited(b"X-Mailer", b"X-\x01Mailer"), False),
    "a bad escape in a string not read": (edited(b"X-Mailer", b"X-\\qMailer"), False),
    "an unclosed string": (line().rstrip(b"}\n") + b', "webLink": "x}\n', False),
    "something after the object": (line().rstrip(b"\n") + b" x\n", False),
    "two objects on one line": (line(1).rstrip(b"\n") + line(2), False),
    "a trailing comma": (edited(b'"isDraft": false', b'"isDraft": false,'), False),
    "a missing colon": (edited(b'"isDraft": false', b'"isDraft" false'), False),
    "true misspelled": (edited(b'"isDraft": false', b'"isDraft": fals'), False),
    "a column nested 1000 levels deep": (
        edited(b'"body": {', b'"body": ' + b'{"a": ' * 999 + b"1" + b"}" * 999 + b', "x": {'),
        False),
}


def block_of(data: bytes):
    [block] = line_blocks(io.BytesIO(data).readinto, "part.json", max_lines=100_000)
    return block


def agree(data: bytes, columns=COLUMNS):
    """What a block of ``data`` parses to with the projection and in full: asserted the same."""
    req = request("Message_v1", columns=columns)
    projected = BlockParser(req).parse(block_of(data))
    full = BlockParser(req, project=False).parse(block_of(data))
    assert (projected is None) == (full is None)
    if full is not None:
        assert projected.batch.equals(full.batch)
        assert projected.dates.equals(full.dates)
        assert projected.message_ids.equals(full.message_ids)
    return projected


@pytest.fixture(autouse=True)
def native_checker_built():
    """Every test here fails, saying why, where the extension is not built (the landing source
    then parses every block in full: test_arrow_blocks.py still passes)."""
    assert json_projection.available(), (
        "mgdc_pipelines/sources/landing/_json_projection.c is not built: `pip install -e .` (or "
        "`make test`) builds it, with gcc or clang"
    )


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_checker_accepts_only_plain_valid_lines_and_both_parses_agree(case):
    text, accepted = CASES[case]
    data = line(7) + line(8) + text + line(9)
    projection = BlockProjection.of(BlockParser(request("Message_v1"))._read_schema, COLUMNS)
    assert (projection.project(block_of(data).view) is not None) == accepted
    agree(data)
    agree(data, columns=None)


def test_a_clean_block_is_parsed_through_the_projection_with_the_full_parse_rows():
    data = b"".join(line(n, subject=f"Subject {n} \u2713") for n in range(1, 200))
    parsed = agree(data)
    assert parsed is not None and parsed.batch.num_rows == 199
    projection = BlockProjection.of(BlockParser(request("Message_v1"))._read_schema, COLUMNS)
    kept, lines = projection.project(block_of(data).view)
    assert lines == 199 and len(kept) < len(data) / 4  # the bodies and headers are left out


# What a random edit inserts: JSON's punctuation, and what a careless writer puts in a value.
EDITS = [b"{", b"}", b"[", b"]", b",", b":", b'"', b"\\", b" ", b"\t", b"\r", b"0", b"-", b"1e9",
         b".5", b"null", b"true", b"false", b"x", b"\x00", b"\x1f", b"\xc3\xa9", b"\\u0000",
         b"\\ud800", b"\\u", b"\\ude00", b'"id"', b'"body"', b'"size"', b'"datarow":',
         b"NaN", b"99999999999999999999", b"{}", b"[]", b'""', b"\\\\", b'\\"']


def damaged(rng: random.Random) -> bytes:
    """A rich line with up to three random edits (insert, delete or replace a few bytes), and
    in three cases of ten cut short anywhere; on one line."""
    text = bytearray(line(rng.randrange(1, 50)).rstrip(b"\n"))
    for _ in range(rng.randrange(0, 4)):
        at = rng.randrange(0, len(text) + 1)
        what = rng.choice(["insert", "delete", "replace"])
        if what == "delete":
            del text[at : at + rng.randrange(1, 8)]
        else:
            text[at : at + (what == "replace") * rng.randrange(1, 4)] = rng.choice(EDITS)
    if rng.random() < 0.3:
        del text[rng.randrange(0, len(text) + 1) :]
    return bytes(text).replace(b"\n", b" ")


@pytest.mark.parametrize("seed", range(8))
def test_randomly_damaged_lines_parse_the_same_with_and_without_the_projection(seed):
    """Each edit the checker wrongly accepted would make the two parses disagree: rows Arrow
    would have refused, or others."""
    rng = random.Random(seed)
    for _ in range(60):
        agree(line(100) + damaged(rng) + b"\n" + line(101))


def test_a_short_fuzzing_run_finds_no_line_the_checker_accepts_and_arrow_refuses():
    from mgdc_pipelines_tests.sources.landing import fuzz_json_projection

    assert fuzz_json_projection.main(["--rounds", "3000", "--seed", "5"]) == 0


def test_the_checker_refuses_null_where_the_schema_does_not_allow_it():
    schema = pa.schema([pa.field("id", pa.string(), nullable=False),
                        ("tags", pa.list_(pa.field("item", pa.string(), nullable=False)))])
    projection = BlockProjection.of(schema, ["id"])
    assert projection.project(b'{"id": "a", "tags": ["x"]}') == (b'{"id": "a"}\n', 1)
    assert projection.project(b'{"id": null}') is None
    assert projection.project(b'{"id": "a", "tags": [null]}') is None
    assert projection.project(b'{"id": "a", "tags": null}') == (b'{"id": "a"}\n', 1)


def test_a_schema_the_checker_cannot_describe_is_parsed_in_full():
    assert BlockProjection.of(pa.schema([("at", pa.timestamp("us"))]), ["at"]) is None
    wide = pa.schema([("s", pa.struct([(f"f{i}", pa.int32()) for i in range(65)]))])
    assert BlockProjection.of(wide, ["s"]) is None
    widest = pa.schema([(f"f{i}", pa.int32()) for i in range(64)])
    assert BlockProjection.of(widest, ["f0"]) is not None
