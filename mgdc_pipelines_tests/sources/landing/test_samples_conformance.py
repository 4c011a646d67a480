"""Conformance: every real MGDC sample, laid out as a delivery, reads back whole and unchanged.

Point ``MGDC_SAMPLES_DIR`` at a folder of JSON-lines files named after their dataset
(``BasicDataSet_v0.Message_v1.json``). Each is copied into a temporary landing folder as an
ADF run would leave it, split over two files, and extracted with a window that holds all its
rows: every line must come back as a row, values as ``catalog/test_samples.py`` compares them.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

SAMPLES_VARIABLE = "MGDC_SAMPLES_DIR"
if not os.environ.get(SAMPLES_VARIABLE):
    pytest.skip(
        f"{SAMPLES_VARIABLE} is not set; point it at a folder of MGDC JSON-lines samples "
        f"named <dataset full name>.json to run the landing source's conformance test",
        allow_module_level=True,
    )

from mgdc_pipelines.catalog import Dataset, Mode, get_dataset  # noqa: E402
from mgdc_pipelines.sources import TimeWindow  # noqa: E402
from mgdc_pipelines.sources.landing import LandingSource  # noqa: E402
from mgdc_pipelines.sources.landing.placement import row_date_column  # noqa: E402
from mgdc_pipelines_tests.catalog.test_samples import (  # noqa: E402
    MAX_DIFFERENCES_SHOWN,
    SAMPLE_FILES,
    SAMPLES_DIR,
    SampleRow,
    read_sample,
    row_differences,
)
from mgdc_pipelines_tests.sources.landing.helpers import DAY, extract, request  # noqa: E402


def test_samples_folder_holds_samples():
    # A set but wrong variable must fail loudly: skipping would hide that nothing was checked.
    assert SAMPLES_DIR.is_dir(), f"{SAMPLES_VARIABLE}={SAMPLES_DIR} is not a folder"
    assert SAMPLE_FILES, f"{SAMPLES_VARIABLE}={SAMPLES_DIR} holds no *.json files"


@pytest.mark.parametrize("sample_file", SAMPLE_FILES, ids=lambda path: path.name)
def test_every_sample_line_reads_back_as_the_same_row(sample_file: Path, tmp_path: Path):
    dataset = get_dataset(sample_file.stem)
    rows = read_sample(sample_file)
    lay_out_as_delivery(sample_file, tmp_path / "landing" / dataset.name / "adf-run-0001")
    source = LandingSource(tmp_path / "landing", max_error_ratio=0, quarantine_dir=tmp_path / "quarantine")
    sample_request = request(dataset, window_holding(dataset, rows), batch_rows=4)

    table, extraction = extract(source, sample_request)

    stats = extraction.stats
    assert (stats.lines_read, stats.rows_yielded, table.num_rows) == (len(rows), len(rows), len(rows))
    assert stats.quarantined == 0 and not stats.unknown_keys and stats.files_read == 2
    differences = [
        f"{sample_file.name}:{row.line_number}: {difference.path}: "
        f"original {difference.original!r} != read {difference.converted!r}"
        for row, read_row in zip(rows, table.to_pylist(), strict=True)
        for difference in row_differences(dataset, row.values, read_row)
    ]
    assert not differences, f"{len(differences)} value(s) changed:\n" + "\n".join(differences[:MAX_DIFFERENCES_SHOWN])


def lay_out_as_delivery(sample_file: Path, run_folder: Path) -> None:
    """The sample's lines over two part files, as parallel MGDC jobs write them (BOM kept)."""
    lines = sample_file.read_bytes().splitlines(keepends=True)
    half = (len(lines) + 1) // 2
    run_folder.mkdir(parents=True)
    (run_folder / "part-0001.json").write_bytes(b"".join(lines[:half]))
    (run_folder / "part-0002.json").write_bytes(b"".join(lines[half:]))


def window_holding(dataset: Dataset, rows: list[SampleRow]) -> TimeWindow | dt.date:
    """From the first to the day after the last row date; any day for a snapshot."""
    column = row_date_column(request(dataset))
    if column is None:
        assert dataset.mode is not Mode.SHAREPOINT
        return DAY
    days = [dt.datetime.fromisoformat(row.values[column]).date() for row in rows]
    start = dt.datetime.combine(min(days), dt.time(), dt.timezone.utc)
    return TimeWindow(start, dt.datetime.combine(max(days), dt.time(), dt.timezone.utc) + dt.timedelta(days=1))
