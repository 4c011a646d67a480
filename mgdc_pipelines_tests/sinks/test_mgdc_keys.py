"""``mgdc-jsonl`` writes each real MGDC sample back with the keys MGDC wrote, line for line.

Every sample in ``MGDC_SAMPLES_DIR`` is read through the landing source, committed through the
``mgdc-jsonl`` sink, and each written line is compared with the sample's line: the same keys at
the top level and inside every struct and list item (a key MGDC left out is left out, a key it
wrote as ``null`` is written). Laid out as a delivery, the written files read back through the
landing source to the very rows that were written.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from mgdc_pipelines.catalog import Dataset, get_dataset
from mgdc_pipelines.sinks.base import PartitionRef
from mgdc_pipelines.sinks.local import LocalSink
from mgdc_pipelines.sources.landing import LandingSource
from mgdc_pipelines_tests.sources.landing.helpers import DAY, extract, request
from mgdc_pipelines_tests.sources.landing.test_samples_conformance import (  # skips without samples
    MAX_DIFFERENCES_SHOWN,
    SAMPLE_FILES,
    lay_out_as_delivery,
    read_sample,
    window_holding,
)


@pytest.mark.parametrize("sample_file", SAMPLE_FILES, ids=lambda path: path.name)
def test_each_sample_line_is_written_with_the_keys_mgdc_wrote(sample_file: Path, tmp_path: Path):
    dataset = get_dataset(sample_file.stem)
    samples = read_sample(sample_file)
    lay_out_as_delivery(sample_file, tmp_path / "landing" / dataset.name / "adf-run-0001")
    table = read_delivery(tmp_path / "landing", dataset, window_holding(dataset, samples))

    files = write_jsonl(tmp_path / "sink", dataset, table)

    written = [json.loads(line) for path in files for line in path.read_text("utf-8").splitlines()]
    assert len(written) == len(samples) == table.num_rows
    differences = [
        f"{sample_file.name}:{sample.line_number}: {difference}"
        for sample, row in zip(samples, written, strict=True)
        for difference in key_differences(renamed(dataset, sample.values), row)
    ]
    assert not differences, (
        f"{len(differences)} key(s) differ from MGDC's:\n" + "\n".join(differences[:MAX_DIFFERENCES_SHOWN])
    )
    for number, path in enumerate(files):  # the sink's output, as a delivery of its own
        shutil.copy(path, mkdirs(tmp_path / "again" / dataset.name / "run") / f"part-{number:04d}.json")
    assert read_delivery(tmp_path / "again", dataset, window_holding(dataset, samples)).equals(table)


def read_delivery(root: Path, dataset: Dataset, window) -> pa.Table:
    source = LandingSource(root, max_error_ratio=0, quarantine_dir=root.parent / "quarantine")
    table, extraction = extract(source, request(dataset, window))
    assert extraction.stats.quarantined == 0 and not extraction.stats.unknown_keys
    return table


def write_jsonl(root: Path, dataset: Dataset, table: pa.Table) -> list[Path]:
    """Commit ``table`` as one partition; its files, in order."""
    scope = "all" if dataset.scope_column else None
    writer = LocalSink(root, format="mgdc-jsonl", max_file_rows=4).open_partition(
        PartitionRef(dataset.name, DAY, scope), table.schema
    )
    for batch in table.to_batches(max_chunksize=3):  # batches and files end mid-sample
        writer.write(batch)
    writer.commit()
    return sorted((root / PartitionRef(dataset.name, DAY, scope).relative_path).glob("part-*.json"))


def renamed(dataset: Dataset, row: dict[str, Any]) -> dict[str, Any]:
    """The sample row with the catalog's names (GroupMembers_v0 samples say `puser` for `pObjectId`)."""
    return {dataset.aliases.get(key, key): value for key, value in row.items()}


def key_differences(original: Any, written: Any, path: str = "") -> Iterator[str]:
    """Keys one object has and the other has not, at every depth (values are compared elsewhere)."""
    if isinstance(original, dict) and isinstance(written, dict):
        for key in sorted(original.keys() - written.keys()):
            yield f"{path}{key}: missing (MGDC wrote {'null' if original[key] is None else 'a value'})"
        for key in sorted(written.keys() - original.keys()):
            yield f"{path}{key}: extra (MGDC wrote no such key)"
        for key in sorted(original.keys() & written.keys()):
            yield from key_differences(original[key], written[key], f"{path}{key}.")
    elif isinstance(original, list) and isinstance(written, list):
        for position, (item, written_item) in enumerate(zip(original, written)):
            yield from key_differences(item, written_item, f"{path}[{position}].")


def mkdirs(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return folder
