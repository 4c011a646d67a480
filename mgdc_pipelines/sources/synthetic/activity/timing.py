"""When people do things: activity levels and send times within local working hours."""

from __future__ import annotations

import datetime as dt
import random

from mgdc_pipelines.sources.synthetic.offices import Office
from mgdc_pipelines.sources.synthetic.people import User
from mgdc_pipelines.sources.synthetic.randomness import rng_for

WEEKEND_ACTIVITY = 0.08  # weekend volume relative to a working day


def activity_level(seed: int, user: User) -> float:
    """How busy this person is relative to the average (managers send more)."""
    rng = rng_for(seed, "activity-level", user.index)
    level = 0.55 + rng.random() * 0.9
    return level * (1.3 if user.is_manager else 1.0)


def day_factor(office: Office, day: dt.date) -> float:
    return 1.0 if office.is_workday(day) else WEEKEND_ACTIVITY


def send_minute(rng: random.Random, office: Office, after_hours_ratio: float) -> float:
    """A local minute-of-day: mostly within working hours, sometimes early or late."""
    start, end = office.workday_start_minute, office.workday_end_minute
    if rng.random() >= after_hours_ratio:
        # Two humps: mornings are busier than the post-lunch dip.
        middle = start + (end - start) * (0.3 if rng.random() < 0.55 else 0.7)
        minute = rng.gauss(middle, (end - start) / 6)
        return min(max(minute, start), end - 1)
    if rng.random() < 0.7:
        return rng.uniform(end + 15, 23 * 60 + 30)  # evening catch-up
    return rng.uniform(6 * 60, max(6 * 60 + 1, start - 10))  # early bird


def meeting_minute(rng: random.Random, office: Office, duration_minutes: int) -> int:
    """A half-hour-aligned local start time that ends within working hours."""
    first = -(-office.workday_start_minute // 30) * 30
    last = office.workday_end_minute - duration_minutes
    slots = max(1, (last - first) // 30 + 1)
    return first + 30 * rng.randrange(slots)


def within_working_hours(
    rng: random.Random, office: Office, moment: dt.datetime, after_hours_ratio: float
) -> dt.datetime:
    """``moment``, or (mostly) the start of the next working period if it falls outside one.

    Replies wait for the responder's morning unless they are one of the after-hours people.
    """
    local = moment.astimezone(office.zone)
    minute = local.hour * 60 + local.minute
    day = local.date()
    if office.is_workday(day) and office.workday_start_minute <= minute < office.workday_end_minute:
        return moment
    if rng.random() < after_hours_ratio:
        return moment
    if office.is_workday(day) and minute < office.workday_start_minute:
        next_day = day
    else:
        next_day = day + dt.timedelta(days=1)
    while not office.is_workday(next_day):
        next_day += dt.timedelta(days=1)
    return office.to_utc(next_day, office.workday_start_minute + rng.uniform(5, 90))
