"""What parsing the copy case's input costs by schema, and what guarding a skip would cost.

    PYTHONPATH=$PWD OMP_NUM_THREADS=1 taskset -c 1 \
        .venv/bin/python -m benchmarks.parse_costs [--rows N]

On the copy case's input (generated and cached like the benchmark's), the best of five CPU
times, one thread, of:

* ``pyarrow.json.read_json`` over the whole file with the landing source's full schema
  (``unexpected_field_behavior="error"``), with the 15 copied columns as the limit parses them,
  and with every top-level name but the other structs and lists declared empty (``struct<>``,
  ``"ignore"``): what a parse skipping the other columns would cost;
* two checks of the raw bytes a skip would need: Arrow's UTF-8 validation of the whole file, and
  merely counting ``":`` (every key ends so), the least that finding skipped keys costs;
* what the copy does instead (``json_projection``): the native checker, which checks every key
  and value against the full schema and keeps the copied columns' keys, then Arrow's parse of
  what it kept with those columns' schema.

>>> parse_arguments(["--rows", "2000"]).rows
2000
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable

import pyarrow as pa
import pyarrow.json as pa_json

from benchmarks.data import COLUMNS, DATASET, message_delivery
from benchmarks.settings import QUICK_ROWS
from mgdc_pipelines.catalog.json_rows import text_timestamps_schema
from mgdc_pipelines.sources.landing.json_projection import BlockProjection

KEY_END = b'":'  # how every key of compact JSON ends


def parse_arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.parse_costs", description=__doc__)
    parser.add_argument("--rows", type=int, default=QUICK_ROWS, help="rows of the input")
    return parser.parse_args(argv)


def hollow(arrow_type: pa.DataType) -> pa.DataType:
    """Structs (in lists too) declared without fields: Arrow skips what they hold."""
    if pa.types.is_struct(arrow_type):
        return pa.struct([])
    if pa.types.is_list(arrow_type):
        return pa.list_(hollow(arrow_type.value_type))
    return arrow_type


def best_cpu_seconds(work: Callable[[], object], times: int = 5) -> float:
    spent = []
    for _ in range(times):
        start = time.process_time()
        work()
        spent.append(time.process_time() - start)
    return min(spent)


def main(argv: list[str]) -> int:
    arguments = parse_arguments(argv)
    data = message_delivery(arguments.rows).files[0].read_bytes()
    full = text_timestamps_schema(DATASET.output_schema(DATASET.column_names))
    schemas = {
        "full schema, unknown keys an error": (full, "error"),
        "the 15 copied columns (the limit's parse)": (
            text_timestamps_schema(DATASET.output_schema(COLUMNS)), "ignore"),
        "every top-level name, other structs empty": (pa.schema(
            [f if f.name in COLUMNS else f.with_type(hollow(f.type)) for f in full]), "ignore"),
    }
    print(f"{arguments.rows} rows, {len(data) / 1e6:.0f} MB; best of 5, CPU seconds")
    for name, (schema, unexpected) in schemas.items():
        options = pa_json.ParseOptions(explicit_schema=schema, unexpected_field_behavior=unexpected)
        seconds = best_cpu_seconds(
            lambda: pa_json.read_json(pa.BufferReader(data), parse_options=options))
        print(f"  parse, {name}: {seconds:.3f}")
    offsets = pa.array([0, len(data)], pa.int64()).buffers()[1]
    text = pa.Array.from_buffers(pa.large_string(), 1, [None, offsets, pa.py_buffer(data)])
    utf8 = best_cpu_seconds(lambda: text.validate(full=True))
    print(f"  check, UTF-8 of the raw bytes (Arrow): {utf8:.3f}")
    key_ends = best_cpu_seconds(lambda: data.count(KEY_END))
    found = data.count(KEY_END)
    print(f"  check, count of {KEY_END.decode()} (bytes.count, {found:,} found): {key_ends:.3f}")
    projection = BlockProjection.of(full, COLUMNS)
    if projection is None:
        print("  the native checker is not built (pip install -e .)")
        return 1
    kept, _ = projection.project(data)
    checked = best_cpu_seconds(lambda: projection.project(data))
    print(f"  native check of the full schema, keeping the 15 columns ({len(kept) / 1e6:.0f} MB "
          f"kept): {checked:.3f}")
    options = pa_json.ParseOptions(
        explicit_schema=text_timestamps_schema(DATASET.output_schema(COLUMNS)),
        unexpected_field_behavior="error")
    parsed = best_cpu_seconds(
        lambda: pa_json.read_json(pa.BufferReader(kept), parse_options=options))
    print(f"  parse of what it kept, the 15 columns: {parsed:.3f} (with the check: "
          f"{checked + parsed:.3f})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
