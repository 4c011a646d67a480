"""Compact spelling for word lists: ``listed("Alex, Ben, Chloe")`` → ``("Alex", "Ben", "Chloe")``.

Keeps the vocabulary modules readable (a paragraph per list rather than a line per word).
"""

from __future__ import annotations


def listed(text: str, separator: str = ",") -> tuple[str, ...]:
    """The items of ``text`` split on ``separator``, whitespace collapsed (items may wrap lines)."""
    return tuple(" ".join(item.split()) for item in text.split(separator) if item.strip())
