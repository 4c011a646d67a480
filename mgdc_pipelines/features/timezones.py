"""Each user's own time zone, for local-time features such as after-hours mail.

User_v1 has no time-zone column (that lives in MailboxSettings_v0's `timeZone`, which the
catalog does not carry yet), so the zone is resolved, in this order, from:

1. a `timeZone` column if the table has one (joined from mailbox settings, or added by
   you), as an IANA name (`Europe/London`) or a Windows name (`GMT Standard Time`);
2. the user's location in User_v1: `usageLocation` (ISO country) with `state` for
   countries that span several zones (US, CA, AU, BR, MX, RU), via `LOCATION_TIME_ZONES`;
3. `default` (UTC unless given).

Which rule decided is in the `time_zone_source` column; the counts are in `attrs`.

>>> import pyarrow as pa
>>> users = pa.table({"id": ["u1", "u2", "u3"], "mail": ["a@x.com", "b@x.com", "c@x.com"],
...                   "usageLocation": ["US", "IN", None], "state": ["WA", "Karnataka", None]})
>>> zones = user_time_zones(users)
>>> zones["time_zone"].tolist(), zones.attrs
(['America/Los_Angeles', 'Asia/Kolkata', 'UTC'], {'column': 0, 'location': 2, 'default': 1})
>>> to_iana("AUS Eastern Standard Time"), to_iana("Europe/Paris"), to_iana("Mars/Olympus")
('Australia/Sydney', 'Europe/Paris', None)
"""

from __future__ import annotations

import functools
import zoneinfo

import pandas as pd

from mgdc_pipelines.features.identities import Frame, address_of, as_table

# Windows time-zone names Outlook writes → IANA (CLDR windowsZones, territory 001).
WINDOWS_TO_IANA = {
    "UTC": "UTC",
    "GMT Standard Time": "Europe/London",
    "Greenwich Standard Time": "Atlantic/Reykjavik",
    "W. Europe Standard Time": "Europe/Berlin",
    "Romance Standard Time": "Europe/Paris",
    "Central Europe Standard Time": "Europe/Budapest",
    "Central European Standard Time": "Europe/Warsaw",
    "E. Europe Standard Time": "Europe/Chisinau",
    "FLE Standard Time": "Europe/Kiev",
    "GTB Standard Time": "Europe/Bucharest",
    "Russian Standard Time": "Europe/Moscow",
    "Israel Standard Time": "Asia/Jerusalem",
    "Arabian Standard Time": "Asia/Dubai",
    "India Standard Time": "Asia/Kolkata",
    "China Standard Time": "Asia/Shanghai",
    "Singapore Standard Time": "Asia/Singapore",
    "Tokyo Standard Time": "Asia/Tokyo",
    "Korea Standard Time": "Asia/Seoul",
    "AUS Eastern Standard Time": "Australia/Sydney",
    "E. Australia Standard Time": "Australia/Brisbane",
    "W. Australia Standard Time": "Australia/Perth",
    "New Zealand Standard Time": "Pacific/Auckland",
    "Eastern Standard Time": "America/New_York",
    "Central Standard Time": "America/Chicago",
    "Mountain Standard Time": "America/Denver",
    "US Mountain Standard Time": "America/Phoenix",
    "Pacific Standard Time": "America/Los_Angeles",
    "Alaskan Standard Time": "America/Anchorage",
    "Hawaiian Standard Time": "Pacific/Honolulu",
    "Atlantic Standard Time": "America/Halifax",
    "E. South America Standard Time": "America/Sao_Paulo",
    "Central Standard Time (Mexico)": "America/Mexico_City",
    "South Africa Standard Time": "Africa/Johannesburg",
}

# (usageLocation, state or None) → IANA. `None` is the whole country; states only where a
# country spans several zones. Extend it for your tenant's locations.
LOCATION_TIME_ZONES = {
    ("US", "WA"): "America/Los_Angeles", ("US", "CA"): "America/Los_Angeles", ("US", "OR"): "America/Los_Angeles",
    ("US", "NV"): "America/Los_Angeles", ("US", "AZ"): "America/Phoenix", ("US", "CO"): "America/Denver",
    ("US", "UT"): "America/Denver", ("US", "TX"): "America/Chicago", ("US", "IL"): "America/Chicago",
    ("US", "MN"): "America/Chicago", ("US", "NY"): "America/New_York", ("US", "MA"): "America/New_York",
    ("US", "GA"): "America/New_York", ("US", "FL"): "America/New_York", ("US", "NC"): "America/New_York",
    ("US", "VA"): "America/New_York", ("US", "DC"): "America/New_York", ("US", "NJ"): "America/New_York",
    ("US", "PA"): "America/New_York", ("US", "HI"): "Pacific/Honolulu", ("US", "AK"): "America/Anchorage",
    ("CA", "ON"): "America/Toronto", ("CA", "QC"): "America/Toronto", ("CA", "BC"): "America/Vancouver",
    ("CA", "AB"): "America/Edmonton", ("AU", "NSW"): "Australia/Sydney", ("AU", "VIC"): "Australia/Melbourne",
    ("AU", "QLD"): "Australia/Brisbane", ("AU", "WA"): "Australia/Perth", ("AU", "SA"): "Australia/Adelaide",
    ("BR", "SP"): "America/Sao_Paulo", ("MX", "CMX"): "America/Mexico_City", ("RU", "MOW"): "Europe/Moscow",
    ("GB", None): "Europe/London", ("IE", None): "Europe/Dublin", ("FR", None): "Europe/Paris",
    ("DE", None): "Europe/Berlin", ("NL", None): "Europe/Amsterdam", ("ES", None): "Europe/Madrid",
    ("IT", None): "Europe/Rome", ("CH", None): "Europe/Zurich", ("SE", None): "Europe/Stockholm",
    ("PL", None): "Europe/Warsaw", ("IL", None): "Asia/Jerusalem", ("AE", None): "Asia/Dubai",
    ("IN", None): "Asia/Kolkata", ("CN", None): "Asia/Shanghai", ("SG", None): "Asia/Singapore",
    ("JP", None): "Asia/Tokyo", ("KR", None): "Asia/Seoul", ("NZ", None): "Pacific/Auckland",
    ("ZA", None): "Africa/Johannesburg",
}

ZONE_COLUMNS = ["user_id", "address", "time_zone", "time_zone_source"]


@functools.cache
def to_iana(name: str | None) -> str | None:
    """An IANA zone name for an IANA or Windows name; `None` if it is neither."""
    if not name:
        return None
    if name in WINDOWS_TO_IANA:
        return WINDOWS_TO_IANA[name]
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None
    return name


def location_time_zone(usage_location: str | None, state: str | None) -> str | None:
    """The zone of a (country, state) from `LOCATION_TIME_ZONES`, or `None`."""
    if not usage_location:
        return None
    country = usage_location.upper()
    return LOCATION_TIME_ZONES.get((country, state)) or LOCATION_TIME_ZONES.get((country, None))


def user_time_zones(users: Frame, *, default: str = "UTC") -> pd.DataFrame:
    """One row per user (User_v1 `id`): address (`mail`, else UPN), IANA time zone, its source."""
    if to_iana(default) is None:
        raise ValueError(f"default time zone {default!r} is neither an IANA nor a Windows time-zone name")
    table = as_table(users)
    frame = pd.DataFrame({"user_id": table.column("id").to_pandas(), "address": _addresses(table)})
    explicit = _column(table, "timeZone").map(to_iana)
    located = pd.Series(
        [location_time_zone(c, s) for c, s in zip(_column(table, "usageLocation"), _column(table, "state"))],
        dtype=object,
    )
    frame["time_zone"] = explicit.fillna(located).fillna(to_iana(default))
    frame["time_zone_source"] = "default"
    frame.loc[located.notna(), "time_zone_source"] = "location"
    frame.loc[explicit.notna(), "time_zone_source"] = "column"
    frame = frame.drop_duplicates("user_id", keep="last").reset_index(drop=True)
    sources = frame["time_zone_source"].value_counts()
    frame.attrs = {source: int(sources.get(source, 0)) for source in ("column", "location", "default")}
    return frame[ZONE_COLUMNS]


def _addresses(table) -> pd.Series:
    mail = address_of(table.column("mail")).to_pandas() if "mail" in table.column_names else None
    upn = address_of(table.column("userPrincipalName")).to_pandas() if "userPrincipalName" in table.column_names else None
    if mail is None and upn is None:
        raise KeyError("users need a `mail` or `userPrincipalName` column (User_v1) to be matched to mail senders")
    return mail.fillna(upn) if mail is not None and upn is not None else (mail if mail is not None else upn)


def _column(table, name: str) -> pd.Series:
    if name not in table.column_names:
        return pd.Series([None] * table.num_rows, dtype=object)
    return table.column(name).to_pandas().astype(object).where(lambda s: s.notna(), None)
