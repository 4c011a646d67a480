"""UTC timestamps for consent records: aware datetimes in, ISO 8601 strings on disk.

>>> to_iso(from_iso("2026-11-20T12:00:00+01:00", "decided_at"))
'2026-11-20T11:00:00+00:00'
"""

from __future__ import annotations

from datetime import datetime, timezone

from mgdc_pipelines.consent.errors import ConsentError


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def as_utc(moment: datetime, what: str = "time") -> datetime:
    """The same instant in UTC; naive datetimes are refused (their zone would be a guess)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware, got {moment!r}")
    return moment.astimezone(timezone.utc)


def to_iso(moment: datetime) -> str:
    return as_utc(moment).isoformat()


def from_iso(text: object, what: str) -> datetime:
    """Parse a stored timestamp; anything but an aware ISO 8601 string is a ConsentError."""
    try:
        return as_utc(datetime.fromisoformat(text), what)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ConsentError(
            f"{what}: expected an ISO 8601 timestamp with a time zone, got {text!r}"
        ) from None


def display(moment: datetime) -> str:
    """``2026-11-20 12:00 UTC`` for messages."""
    return as_utc(moment).strftime("%Y-%m-%d %H:%M UTC")
