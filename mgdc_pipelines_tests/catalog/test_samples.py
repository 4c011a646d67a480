"""Conformance: real MGDC deliveries convert to the catalog's Arrow types without loss.

Point ``MGDC_SAMPLES_DIR`` at a folder of JSON-lines files named after their dataset
(``BasicDataSet_v0.Message_v1.json``). Every row of every file must use only catalog columns,
convert with :func:`rows_to_batch`, and read back equal to the original: timestamps as the same
instant, keys missing from the original as null.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from mgdc_pipelines.catalog import Dataset, RowConversionError, get_dataset, rows_to_batch

SAMPLES_VARIABLE = "MGDC_SAMPLES_DIR"
_samples_dir = os.environ.get(SAMPLES_VARIABLE)
if not _samples_dir:
    pytest.skip(
        f"{SAMPLES_VARIABLE} is not set; point it at a folder of MGDC JSON-lines samples "
        f"named <dataset full name>.json to run the conformance test",
        allow_module_level=True,
    )
SAMPLES_DIR = Path(_samples_dir)
SAMPLE_FILES = sorted(SAMPLES_DIR.glob("*.json")) if SAMPLES_DIR.is_dir() else []
MAX_DIFFERENCES_SHOWN = 20


@dataclass(frozen=True)
class SampleRow:
    line_number: int  # 1-based, as an editor shows it
    values: dict[str, Any]


@dataclass(frozen=True)
class Difference:
    path: str
    original: object
    converted: object


def test_samples_folder_holds_samples():
    # A set but wrong variable must fail loudly: skipping would hide that nothing was checked.
    assert SAMPLES_DIR.is_dir(), f"{SAMPLES_VARIABLE}={SAMPLES_DIR} is not a folder"
    assert SAMPLE_FILES, f"{SAMPLES_VARIABLE}={SAMPLES_DIR} holds no *.json files"


@pytest.mark.parametrize("sample_file", SAMPLE_FILES, ids=lambda path: path.name)
def test_sample_converts_without_loss(sample_file: Path):
    dataset = get_dataset(sample_file.stem)  # an unknown dataset name fails here, with hints
    rows = read_sample(sample_file)
    assert rows, f"{sample_file} has no rows"
    assert_only_catalog_keys(dataset, sample_file, rows)

    converted = convert(dataset, sample_file, rows)

    differences = [
        f"{sample_file.name}:{row.line_number}: {difference.path}: "
        f"original {difference.original!r} != converted {difference.converted!r}"
        for row, converted_row in zip(rows, converted, strict=True)
        for difference in row_differences(dataset, row.values, converted_row)
    ]
    assert not differences, (
        f"{len(differences)} value(s) changed in conversion:\n"
        + "\n".join(differences[:MAX_DIFFERENCES_SHOWN])
    )


def read_sample(path: Path) -> list[SampleRow]:
    rows = []
    with path.open(encoding="utf-8-sig") as lines:  # some deliveries start with a BOM
        for line_number, line in enumerate(lines, start=1):
            if line.strip():
                rows.append(SampleRow(line_number, json.loads(line)))
    return rows


def assert_only_catalog_keys(dataset: Dataset, path: Path, rows: list[SampleRow]) -> None:
    known = {*dataset.column_names, *dataset.metadata_column_names, *dataset.aliases}
    strangers = [
        f"{path.name}:{row.line_number}: {key!r}"
        for row in rows
        for key in row.values
        if key not in known
    ]
    assert not strangers, f"keys that are not {dataset.name} columns: " + ", ".join(strangers)


def convert(dataset: Dataset, path: Path, rows: list[SampleRow]) -> list[dict[str, Any]]:
    try:
        result = rows_to_batch(dataset, [row.values for row in rows], unknown="error")
        return result.batch.to_pylist()
    except RowConversionError as error:
        failure = error
    line = "" if failure.row is None else f":{rows[failure.row].line_number}"
    pytest.fail(f"{path.name}{line}: {failure}")


def row_differences(
    dataset: Dataset, original: dict[str, Any], converted: dict[str, Any]
) -> Iterator[Difference]:
    renamed = {dataset.aliases.get(key, key): value for key, value in original.items()}
    for column in dataset.schema:
        yield from value_differences(
            renamed.get(column.name), converted[column.name], column.type, column.name
        )


def value_differences(
    original: object, converted: object, type_: pa.DataType, path: str
) -> Iterator[Difference]:
    """How ``converted`` differs from ``original`` (None = missing), depth first."""
    if original is None:
        if converted is not None:
            yield Difference(path, original, converted)
    elif pa.types.is_struct(type_):
        yield from struct_differences(original, converted, type_, path)
    elif pa.types.is_list(type_):
        yield from list_differences(original, converted, type_, path)
    elif not same_scalar(original, converted, type_):
        yield Difference(path, original, converted)


def struct_differences(
    original: object, converted: object, type_: pa.StructType, path: str
) -> Iterator[Difference]:
    if not isinstance(original, dict) or not isinstance(converted, dict):
        yield Difference(path, original, converted)
        return
    for key in original.keys() - set(type_.names):
        yield Difference(f"{path}.{key}", original[key], "<dropped>")
    for child in type_:
        yield from value_differences(
            original.get(child.name), converted.get(child.name), child.type, f"{path}.{child.name}"
        )


def list_differences(
    original: object, converted: object, type_: pa.ListType, path: str
) -> Iterator[Difference]:
    if not isinstance(original, list) or not isinstance(converted, list):
        yield Difference(path, original, converted)
    elif len(original) != len(converted):
        yield Difference(f"{path} (length)", len(original), len(converted))
    else:
        for position, (item, converted_item) in enumerate(zip(original, converted)):
            yield from value_differences(
                item, converted_item, type_.value_type, f"{path}[{position}]"
            )


def same_scalar(original: object, converted: object, type_: pa.DataType) -> bool:
    if pa.types.is_timestamp(type_):
        # Compare instants: "2022-05-01T04:01:55.000Z" and the parsed UTC datetime are equal.
        return isinstance(original, str) and datetime.fromisoformat(original) == converted
    if pa.types.is_floating(type_):
        return not isinstance(original, bool) and float(original) == converted
    # Same type as well as value: True must not come back as 1, nor "1" as 1.
    return type(original) is type(converted) and original == converted
