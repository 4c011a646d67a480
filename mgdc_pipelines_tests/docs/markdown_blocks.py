"""The fenced code blocks of a Markdown page, each with the test marker written just before it.

A marker is an HTML comment on the last non-blank line before the fence, so it is invisible in
the rendered page and on GitHub:

    <!-- test: covered-by mgdc_pipelines_tests/test_cli.py::test_datasets -->

>>> page = '''# Title
...
... <!-- test: spec app.yaml -->
... ```yaml
... app: {name: x}
... ```
...
... ```python
... print(1)
... ```
... '''
>>> [(b.line, b.language, b.marker) for b in parse_blocks(page)]
[(4, 'yaml', Marker(kind='spec', args=('app.yaml',))), (8, 'python', None)]
>>> parse_blocks(page)[1].text
'print(1)\\n'
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

FENCE = re.compile(r"^(?P<fence>```+)\s*(?P<info>[^`]*)$")
MARKER = re.compile(r"^<!--\s*test:\s*(?P<body>.*?)\s*-->$")


@dataclass(frozen=True)
class Marker:
    """What a page says about how its next block is tested: a kind and its arguments.

    >>> parse_marker("<!-- test: covered-by a.py::t b.py::u -->")
    Marker(kind='covered-by', args=('a.py::t', 'b.py::u'))
    >>> parse_marker("<!-- a comment for readers -->") is None
    True
    """

    kind: str
    args: tuple[str, ...] = ()


@dataclass(frozen=True)
class Block:
    """One fenced block: where it starts (1-based line of the opening fence), its language (the
    info string's first word, "" without one), its marker, and its text."""

    source: str
    line: int
    language: str
    marker: Marker | None
    text: str

    @property
    def where(self) -> str:
        return f"{self.source}:{self.line}"


def parse_marker(line: str) -> Marker | None:
    match = MARKER.match(line.strip())
    if not match:
        return None
    kind, *args = match["body"].split()
    return Marker(kind, tuple(args))


def parse_blocks(text: str, source: str = "<page>") -> list[Block]:
    """Every top-level fenced block of a Markdown text, in page order."""
    blocks: list[Block] = []
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        opening = FENCE.match(lines[index])
        if not opening:
            index += 1
            continue
        end = _closing_fence(lines, index, opening["fence"])
        info = opening["info"].split()
        blocks.append(Block(
            source=source,
            line=index + 1,
            language=info[0] if info else "",
            marker=_marker_before(lines, index),
            text="".join(line + "\n" for line in lines[index + 1:end]),
        ))
        index = end + 1
    return blocks


def blocks_of(path: Path, root: Path) -> list[Block]:
    """The blocks of a page file, named by its path relative to ``root``."""
    return parse_blocks(path.read_text(encoding="utf-8"), source=str(path.relative_to(root)))


def _closing_fence(lines: list[str], opening: int, fence: str) -> int:
    for index in range(opening + 1, len(lines)):
        if lines[index].strip() == fence:
            return index
    raise ValueError(f"line {opening + 1}: the code block is never closed")


def _marker_before(lines: list[str], fence_index: int) -> Marker | None:
    for index in range(fence_index - 1, -1, -1):
        if lines[index].strip():
            return parse_marker(lines[index])
    return None
