"""Row value shapes shared by several datasets: addresses, bodies, times, key casing.

Values use the nested key names real v1 deliveries use (camelCase). TeamChat_v1 writes the
same shapes in PascalCase; :func:`pascal_keys` converts a value for it.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

HTML_BODY = "microsoft.graph.bodyType'html'"  # how real deliveries spell itemBody.contentType
NO_END_DATE = "0001-01-01T00:00:00Z"  # what Exchange writes for "never" in string date fields


def email_address(name: str, address: str) -> dict:
    return {"name": name, "address": address}


def recipient(name: str, address: str) -> dict:
    """``{"emailAddress": {"name": ..., "address": ...}}``: Graph's recipient shape."""
    return {"emailAddress": {"name": name, "address": address}}


def body(content: str, kind: str = HTML_BODY) -> dict:
    return {"contentType": kind, "content": content}


def utc_date_time(moment: dt.datetime) -> dict:
    """Graph's ``dateTimeTimeZone`` in UTC, as events and follow-up flags are returned."""
    wall_clock = moment.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.0000000")
    return {"dateTime": wall_clock, "timeZone": "UTC"}


@lru_cache(maxsize=256)
def _pascal(key: str) -> str:
    return key[:1].upper() + key[1:]


def pascal_keys(value: object) -> object:
    """The same value with every dict key capitalised (``emailAddress`` → ``EmailAddress``)."""
    if isinstance(value, dict):
        return {_pascal(k): pascal_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [pascal_keys(v) for v in value]
    return value
