"""The people of the synthetic organization: employees, their org chart, and guests.

Layout of user indices (user ids are ``uuid5(.../user/{index})``):

* ``0`` is the CEO;
* then one contiguous block per department, its first member being the department's VP;
* then the guests (B2B accounts of people at partner companies), after all employees.

Inside a department the VP heads a tree in which no manager has more than :data:`SPAN` direct
reports, so a 600-person department gets directors, then first-line managers, then ICs.
A few employees are disabled (they left the company); they keep their department and group
memberships, as real directories do, but have no manager, no reports and no activity.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

from mgdc_pipelines.sources.synthetic.config import TenantConfig
from mgdc_pipelines.sources.synthetic.departments import (
    CEO_TITLE,
    DEPARTMENTS,
    EXECUTIVE_DEPARTMENT,
    Department,
)
from mgdc_pipelines.sources.synthetic.identifiers import user_id
from mgdc_pipelines.sources.synthetic.names import (
    GIVEN_NAMES,
    OUTSIDE_COMPANIES,
    SURNAMES,
    OutsideCompany,
)
from mgdc_pipelines.sources.synthetic.offices import OFFICE_WEIGHTS, OFFICES, SEATTLE, UTC, Office
from mgdc_pipelines.sources.synthetic.randomness import pick, rng_for, stable_guid

SPAN = 7  # most direct reports one manager has
SAME_OFFICE_AS_MANAGER = 0.7
_HIRING_WINDOW = {1: 0.05, 2: 0.3, 3: 0.6}  # share of the hiring span in which each level joins


@dataclass(frozen=True, slots=True)
class User:
    """One account in the directory."""

    index: int
    id: str
    given_name: str
    surname: str
    mail_nickname: str
    mail: str
    user_principal_name: str
    department: Department | None  # None for the CEO and for guests
    job_title: str | None
    office: Office | None  # None for guests
    manager: int | None
    direct_reports: tuple[int, ...]
    level: int  # 0 CEO, 1 VP, 2.. deeper; -1 for guests and disabled accounts
    created_at: dt.datetime
    account_enabled: bool
    user_type: str  # "Member" or "Guest"
    company: OutsideCompany | None  # a guest's home company
    mailbox_guid: str

    @property
    def display_name(self) -> str:
        return f"{self.given_name} {self.surname}"

    @property
    def is_valid(self) -> bool:
        """Whether MGDC extracts this user: an enabled member account (guests never are)."""
        return self.account_enabled and self.user_type == "Member"

    @property
    def department_name(self) -> str | None:
        if self.department is not None:
            return self.department.name
        return EXECUTIVE_DEPARTMENT if self.user_type == "Member" else None

    @property
    def department_key(self) -> str:
        """The department's nickname, ``executive`` for the CEO, ``guest`` for guests."""
        if self.department is not None:
            return self.department.nickname
        return "executive" if self.user_type == "Member" else "guest"

    @property
    def office_location(self) -> str | None:
        """``SEA-3/1421``: building, floor and desk, as HR systems fill ``officeLocation``."""
        if self.office is None:
            return None
        return f"{self.office.building_prefix}-{2 + self.index % 5}/{1100 + self.index % 900}"

    @property
    def is_manager(self) -> bool:
        return bool(self.direct_reports)


@dataclass
class _Draft:
    """A user while the org chart is being built (mutable); frozen into :class:`User` after."""

    index: int
    department: Department | None
    enabled: bool = True
    manager: int | None = None
    reports: list[int] | None = None
    level: int = -1
    office: Office | None = None
    created_at: dt.datetime | None = None
    title: str | None = None


def build_people(config: TenantConfig) -> tuple[User, ...]:
    """Every employee and guest, indexed by position."""
    drafts = _employee_drafts(config)
    _build_org_chart(config, drafts)
    _assign_titles(config, drafts)
    _assign_offices_and_start_dates(config, drafts)
    names = _NameBook(config)
    employees = [_freeze(config, draft, names) for draft in drafts]
    guests = [_guest(config, len(drafts) + offset, names) for offset in range(config.guest_users)]
    return tuple(employees + guests)


def org_chart_order(users: Sequence[User]) -> tuple[int, ...]:
    """User indices team by team: the CEO, then each manager followed by everyone below them,
    reports in the order they were attached; then whoever is outside the chart (disabled
    accounts, guests) in index order.

    Inside a department :func:`_attach` deals a manager's people out in strides, so a team's
    members are far apart by index; in this order they are next to each other.

    >>> from mgdc_pipelines.sources.synthetic.config import TenantConfig
    >>> users = build_people(TenantConfig(seed=1, users=30, disabled_user_ratio=0.0))
    >>> order = org_chart_order(users)
    >>> sorted(order) == list(range(len(users))), order[0]
    (True, 0)
    >>> all(order.index(u.manager) < order.index(u.index) for u in users if u.manager is not None)
    True
    """
    order: list[int] = []
    below = [0] if users else []
    while below:
        index = below.pop()
        order.append(index)
        below.extend(reversed(users[index].direct_reports))
    charted = set(order)
    return (*order, *(user.index for user in users if user.index not in charted))


def _employee_drafts(config: TenantConfig) -> list[_Draft]:
    drafts = [_Draft(0, None)]
    sizes = apportion(config.users - 1, [d.weight for d in DEPARTMENTS])
    for department, size in zip(DEPARTMENTS, sizes):
        first = len(drafts)
        drafts.extend([_Draft(first + offset, department) for offset in range(size)])
    rng = rng_for(config.seed, "disabled-accounts")
    # Department heads stay enabled; anyone else may have left.
    candidates = [d for d in drafts[1:] if drafts[d.index - 1].department is d.department]
    for draft in rng.sample(
        candidates, min(len(candidates), round(config.users * config.disabled_user_ratio))
    ):
        draft.enabled = False
    return drafts


def apportion(total: int, weights: Sequence[float]) -> list[int]:
    """Split ``total`` into integers proportional to ``weights``, each at least 1.

    >>> apportion(9, [0.5, 0.3, 0.2])
    [4, 3, 2]
    """
    minimum = min(1, total // len(weights)) if total >= len(weights) else 0
    spare = total - minimum * len(weights)
    scale = sum(weights)
    exact = [spare * w / scale for w in weights]
    sizes = [minimum + int(x) for x in exact]
    by_remainder = sorted(range(len(weights)), key=lambda i: (-(exact[i] - int(exact[i])), i))
    for i in by_remainder[: total - sum(sizes)]:
        sizes[i] += 1
    return sizes


def _build_org_chart(config: TenantConfig, drafts: list[_Draft]) -> None:
    ceo = drafts[0]
    ceo.level, ceo.reports = 0, []
    for department in DEPARTMENTS:
        members = [d for d in drafts if d.department is department]
        if not members:
            continue
        vp, rest = members[0], [d for d in members[1:] if d.enabled]
        vp.manager, vp.level = ceo.index, 1
        ceo.reports.append(vp.index)
        _attach(drafts, vp, [d.index for d in rest])


def _attach(drafts: list[_Draft], head: _Draft, people: list[int]) -> None:
    """Place ``people`` under ``head`` so nobody manages more than SPAN people directly."""
    head.reports = head.reports or []
    if len(people) <= SPAN:
        sub_heads, chunks = people, [[] for _ in people]
    else:
        count = min(SPAN, -(-len(people) // (SPAN + 1)))
        sub_heads, rest = people[:count], people[count:]
        chunks = [rest[i::count] for i in range(count)]
    for index, chunk in zip(sub_heads, chunks):
        report = drafts[index]
        report.manager, report.level = head.index, head.level + 1
        head.reports.append(index)
        _attach(drafts, report, chunk)


def _assign_titles(config: TenantConfig, drafts: list[_Draft]) -> None:
    for draft in drafts:
        rng = rng_for(config.seed, "title", draft.index)
        if draft.level == 0:
            draft.title = CEO_TITLE
        elif draft.level == 1:
            draft.title = draft.department.vp_title
        elif draft.reports and any(drafts[r].reports for r in draft.reports):
            draft.title = draft.department.director_title
        elif draft.reports:
            draft.title = draft.department.manager_title
        else:
            titles = draft.department.ic_titles
            # The first titles are the common ones: weight them up.
            draft.title = titles[min(int(rng.expovariate(0.6)), len(titles) - 1)]


def _assign_offices_and_start_dates(config: TenantConfig, drafts: list[_Draft]) -> None:
    """Walk the org chart top-down: people often sit with their manager and join after them."""
    start = dt.datetime.combine(config.tenant_start, dt.time(16, 0), tzinfo=UTC)
    end = start + dt.timedelta(days=config.hiring_span_days)
    ceo = drafts[0]
    ceo.office, ceo.created_at = SEATTLE, start
    queue = deque(ceo.reports)
    while queue:
        draft = drafts[queue.popleft()]
        manager = drafts[draft.manager]
        rng = rng_for(config.seed, "placement", draft.index)
        if draft.level > 1 and rng.random() < SAME_OFFICE_AS_MANAGER:
            draft.office = manager.office
        else:
            draft.office = rng.choices(OFFICES, OFFICE_WEIGHTS)[0]
        # Leaders join early, everyone else any time, but never before their manager.
        joined = start + (end - start) * rng.random() * _HIRING_WINDOW.get(draft.level, 1.0)
        earliest = manager.created_at + dt.timedelta(days=rng.uniform(1, 30))
        draft.created_at = max(joined, earliest)
        queue.extend(draft.reports or ())
    for draft in drafts:
        if draft.created_at is None:  # disabled accounts: anywhere in the company's history
            rng = rng_for(config.seed, "placement", draft.index)
            draft.office = rng.choices(OFFICES, OFFICE_WEIGHTS)[0]
            draft.created_at = start + (end - start) * rng.random() + dt.timedelta(hours=1)
            draft.title = draft.title or draft.department.ic_titles[0]


class _NameBook:
    """Hands out unique mail nicknames: ``Christie.Cline``, then ``Christie.Cline2``..."""

    def __init__(self, config: TenantConfig) -> None:
        self._seed = config.seed
        self._taken: dict[str, int] = {}

    def name_for(self, index: int) -> tuple[str, str]:
        rng = rng_for(self._seed, "name", index)
        return pick(rng, GIVEN_NAMES), pick(rng, SURNAMES)

    def nickname(self, given: str, surname: str) -> str:
        base = re.sub(r"[^A-Za-z0-9.]", "", f"{given}.{surname}")
        count = self._taken.get(base.lower(), 0) + 1
        self._taken[base.lower()] = count
        return base if count == 1 else f"{base}{count}"


def _freeze(config: TenantConfig, draft: _Draft, names: _NameBook) -> User:
    given, surname = names.name_for(draft.index)
    nickname = names.nickname(given, surname)
    mail = f"{nickname}@{config.domain}"
    return User(
        index=draft.index,
        id=user_id(config.seed, draft.index),
        given_name=given,
        surname=surname,
        mail_nickname=nickname,
        mail=mail,
        user_principal_name=mail,
        department=draft.department,
        job_title=draft.title,
        office=draft.office,
        manager=draft.manager,
        direct_reports=tuple(draft.reports or ()),
        level=draft.level if draft.enabled else -1,
        created_at=draft.created_at.replace(microsecond=0),
        account_enabled=draft.enabled,
        user_type="Member",
        company=None,
        mailbox_guid=stable_guid(config.seed, "mailbox", draft.index),
    )


def _guest(config: TenantConfig, index: int, names: _NameBook) -> User:
    rng = rng_for(config.seed, "guest", index)
    given, surname = names.name_for(index)
    company = pick(rng, OUTSIDE_COMPANIES)
    home_mail = f"{given}.{surname}@{company.domain}".lower().replace("'", "")
    start = dt.datetime.combine(config.tenant_start, dt.time(16, 0), tzinfo=UTC)
    created = start + dt.timedelta(days=30 + rng.random() * max(1, config.hiring_span_days - 30))
    return User(
        index=index,
        id=user_id(config.seed, index),
        given_name=given,
        surname=surname,
        mail_nickname=home_mail.replace("@", "_"),
        mail=home_mail,
        user_principal_name=f"{home_mail.replace('@', '_')}#EXT#@{config.domain}",
        department=None,
        job_title=None,
        office=None,
        manager=None,
        direct_reports=(),
        level=-1,
        created_at=created.replace(microsecond=0),
        account_enabled=True,
        user_type="Guest",
        company=company,
        mailbox_guid=stable_guid(config.seed, "mailbox", index),
    )
