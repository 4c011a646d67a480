"""Spec errors that say where (file, field path), what (the bad value) and what is allowed.

Everything a spec error shows comes from a file the spec author wrote, so it is rendered
printable: a control character (an ANSI escape, NUL, a newline inside a value) is shown escaped,
never sent raw to the reader's terminal or log.

>>> str(SpecProblem("scopes.\\x1b[31mred", "unknown scope"))
'scopes.\\\\x1b[31mred: unknown scope'
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

SHOWN_VALUE_LIMIT = 80  # characters of a bad value an error repeats; the rest is counted, not shown
SHOWN_KEY_LIMIT = 64  # characters of a mapping key a field path repeats
PROBLEM_LIMIT = 1_000  # characters of one problem's line
SHOWN_PROBLEMS = 50  # problems an error lists; the rest are counted


@dataclass(frozen=True)
class SpecProblem:
    """One thing wrong with a spec, at a field path such as ``datasets[2].columns[0]``."""

    path: str
    message: str

    def __str__(self) -> str:
        text = f"{self.path}: {self.message}" if self.path else self.message
        return cut(printable(text), PROBLEM_LIMIT)


class SpecError(ValueError):
    """A spec failed validation; ``problems`` lists every problem found, not just the first."""

    def __init__(self, source: str, problems: Sequence[SpecProblem]) -> None:
        self.source = source
        self.problems = tuple(problems)
        lines = "\n".join(f"  - {problem}" for problem in self.problems[:SHOWN_PROBLEMS])
        if len(self.problems) > SHOWN_PROBLEMS:
            lines += f"\n  ... and {len(self.problems) - SHOWN_PROBLEMS} more"
        count = f"{len(self.problems)} problem{'s' if len(self.problems) != 1 else ''}"
        super().__init__(f"invalid MGDC spec {printable(source)} ({count}):\n{lines}")


def printable(text: str) -> str:
    r"""``text`` with every non-printable character escaped as Python writes it in a string.

    >>> printable("a\x1b[2Jb\nc\u202ed\x00 ok")
    'a\\x1b[2Jb\\nc\\u202ed\\x00 ok'
    """
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() else repr(char)[1:-1] for char in text)


def cut(text: str, limit: int) -> str:
    """``text`` if it fits in ``limit`` characters, else its start and an ellipsis.

    >>> cut("abcdef", 4)
    'abc…'
    """
    return text if len(text) <= limit else f"{text[: limit - 1]}…"


def shown(value: object, limit: int = SHOWN_VALUE_LIMIT) -> str:
    """A bad value as an error repeats it: its ``repr``, cut after ``limit`` characters.

    >>> shown("x" * 100, limit=10)
    "'xxxxxxx… (100 characters)"
    >>> shown(12)
    '12'
    """
    text = repr(value)
    if len(text) <= limit:
        return text
    size = f"{len(value)} characters" if isinstance(value, str) else f"{len(text)} characters written out"
    return f"{cut(text, limit - 1)} ({size})"


def field_path(location: Iterable[object]) -> str:
    """``("datasets", 2, "columns")`` → ``datasets[2].columns``; an overlong key is cut.

    >>> field_path(("datasets", 2, "columns"))
    'datasets[2].columns'
    """
    path = ""
    for part in location:
        if isinstance(part, int) and not isinstance(part, bool):
            path += f"[{part}]"
            continue
        name = str(part)
        name = cut(name, SHOWN_KEY_LIMIT)
        path += f".{name}" if path else name
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
