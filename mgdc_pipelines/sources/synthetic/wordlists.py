"""Compact spelling for word lists: ``listed("Alex, Ben, Chloe")`` → ``("Alex", "Ben", "Chloe")``.

Keeps the vocabulary modules readable (a paragraph per list rather than a line per word).
"""

from __future__ import annotations


def listed(text: str, separator: str = ",") -> tuple[str, ...]:
    """The non-empty, stripped items of ``text`` split on ``separator``."""
    return tuple(item.strip() for item in text.split(separator) if item.strip())
