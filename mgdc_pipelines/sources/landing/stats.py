"""What one landing extraction read, kept and set aside: every delivered object is accounted for.

Once an extraction has finished, ``objects_read == rows_yielded + rows_out_of_window +
duplicates_dropped + quarantined``: an object becomes a row of the partition, belongs to another
window, repeats a message already kept, or is in the quarantine file. A line holds one object,
or several run together (``objects.py``); a malformed line that does not cut into several
counts as one. ``lines_read`` counts the non-blank lines they came on.

>>> stats = LandingStats("BasicDataSet_v0.Message_v1", "2026-11-20|all", "all files as delivered")
>>> stats.lines_read, stats.objects_read, stats.rows_yielded, stats.quarantined = 9, 10, 8, 2
>>> stats.error_ratio
0.2
>>> stats.as_metadata()["landing/quarantined"]
2
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class LandingStats:
    """Counts of one extraction, updated while its batches stream (final once ``finished``)."""

    dataset: str
    partition: str  # "2026-11-20|sales", or "2026-11-20" for tenant-wide datasets
    selection: str  # which files and rows the partition reads, in words
    files_read: int = 0
    # Files (and hidden folders) of the delivery not read, by reason (see `layout.py`).
    files_skipped: Counter[str] = field(default_factory=Counter)
    lines_read: int = 0  # non-blank lines
    objects_read: int = 0  # the JSON objects on them (one a line, unless run together)
    blank_lines: int = 0
    rows_yielded: int = 0
    rows_out_of_window: int = 0  # rows whose date falls in another partition's window
    duplicates_dropped: int = 0  # repeats of an internetMessageId (dedupe_messages only)
    quarantined: int = 0
    # Keys the catalog does not know, dropped from the rows: key path -> rows that had it.
    unknown_keys: Counter[str] = field(default_factory=Counter)
    quarantine_file: Path | None = None
    finished: bool = False

    @property
    def error_ratio(self) -> float:
        """Quarantined objects over objects read (0 when nothing was read)."""
        return self.quarantined / self.objects_read if self.objects_read else 0.0

    def unknown_keys_notice(self) -> str | None:
        """What a user must see first when a delivery disagrees with the catalog (else ``None``).

        >>> stats = LandingStats("BasicDataSet_v0.Inbox_v1", "2026-11-20|all", "all files")
        >>> stats.unknown_keys.update({"mentionsPreview": 12, "sender.emailAddress.type": 3})
        >>> print(stats.unknown_keys_notice())
        BasicDataSet_v0.Inbox_v1 2026-11-20|all: the delivery has 2 keys the catalog's schema does not: mentionsPreview (12 rows), sender.emailAddress.type (3 rows). They were dropped, not written; if Microsoft added them to the dataset, tell the project (the catalog follows real deliveries).
        """
        if not self.unknown_keys:
            return None
        keys = ", ".join(f"{key} ({rows} rows)" for key, rows in self.unknown_keys.most_common())
        return (
            f"{self.dataset} {self.partition}: the delivery has {len(self.unknown_keys)} keys the "
            f"catalog's schema does not: {keys}. They were dropped, not written; if Microsoft "
            "added them to the dataset, tell the project (the catalog follows real deliveries)."
        )

    def as_metadata(self) -> dict[str, Any]:
        """Flat, JSON-friendly materialization metadata under ``landing/``; unknown keys first,
        since they are what a user must see when a delivery disagrees with the catalog."""
        return {
            "landing/unknown_keys": dict(self.unknown_keys.most_common()),
            "landing/selection": self.selection,
            "landing/files_read": self.files_read,
            "landing/files_skipped": dict(sorted(self.files_skipped.items())),
            "landing/lines_read": self.lines_read,
            "landing/objects_read": self.objects_read,
            "landing/rows_yielded": self.rows_yielded,
            "landing/rows_out_of_window": self.rows_out_of_window,
            "landing/duplicates_dropped": self.duplicates_dropped,
            "landing/quarantined": self.quarantined,
            "landing/quarantine_file": str(self.quarantine_file or ""),
        }
