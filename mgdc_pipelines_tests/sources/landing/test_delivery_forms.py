"""Real deliveries as Microsoft writes them read completely: objects run together on a line
(``}{``, ``}  {``), UTF-16 LE/BE with a byte-order mark and CRLF, UTF-8 with a byte-order mark.

Each case takes a real sample from ``MGDC_SAMPLES_DIR`` (never copied into the repository),
rewrites it in that form and checks that the landing source reads every object, with every
value as the original JSON has it, and quarantines nothing. A line mixing good objects with a
broken one quarantines the broken one alone, named by file, line and position on the line.
"""

from __future__ import annotations

import codecs
import hashlib
import itertools
import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from mgdc_pipelines.catalog import get_dataset
from mgdc_pipelines.sources.landing import LandingSource, UnsupportedEncodingError
from mgdc_pipelines_tests.catalog.test_samples import SAMPLES_DIR, read_sample, row_differences
from mgdc_pipelines_tests.sources.landing.helpers import extract, message, quarantined, request
from mgdc_pipelines_tests.sources.landing.test_samples_conformance import window_holding

SAMPLES = ("BasicDataSet_v0.SharePointSites_v1.json", "BasicDataSet_v0.Message_v1.json")
OBJECTS_PER_LINE = (1, 3, 2, 4)  # cycled: 154 SharePointPermissions objects came on 70 lines


@dataclass(frozen=True)
class Form:
    codec: str
    bom: bytes
    line_end: str
    glue: str  # between objects run together on a line

    def write(self, path: Path, lines: list[str]) -> Path:
        text = "".join(line + self.line_end for line in lines)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(self.bom + text.encode(self.codec))
        return path


FORMS = {
    "utf-8, objects run together": Form("utf-8", b"", "\n", ""),
    "utf-8 with bom, crlf, spaces between objects": Form("utf-8", codecs.BOM_UTF8, "\r\n", "  "),
    "utf-16 le with bom, crlf": Form("utf-16-le", codecs.BOM_UTF16_LE, "\r\n", ""),
    "utf-16 be with bom, crlf, a space between objects": Form("utf-16-be", codecs.BOM_UTF16_BE, "\r\n", " "),
}


def run_together(objects: list[str], glue: str) -> list[str]:
    """The objects on lines of 1, 3, 2, 4, 1, ... objects."""
    lines, rest = [], iter(objects)
    for count in itertools.cycle(OBJECTS_PER_LINE):
        line = list(itertools.islice(rest, count))
        if not line:
            return lines
        lines.append(glue.join(line))


@pytest.mark.parametrize("form", sorted(FORMS))
@pytest.mark.parametrize("sample", SAMPLES)
def test_a_sample_rewritten_as_microsoft_writes_it_reads_every_object_and_value(sample, form, tmp_path):
    dataset = get_dataset(Path(sample).stem)
    rows = read_sample(SAMPLES_DIR / sample)
    objects = [json.dumps(row.values, ensure_ascii=False, separators=(",", ":")) for row in rows]
    lines = run_together(objects, FORMS[form].glue)
    FORMS[form].write(tmp_path / "landing" / dataset.name / "run-1" / "part-0001.json", lines)
    source = LandingSource(tmp_path / "landing", max_error_ratio=0, quarantine_dir=tmp_path / "q")

    table, extraction = extract(source, request(dataset, window_holding(dataset, rows), batch_rows=3))

    stats = extraction.stats
    assert (stats.lines_read, stats.objects_read, stats.rows_yielded) == (len(lines), len(rows), len(rows))
    assert len(lines) < len(rows) and stats.quarantined == 0 and not stats.unknown_keys
    differences = [
        f"{sample}:{row.line_number}: {difference.path}"
        for row, read_row in zip(rows, table.to_pylist(), strict=True)
        for difference in row_differences(dataset, row.values, read_row)
    ]
    assert not differences


@pytest.mark.parametrize("form", ["utf-8, objects run together", "utf-16 le with bom, crlf"])
def test_a_broken_object_among_good_ones_is_quarantined_alone_with_its_line_and_position(form, tmp_path):
    good = [json.dumps(message(n)) for n in range(1, 6)]
    broken = '{"id": "m9", "subject": oops}'
    lines = [good[0], FORMS[form].glue.join([good[1], broken, good[2]]), good[3] + good[4]]
    path = FORMS[form].write(tmp_path / "landing" / "BasicDataSet_v0.Message_v1" / "part.json", lines)
    source = LandingSource(tmp_path / "landing", max_error_ratio=1, quarantine_dir=tmp_path / "q")

    table, extraction = extract(source, request("Message_v1"))

    assert table.column("id").to_pylist() == ["m1", "m2", "m3", "m4", "m5"]
    stats = extraction.stats
    assert (stats.lines_read, stats.objects_read, stats.quarantined) == (3, 6, 1)
    [record] = quarantined(extraction)
    assert (record["file"], record["line"], record["object"]) == (str(path), 2, 2)
    assert record["error"] == (
        "object 2 of 3 on the line: not valid JSON: Expecting value at column 25"
    )
    # An operator seeks to the line in the file as delivered, and matches it by its hash.
    data, line_end = path.read_bytes(), FORMS[form].line_end.encode(FORMS[form].codec)
    delivered_line = data[record["offset"]:].split(line_end, 1)[0]
    assert delivered_line == lines[1].encode(FORMS[form].codec)
    assert record["sha256"] == hashlib.sha256(delivered_line).hexdigest()
    assert "oops" not in json.dumps(record)


def test_a_wrong_value_in_one_of_several_objects_names_its_line_and_object(tmp_path):
    lines = [json.dumps(message(1)) + json.dumps(message(2, isRead="yes"))]
    FORMS["utf-8, objects run together"].write(tmp_path / "landing" / "BasicDataSet_v0.Message_v1.json", lines)
    source = LandingSource(tmp_path / "landing", max_error_ratio=1, quarantine_dir=tmp_path / "q")

    table, extraction = extract(source, request("Message_v1"))

    assert table.column("id").to_pylist() == ["m1"]
    [record] = quarantined(extraction)
    assert (record["line"], record["object"], record["column"]) == (1, 2, "isRead")
    assert record["error"].startswith("BasicDataSet_v0.Message_v1: line 1, object 2, column 'isRead'")


def test_a_utf32_delivery_fails_the_extraction_naming_the_file(tmp_path):
    path = tmp_path / "landing" / "BasicDataSet_v0.Message_v1" / "part.json"
    Form("utf-32-le", codecs.BOM_UTF32_LE, "\n", "").write(path, [json.dumps(message(1))])
    source = LandingSource(tmp_path / "landing", max_error_ratio=1, quarantine_dir=tmp_path / "q")
    with pytest.raises(UnsupportedEncodingError, match=rf"^{path}: UTF-32 LE .* must be UTF-8"):
        extract(source, request("Message_v1"))
