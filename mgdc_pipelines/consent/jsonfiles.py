"""JSON for consent files: one canonical form to hash and sign, atomic writes, strict reads.

>>> canonical_json({"b": [2, 1], "a": "é"})
'{"a":"é","b":[2,1]}'
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from mgdc_pipelines.consent.errors import ConsentError


def canonical_json(obj: Any) -> str:
    """The exact text fingerprints and signatures are computed over."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def atomic_write(path: str | os.PathLike[str], data: bytes, *, mode: int = 0o644) -> Path:
    """Write ``data`` to ``path`` so readers see the old file or the new one, never a torn one."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, mode)
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise
    _fsync_dir(target.parent)
    return target


def write_json(path: str | os.PathLike[str], obj: Any, *, mode: int = 0o644) -> Path:
    """Pretty, key-sorted JSON written atomically (diffs and reviews stay readable)."""
    text = json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    return atomic_write(path, text.encode("utf-8"), mode=mode)


def read_json(path: str | os.PathLike[str]) -> Any:
    """Parse a JSON file; a missing file raises FileNotFoundError, bad JSON a ConsentError."""
    text = Path(path).read_bytes()
    try:
        return json.loads(text)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ConsentError(f"{path} is not valid JSON: {error}") from None


def check_keys(obj: Any, where: str, required: Iterable[str], optional: Iterable[str] = ()) -> dict:
    """Return ``obj`` if it is an object with exactly the expected keys; else name the misfits."""
    if not isinstance(obj, dict):
        raise ConsentError(f"{where}: expected a JSON object, got {type(obj).__name__}")
    required = set(required)
    unknown = sorted(set(obj) - required - set(optional))
    missing = sorted(required - set(obj))
    problems = []
    if unknown:
        problems.append(f"unknown keys: {', '.join(unknown)}")
    if missing:
        problems.append(f"missing keys: {', '.join(missing)}")
    if problems:
        raise ConsentError(f"{where}: {'; '.join(problems)}")
    return obj


def string(obj: dict, key: str, where: str) -> str:
    value = obj[key]
    if not isinstance(value, str):
        raise ConsentError(f"{where}.{key}: expected a string, got {value!r}")
    return value


def strings(obj: dict, key: str, where: str) -> tuple[str, ...]:
    value = obj[key]
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ConsentError(f"{where}.{key}: expected a list of strings, got {value!r}")
    return tuple(value)


def _fsync_dir(folder: Path) -> None:
    """Make the rename itself durable (POSIX); some platforms cannot open folders."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
