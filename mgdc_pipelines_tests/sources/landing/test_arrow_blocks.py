"""Blocks parsed at once by Arrow give exactly what reading line by line gives: the same rows,
counts and quarantine records, whatever the lines hold (``arrow_blocks.py``)."""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from mgdc_pipelines.catalog import get_dataset
from mgdc_pipelines.sources.landing import (
    LandingSource,
    LocalDeliveryStore,
    NotJsonLinesError,
    reader,
)
from mgdc_pipelines.sources.landing.arrow_blocks import BlockParser, parse_piece_bytes
from mgdc_pipelines.sources.landing.reader import RawLine, line_blocks
from mgdc_pipelines.sources.landing.store import BlockDeliveryStore
from mgdc_pipelines_tests.sources.landing.helpers import extract, message, quarantined, request


class LineByLineStore:
    """The same files, offered only line by line: the path every line is checked on."""

    def __init__(self, root: Path) -> None:
        self._store = LocalDeliveryStore(root)

    def files(self, dataset_name: str):
        return self._store.files(dataset_name)

    def read_lines(self, file: Path | str) -> Iterator[RawLine]:
        return self._store.read_lines(file)


def good(number: int, **extra: object) -> bytes:
    return json.dumps(message(number, **extra)).encode() + b"\n"


# Each case: lines that Arrow reads differently from Python (or not at all), among good ones.
TRICKY_LINES = {
    "null line": b"null\n",
    "array line": b"[1, 2]\n",
    "broken json": b'{"id": "m9", oops\n',
    "two objects on one line": good(90).rstrip() + good(91),
    "objects run together with white space, crlf": good(107).rstrip() + b" \t" + good(108).rstrip() + b"\r\n",
    "a bad object among good ones on a line": good(109).rstrip() + b'{"id": "m110", oops}' + good(111),
    "objects separated by a lone carriage return": good(116).rstrip() + b"\r" + good(117),
    "objects separated by a comma": good(118).rstrip() + b"," + good(119),
    "a wrong value in the second object of a line": good(112).rstrip() + good(113, isRead="yes"),
    "an out-of-window object run together with a kept one": good(114, received="2026-11-19T09:00:00Z").rstrip() + good(115),
    "blank and whitespace lines": b"\n   \n\r\n",
    "crlf line ends": good(92).rstrip(b"\n") + b"\r\n",
    "unknown top-level key": good(93, sendr="x"),
    "unknown nested key": good(94, sender={"emailAddress": {"name": "A", "adress": "a@x"}}),
    "repeated key": b'{"id": "m95", "id": "m96", "receivedDateTime": "2026-11-20T09:00:00Z"}\n',
    "invalid utf-8": b'{"id": "m97\xff", "receivedDateTime": "2026-11-20T09:00:00Z"}\n',
    "invalid utf-8 in a key": b'{"id": "m120", "\xff": 1, "receivedDateTime": "2026-11-20T09:00:00Z"}\n',
    "invalid utf-8 in a column not copied": good(121, body={"contentType": "text", "content": "caf\udce9"}).replace(b"\\udce9", b"\xe9"),
    "overlong utf-8": b'{"id": "m122\xc0\xaf", "receivedDateTime": "2026-11-20T09:00:00Z"}\n',
    "NaN": b'{"id": "m98", "receivedDateTime": "2026-11-20T09:00:00Z", "x": NaN}\n',
    "number for a string": good(99, subject=42),
    "date without offset": good(100, received="2026-11-20T09:00:00"),
    "date with offset": good(101, received="2026-11-20T23:30:00-01:00"),
    "missing date": b'{"id": "m102"}\n',
    "out of window": good(103, received="2026-11-21T00:00:00Z"),
    "seven-digit fraction": good(104, received="2026-11-20T09:00:00.1234567Z"),
    "date in year 0000": good(123, received="0000-11-20T09:00:00Z"),  # Arrow reads, Python not
    "line of spaces around an object": b"  " + good(105).rstrip() + b"  \n",
    "lone surrogate": b'{"id": "m106\\ud800", "receivedDateTime": "2026-11-20T09:00:00Z"}\n',
    "duplicate message": good(1),
    "a quarantined first copy of a message, then a good one": good(126, isRead="yes") + good(126),
    "a good first copy of a message, then a bad one": good(127) + good(127, isRead="yes"),
    "nested 1000 levels deep": (
        good(124).rstrip(b"}\n") + b', "x": ' + b"[" * 999 + b"]" * 999 + b"}\n"
    ),
    "a column nested 1000 levels deep": good(125, subject=None).replace(
        b'"subject": null', b'"subject": ' + b'{"a": ' * 999 + b"1" + b"}" * 999
    ),
}


def deliver_bytes(landing: Path, data: bytes, dataset: str = "Message_v1") -> None:
    folder = landing / get_dataset(dataset).name / "run-1"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "part-0001.json").write_bytes(b"\xef\xbb\xbf" + data)


# Every column, and a few: what the line-by-line path checks does not depend on the selection.
SELECTIONS = {"all columns": None, "four columns": ("id", "subject", "receivedDateTime", "sender")}


def outcome(source: LandingSource, dataset: str, **options):
    table, extraction = extract(source, request(dataset, **options))
    stats = extraction.stats.as_metadata()
    stats.pop("landing/quarantine_file")
    records = [tuple(sorted(r.items())) for r in quarantined(extraction)]
    return table, stats, records


def both_paths_agree(
    tmp_path: Path, data: bytes, dataset: str = "Message_v1", *, dedupe: bool = False, **options
):
    """What the delivery ``data`` gives read in blocks (Arrow's where it can) and line by line:
    asserted the same (rows, stats, quarantine records), and returned."""
    landing = tmp_path / "landing"
    deliver_bytes(landing, data, dataset)
    settings = dict(max_error_ratio=1.0, dedupe_messages=dedupe)
    fast = LandingSource(landing, quarantine_dir=tmp_path / "q1", **settings)
    slow = LandingSource(LineByLineStore(landing), quarantine_dir=tmp_path / "q2", **settings)
    assert isinstance(fast.store, BlockDeliveryStore) and not isinstance(slow.store, BlockDeliveryStore)
    options.setdefault("batch_rows", 4)

    fast_table, fast_stats, fast_records = outcome(fast, dataset, **options)
    slow_table, slow_stats, slow_records = outcome(slow, dataset, **options)

    assert fast_table.equals(slow_table)
    assert fast_stats == slow_stats
    assert fast_records == slow_records
    return fast_table, fast_stats, [dict(record) for record in fast_records]


@pytest.mark.parametrize("case", sorted(TRICKY_LINES))
@pytest.mark.parametrize("dedupe", [False, True])
@pytest.mark.parametrize("selection", sorted(SELECTIONS))
def test_blocks_and_lines_agree_on_rows_counts_and_quarantine(case, dedupe, selection, tmp_path):
    lines = b"".join(good(n) for n in range(1, 6)) + TRICKY_LINES[case] + good(6) + good(7)
    _, stats, _ = both_paths_agree(tmp_path, lines, dedupe=dedupe, columns=SELECTIONS[selection])
    assert stats["landing/rows_yielded"] >= 6  # the good lines around it always arrive


@pytest.mark.parametrize("batch_rows", [2, 4])
def test_a_quarantined_first_copy_does_not_hide_a_good_later_copy(batch_rows, tmp_path):
    # With 2 lines a block, the bad copy's block is read line by line, the good copy's by Arrow;
    # with 4, both copies are in one block read line by line.
    lines = good(1) + good(2, isRead="yes") + good(2, puser="bob") + good(3) + good(2, puser="eve")
    table, stats, records = both_paths_agree(tmp_path, lines, dedupe=True, batch_rows=batch_rows)
    kept = list(zip(table.column("id").to_pylist(), table.column("puser").to_pylist()))
    assert [(row_id, puser) for row_id, puser in kept if row_id == "m2"] == [("m2", "bob")]
    assert table.num_rows == 3 and stats["landing/duplicates_dropped"] == 1
    assert [(r["line"], r["column"]) for r in records] == [(2, "isRead")]


def test_a_line_longer_than_the_limit_is_quarantined_unread_on_both_paths(tmp_path, monkeypatch):
    monkeypatch.setattr(reader, "BLOCK_BYTES", 1024)  # small buffers: the same code, less memory
    monkeypatch.setattr(reader, "MAX_LINE_BYTES", 4096)
    long_line = good(2, subject="x" * 5000).rstrip(b"\n")
    lines = good(1) + long_line + b"\r\n" + good(3) + good(4, subject="y" * 3000)
    table, stats, records = both_paths_agree(tmp_path, lines)
    assert table.column("id").to_pylist() == ["m1", "m3", "m4"]
    [record] = records
    assert (record["line"], record["offset"], record["column"]) == (2, 3 + len(good(1)), None)
    assert record["sha256"] == hashlib.sha256(long_line).hexdigest()
    assert record["error"].startswith(f"a line too long to read ({len(long_line) + 2:,} bytes")
    assert stats["landing/quarantined"] == 1 and stats["landing/lines_read"] == 4


@pytest.mark.parametrize("store", [LocalDeliveryStore, LineByLineStore])
def test_a_delivery_that_is_one_json_array_fails_naming_the_file(store, tmp_path):
    landing = tmp_path / "landing"
    deliver_bytes(landing, b"[" + good(1).rstrip() + b",\n" + good(2).rstrip() + b"]\n")
    source = LandingSource(store(landing), max_error_ratio=1.0, quarantine_dir=tmp_path / "q")
    with pytest.raises(NotJsonLinesError, match=r"part-0001\.json: a JSON array .* JSON lines"):
        extract(source, request("Message_v1"))


@pytest.mark.parametrize("store", [LocalDeliveryStore, LineByLineStore])
def test_objects_run_together_on_one_line_come_in_batches_of_at_most_batch_rows(store, tmp_path):
    landing = tmp_path / "landing"
    deliver_bytes(landing, b"".join(good(n).rstrip() for n in range(1, 11)) + b"\n" + good(11))
    source = LandingSource(store(landing), quarantine_dir=tmp_path / "q")
    batches = list(source.extract(request("Message_v1", columns=("id",), batch_rows=4)))
    assert [batch.num_rows for batch in batches] == [4, 4, 3]
    assert [row_id for batch in batches for row_id in batch.column("id").to_pylist()] == [
        f"m{n}" for n in range(1, 12)
    ]


def event(number: int, latitude: object) -> bytes:
    row = {"id": f"e{number}", "createdDateTime": "2026-11-20T09:00:00Z",
           "location": {"coordinates": {"latitude": latitude}}}
    return json.dumps(row).encode() + b"\n"


@pytest.mark.parametrize("columns", [None, ("id", "location")])
def test_an_integer_a_double_cannot_hold_exactly_is_quarantined_on_both_paths(columns, tmp_path):
    # Arrow reads 2**53 + 1 as 2**53, which Python's conversion refuses: never rounded silently.
    lines = event(1, 2**53) + event(2, 2**53 + 1) + event(3, -(2**53 + 1)) + event(4, 1.5)
    table, _, records = both_paths_agree(tmp_path, lines, "Event_v1", columns=columns)
    assert table.column("id").to_pylist() == ["e1", "e4"]
    latitude = "location.coordinates.latitude"
    assert [(r["line"], r["column"], r["expected"]) for r in records] == [
        (2, latitude, "double"), (3, latitude, "double"),
    ]
    assert records[0]["error"].endswith("got a JSON number (cannot be held exactly by a double)")


@pytest.mark.parametrize("line_end", [b"\n", b"\r\n"])
def test_clean_lines_are_parsed_as_one_block_with_the_same_values(line_end):
    lines = good(1) + good(2, subject="Ünïcødé ✓", received="2026-11-20T10:00:00.5+02:00")
    lines = lines.replace(b"\n", line_end)
    req = request("Message_v1", columns=("id", "subject", "receivedDateTime"))
    [block] = line_blocks(io.BytesIO(lines).readinto, "part.json", max_lines=10)
    parsed = BlockParser(req).parse(block)
    assert parsed is not None
    assert parsed.batch.column("subject").to_pylist() == ["Message 1", "Ünïcødé ✓"]
    assert [d.isoformat() for d in parsed.dates.to_pylist()] == [
        "2026-11-20T09:00:00+00:00", "2026-11-20T08:00:00.500000+00:00",
    ]


def test_objects_run_together_on_a_line_are_parsed_at_once():
    lines = good(1).rstrip() + good(2).rstrip() + b"  " + good(3) + good(4)
    [block] = line_blocks(io.BytesIO(lines).readinto, "part.json", max_lines=10)
    parsed = BlockParser(request("Message_v1", columns=("id",))).parse(block)
    assert parsed is not None and parsed.batch.column("id").to_pylist() == ["m1", "m2", "m3", "m4"]


@pytest.mark.parametrize(
    "case",
    ["null line", "a bad object among good ones on a line", "invalid utf-8", "NaN", "date in year 0000"],
)
def test_a_block_with_a_line_arrow_would_misread_goes_line_by_line(case):
    [block] = line_blocks(io.BytesIO(good(1) + TRICKY_LINES[case]).readinto, "part.json", max_lines=10)
    assert BlockParser(request("Message_v1")).parse(block) is None


def test_a_block_bigger_than_arrows_piece_is_parsed_at_once_with_the_same_rows():
    # 4 MiB is the largest piece Arrow parses a block in (parse_piece_bytes): 300 lines of
    # ~20 KB make a block of several pieces, whose rows must come back whole and in order.
    lines = b"".join(good(n, subject="s" * 20_000) for n in range(1, 301))
    [block] = line_blocks(io.BytesIO(lines).readinto, "part.json", max_lines=1000, block_bytes=8 << 20)
    assert block.end - block.start > parse_piece_bytes(block.end - block.start, threads=1)
    parsed = BlockParser(request("Message_v1", columns=("id",))).parse(block)
    assert parsed is not None
    assert parsed.batch.column("id").to_pylist() == [f"m{n}" for n in range(1, 301)]


def test_a_line_longer_than_arrows_piece_is_still_parsed_at_once():
    # A line longer than Arrow's piece: Arrow reads on, or refuses the straddling line and the
    # block is parsed as one piece (BlockParser._read); either way the rows arrive whole.
    lines = good(1) + good(2, subject="x" * (5 << 20)) + good(3)
    [block] = line_blocks(io.BytesIO(lines).readinto, "part.json", max_lines=10)
    parsed = BlockParser(request("Message_v1", columns=("id", "subject"))).parse(block)
    assert parsed is not None
    assert parsed.batch.column("id").to_pylist() == ["m1", "m2", "m3"]
    assert len(parsed.batch.column("subject")[1].as_py()) == 5 << 20
