"""Fuzz the native checker of JSON lines (``_json_projection.c``) for memory errors and for
lines it accepts that Arrow's full-schema parse refuses.

Not collected by pytest (a long run; ``test_json_projection.py`` runs 3,000 rounds). Each round
damages a rich Message_v1 line (inserts JSON punctuation and odd values, deletes, cuts the line
short anywhere, an escape or a string included), hands it to the checker in a buffer of exactly
its size (so AddressSanitizer sees a read one byte past the end), and where the checker accepts
it, asserts that Arrow's full-schema parse accepts it too and that the kept columns parse to the
same values. Under AddressSanitizer, from the project's folder::

    gcc -shared -fPIC -O1 -g -fsanitize=address -fno-omit-frame-pointer \\
        -I"$(.venv/bin/python -c 'import sysconfig; print(sysconfig.get_paths()["include"])')" \\
        mgdc_pipelines/sources/landing/_json_projection.c -o /tmp/_json_projection_asan.so
    LD_PRELOAD="$(gcc -print-file-name=libasan.so)" ASAN_OPTIONS=detect_leaks=0 \\
        PYTHONMALLOC=malloc PYTHONPATH=$PWD .venv/bin/python \\
        -m mgdc_pipelines_tests.sources.landing.fuzz_json_projection \\
        --extension /tmp/_json_projection_asan.so --rounds 200000

Without ``--extension`` it fuzzes the installed build. It prints how many lines it tried and
how many the checker accepted, and exits 1 at the first disagreement (naming the round and seed,
so the line can be made again).
"""

from __future__ import annotations

import argparse
import ctypes
import importlib.machinery
import importlib.util
import random
import sys

import pyarrow as pa
import pyarrow.json as pa_json

from mgdc_pipelines.catalog import get_dataset
from mgdc_pipelines.catalog.json_rows import text_timestamps_schema
from mgdc_pipelines.sources.landing import json_projection
from mgdc_pipelines_tests.sources.landing.test_json_projection import COLUMNS, damaged

def load_extension(path: str | None):
    """The checker's module: the installed build, or the one built at ``path``."""
    if path is None:
        return json_projection.native
    name = "mgdc_pipelines.sources.landing._json_projection"
    loader = importlib.machinery.ExtensionFileLoader(name, path)
    module = importlib.util.module_from_spec(importlib.util.spec_from_loader(name, loader))
    loader.exec_module(module)
    return module


def exact_buffer(data: bytes):
    """``data`` in memory of exactly its size (ctypes allocates it with PyMem_Malloc)."""
    return (ctypes.c_char * max(len(data), 1)).from_buffer_copy(data or b"\0")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--extension", help="a build of _json_projection.c to fuzz")
    arguments = parser.parse_args(argv)
    json_projection.native = load_extension(arguments.extension)
    dataset = get_dataset("Message_v1")
    full = text_timestamps_schema(dataset.output_schema(dataset.column_names))
    projection = json_projection.BlockProjection.of(full, COLUMNS)
    kept_schema = pa.schema([f for f in full if f.name in projection.kept])
    rng, accepted = random.Random(arguments.seed), 0
    for round_number in range(arguments.rounds):
        data = damaged(rng)
        buffer = exact_buffer(data)
        result = projection.project(memoryview(buffer)[: len(data)])
        if result is None:
            continue
        accepted += 1
        try:
            whole = _parse(data, full).select(list(projection.kept))
            kept = _parse(result[0], kept_schema)
        except pa.ArrowException as error:
            print(f"round {round_number} (seed {arguments.seed}): accepted, but Arrow refused: "
                  f"{type(error).__name__}")
            return 1
        if not kept.equals(whole):
            print(f"round {round_number} (seed {arguments.seed}): the kept columns differ")
            return 1
    print(f"{arguments.rounds} damaged lines, {accepted} accepted, each as Arrow's full parse "
          "reads it")
    return 0


def _parse(data: bytes, schema: pa.Schema) -> pa.Table:
    options = pa_json.ParseOptions(explicit_schema=schema, unexpected_field_behavior="error")
    return pa_json.read_json(pa.BufferReader(data + b"\n"), parse_options=options,
                             read_options=pa_json.ReadOptions(block_size=1 << 20))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
