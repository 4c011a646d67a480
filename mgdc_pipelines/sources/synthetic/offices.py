"""Offices: where people sit, which time zone their day runs in, and their working hours.

Activity (mail, chats, meetings) is generated per *local* day and placed in local working
hours, then converted to UTC, so a Sydney morning lands on the previous UTC day, as it does in
real tenants.

>>> SEATTLE.to_utc(dt.date(2026, 11, 20), 9 * 60).isoformat()
'2026-11-20T17:00:00+00:00'
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cached_property
from zoneinfo import ZoneInfo

UTC = dt.timezone.utc


@dataclass(frozen=True)
class Office:
    """One office of the company and the conventions of the people who work there."""

    key: str
    city: str
    state: str
    country: str
    usage_location: str  # ISO country code, as in User.usageLocation
    postal_code: str
    street: str
    time_zone: str  # IANA name
    windows_time_zone: str  # what Outlook writes in originalStartTimeZone
    geo: str  # SharePoint / Exchange geography (multi-geo location code)
    phone_prefix: str
    language: str
    latitude: float
    longitude: float
    workday_start_minute: int = 9 * 60
    workday_end_minute: int = 17 * 60 + 30
    weekend: tuple[int, ...] = (5, 6)  # date.weekday() values
    building_prefix: str = ""  # building code in office locations and room names

    @cached_property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    def to_utc(self, day: dt.date, minute_of_day: float) -> dt.datetime:
        """The UTC moment of a local wall-clock time (minutes after local midnight)."""
        whole = int(minute_of_day)
        seconds = int((minute_of_day - whole) * 60)
        local = dt.datetime(day.year, day.month, day.day, tzinfo=self.zone) + dt.timedelta(
            minutes=whole, seconds=seconds
        )
        # Adding a timedelta to an aware datetime keeps the wall clock; normalise through UTC.
        return local.astimezone(UTC)

    def local_days(self, start: dt.datetime, end: dt.datetime) -> list[dt.date]:
        """Local calendar days that overlap the UTC interval ``[start, end)``."""
        if end <= start:
            return []
        first = start.astimezone(self.zone).date()
        last = (end - dt.timedelta(microseconds=1)).astimezone(self.zone).date()
        return [first + dt.timedelta(days=offset) for offset in range((last - first).days + 1)]

    def is_workday(self, day: dt.date) -> bool:
        return day.weekday() not in self.weekend


SEATTLE = Office(
    key="seattle",
    city="Seattle",
    state="WA",
    country="United States",
    usage_location="US",
    postal_code="98109",
    street="320 Westlake Ave N",
    time_zone="America/Los_Angeles",
    windows_time_zone="Pacific Standard Time",
    geo="NAM",
    phone_prefix="+1 206 555",
    language="en-US",
    latitude=47.6221,
    longitude=-122.3381,
    building_prefix="SEA",
)
NEW_YORK = Office(
    key="new-york",
    city="New York",
    state="NY",
    country="United States",
    usage_location="US",
    postal_code="10018",
    street="11 Times Square",
    time_zone="America/New_York",
    windows_time_zone="Eastern Standard Time",
    geo="NAM",
    phone_prefix="+1 212 555",
    language="en-US",
    latitude=40.7566,
    longitude=-73.9903,
    building_prefix="NYC",
)
LONDON = Office(
    key="london",
    city="London",
    state="England",
    country="United Kingdom",
    usage_location="GB",
    postal_code="EC2A 2EW",
    street="2 Kingdom Street",
    time_zone="Europe/London",
    windows_time_zone="GMT Standard Time",
    geo="GBR",
    phone_prefix="+44 20 7946",
    language="en-GB",
    latitude=51.5203,
    longitude=-0.1783,
    building_prefix="LON",
)
BANGALORE = Office(
    key="bangalore",
    city="Bengaluru",
    state="Karnataka",
    country="India",
    usage_location="IN",
    postal_code="560103",
    street="Outer Ring Road, Bellandur",
    time_zone="Asia/Kolkata",
    windows_time_zone="India Standard Time",
    geo="IND",
    phone_prefix="+91 80 4010",
    language="en-IN",
    latitude=12.9260,
    longitude=77.6762,
    workday_start_minute=9 * 60 + 30,
    workday_end_minute=18 * 60 + 30,
    building_prefix="BLR",
)
SYDNEY = Office(
    key="sydney",
    city="Sydney",
    state="NSW",
    country="Australia",
    usage_location="AU",
    postal_code="2000",
    street="1 Denison Street",
    time_zone="Australia/Sydney",
    windows_time_zone="AUS Eastern Standard Time",
    geo="AUS",
    phone_prefix="+61 2 5550",
    language="en-AU",
    latitude=-33.8382,
    longitude=151.2070,
    workday_start_minute=8 * 60 + 30,
    workday_end_minute=17 * 60,
    building_prefix="SYD",
)

# Headquarters first; weights are the share of employees in each office.
OFFICES: tuple[Office, ...] = (SEATTLE, NEW_YORK, LONDON, BANGALORE, SYDNEY)
OFFICE_WEIGHTS: tuple[float, ...] = (0.36, 0.2, 0.18, 0.16, 0.1)
