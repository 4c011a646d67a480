"""Spec errors that say where (file, field path), what (the bad value) and what is allowed."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class SpecProblem:
    """One thing wrong with a spec, at a field path such as ``datasets[2].columns[0]``."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class SpecError(ValueError):
    """A spec failed validation; ``problems`` lists every problem found, not just the first."""

    def __init__(self, source: str, problems: Sequence[SpecProblem]) -> None:
        self.source = source
        self.problems = tuple(problems)
        lines = "\n".join(f"  - {problem}" for problem in self.problems)
        count = f"{len(self.problems)} problem{'s' if len(self.problems) != 1 else ''}"
        super().__init__(f"invalid MGDC spec {source} ({count}):\n{lines}")


def field_path(location: Iterable[str | int]) -> str:
    """``("datasets", 2, "columns")`` → ``datasets[2].columns``."""
    path = ""
    for part in location:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path


def allowed_hint(value: str, allowed: Iterable[str], *, show_all_below: int = 12) -> str:
    """Close matches for a misspelt value, or the whole list when it is short."""
    options = sorted(set(allowed))
    close = difflib.get_close_matches(value, options, n=3, cutoff=0.6)
    if not close:
        lowered = {option.lower(): option for option in options}
        close = [lowered[value.lower()]] if value.lower() in lowered else []
    if close:
        hint = f"did you mean {' or '.join(repr(c) for c in close)}?"
        return hint if len(options) > show_all_below else f"{hint} Allowed: {', '.join(options)}"
    if len(options) <= show_all_below:
        return f"allowed: {', '.join(options)}"
    return f"allowed: {len(options)} values, e.g. {', '.join(options[:show_all_below])}, ..."
