"""Arrow string and timestamp columns made from numpy arrays, without a Python object a row.

>>> import numpy as np
>>> tokens(np.array([1, 2], np.uint64), 6, DIGITS).to_pylist() == tokens(
...     np.array([1, 2], np.uint64), 6, DIGITS).to_pylist()
True
>>> join("<", pa.array(["a", None]), ">").to_pylist()
['<a>', '<>']
>>> iso_text(np.array([86_400])).to_pylist()
['1970-01-02T00:00:00Z']
>>> list_of(np.array([0, 2, 2]), pa.array(["x", "y"])).to_pylist()
[['x', 'y'], []]
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from mgdc_pipelines.sources.synthetic.activity.array_random import mix

ALPHANUMERIC = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
BASE64 = ALPHANUMERIC + b"+/"
HEX = b"0123456789ABCDEF"
DIGITS = b"0123456789"
UTC_SECONDS = pa.timestamp("s", "UTC")
UTC_MICROSECONDS = pa.timestamp("us", "UTC")


def fixed_width(chars: np.ndarray) -> pa.Array:
    """One string per row of an ``(n, width)`` matrix of ASCII codes."""
    rows, width = chars.shape
    offsets = np.arange(rows + 1, dtype=np.int32) * width
    data = np.ascontiguousarray(chars, dtype=np.uint8)
    buffers = [None, pa.py_buffer(offsets), pa.py_buffer(data)]
    return pa.Array.from_buffers(pa.string(), rows, buffers)


def tokens(keys: np.ndarray, length: int, alphabet: bytes = ALPHANUMERIC) -> pa.Array:
    """``length`` characters of ``alphabet`` for each key, drawn from its hash."""
    words = [mix(keys, 1_000 + i) for i in range(-(-length // 8))]
    raw = np.stack(words, axis=1).view(np.uint8).reshape(len(keys), -1)[:, :length]
    table = np.frombuffer(alphabet, np.uint8)
    return fixed_width(table[raw % len(table)])


def join(*parts) -> pa.Array:
    """Strings (arrays or constants) joined element by element; nulls are left out."""
    return pc.binary_join_element_wise(*parts, "", null_handling="skip")


def timestamps(seconds: np.ndarray) -> pa.Array:
    """A ``timestamp[us, UTC]`` column from seconds since the Unix epoch."""
    return pa.array(np.asarray(seconds, np.int64) * 1_000_000, UTC_MICROSECONDS)


def formatted(seconds: np.ndarray, pattern: str) -> pa.Array:
    """Seconds since the epoch written with a ``strftime`` pattern (UTC, C locale)."""
    return pc.strftime(pa.array(np.asarray(seconds, np.int64), UTC_SECONDS), format=pattern)


def iso_text(seconds: np.ndarray) -> pa.Array:
    """``2021-02-02T16:54:46Z``: how MGDC writes datetimes held in string columns."""
    return formatted(seconds, "%Y-%m-%dT%H:%M:%SZ")


def list_of(offsets: np.ndarray, values: pa.Array, type: pa.DataType | None = None) -> pa.Array:
    """A list column: row ``i`` holds ``values[offsets[i]:offsets[i + 1]]``."""
    return pa.ListArray.from_arrays(pa.array(np.asarray(offsets, np.int32)), values, type=type)


def counts_to_offsets(counts: np.ndarray) -> np.ndarray:
    """List offsets from the length of each list.

    >>> counts_to_offsets(np.array([2, 0, 1])).tolist()
    [0, 2, 2, 3]
    """
    return np.concatenate(([0], np.cumsum(counts))).astype(np.int64)


def constant(value, rows: int, type: pa.DataType) -> pa.Array:
    """The same value in every row (null for ``None``)."""
    return pa.repeat(pa.scalar(value, type), rows)
