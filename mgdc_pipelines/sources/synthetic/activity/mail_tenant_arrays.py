"""The tenant's people as numpy arrays, for version 3 of the mail rows.

One entry per user index: when the account was created, whether MGDC extracts it, its office
and topic (department), how busy it is, how much of its mail goes outside, and its audience
(``collaboration.Audience``) packed into one array with running sums that grow across users,
so a weighted pick among any sender's colleagues is one ``searchsorted`` for every message.

>>> from mgdc_pipelines.sources.synthetic.tenant import SyntheticTenant
>>> from mgdc_pipelines.sources.synthetic.config import TenantConfig
>>> arrays = TenantArrays(SyntheticTenant(TenantConfig(users=40)))
>>> int(arrays.audience_size.sum()) > 0, arrays.created.dtype.name
(True, 'int64')
"""

from __future__ import annotations

import datetime as dt
import numpy as np

from mgdc_pipelines.sources.synthetic.activity.mail_pools import TOPICS
from mgdc_pipelines.sources.synthetic.activity.timing import WEEKEND_ACTIVITY, activity_level
from mgdc_pipelines.sources.synthetic.offices import Office
from mgdc_pipelines.sources.synthetic.tenant import SyntheticTenant

EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()
DEFAULT_OUTSIDE_SHARE = 0.1
MAX_DAYS = 64  # days of office factors and offsets kept  # the CEO's mail, which belongs to no department


def day_start_seconds(day: dt.date) -> int:
    """Seconds from the Unix epoch to the day's midnight, UTC.

    >>> day_start_seconds(dt.date(1970, 1, 2))
    86400
    """
    return (day.toordinal() - EPOCH_ORDINAL) * 86_400


class TenantArrays:
    """Per-user arrays of one tenant (see the module docstring)."""

    def __init__(self, tenant: SyntheticTenant) -> None:
        users, seed = tenant.users, tenant.config.seed
        self.users = len(users)
        self.created = np.array([int(u.created_at.timestamp()) for u in users], np.int64)
        self.created_day = self.created // 86_400 + EPOCH_ORDINAL
        self.valid = np.array([u.is_valid for u in users], bool)
        self.offices: tuple[Office, ...] = tuple(
            {u.office.key: u.office for u in users if u.office is not None}.values()
        )
        place = {office.key: i for i, office in enumerate(self.offices)}
        self.office = np.array([place[u.office.key] if u.office else 0 for u in users], np.int64)
        topic = {name: i for i, name in enumerate(TOPICS)}
        self.topic = np.array([topic.get(u.department_key, topic["executive"]) for u in users])
        self.level = np.array([activity_level(seed, u) if u.is_valid else 0.0 for u in users])
        self.outside_share = np.array(
            [u.department.external_mail_share if u.department else DEFAULT_OUTSIDE_SHARE
             for u in users]
        )
        self._pack_audiences(tenant)
        self.workday_start = np.array([o.workday_start_minute for o in self.offices], float)
        self.workday_end = np.array([o.workday_end_minute for o in self.offices], float)
        self._days: dict[dt.date, tuple[np.ndarray, np.ndarray]] = {}

    def _pack_audiences(self, tenant: SyntheticTenant) -> None:
        audiences = tenant.collaboration.audiences
        self.audience_size = np.array([len(a.members) for a in audiences], np.int64)
        self.audience_start = np.concatenate(([0], np.cumsum(self.audience_size)[:-1]))
        members = [np.frombuffer(a.members, np.uint32) for a in audiences if len(a.members)]
        cums = [np.frombuffer(a.cum_weights, np.float64) for a in audiences if len(a.members)]
        totals = np.array([a.cum_weights[-1] if len(a.members) else 0.0 for a in audiences])
        self.audience_total = totals
        self.audience_base = np.concatenate(([0.0], np.cumsum(totals)[:-1]))
        bases = self.audience_base[self.audience_size > 0]
        self.audience_members = np.concatenate([*members, np.zeros(1, np.uint32)]).astype(np.int64)
        self.audience_cum = np.concatenate([*(c + b for c, b in zip(cums, bases)), [np.inf]])

    def colleagues(self, sender: np.ndarray, u: np.ndarray) -> np.ndarray:
        """A colleague of each sender, weighted like ``random.choices``; -1 without any."""
        size = self.audience_size[sender]
        target = self.audience_base[sender] + u * self.audience_total[sender]
        index = np.searchsorted(self.audience_cum, target, side="right")
        index = np.minimum(index, self.audience_start[sender] + np.maximum(size, 1) - 1)
        return np.where(size > 0, self.audience_members[index], -1)

    def day_of_offices(self, day: dt.date) -> tuple[np.ndarray, np.ndarray]:
        """Each office's activity factor on ``day`` and its UTC offset (minutes) at noon."""
        if day not in self._days:
            if len(self._days) >= MAX_DAYS:
                self._days.clear()
            self._days[day] = self._office_day(day)
        return self._days[day]

    def _office_day(self, day: dt.date) -> tuple[np.ndarray, np.ndarray]:
        noon = dt.datetime(day.year, day.month, day.day, 12, tzinfo=dt.timezone.utc)
        factor = [1.0 if o.is_workday(day) else WEEKEND_ACTIVITY for o in self.offices]
        offset = [noon.astimezone(o.zone).utcoffset().total_seconds() / 60 for o in self.offices]
        return np.array(factor), np.array(offset)
