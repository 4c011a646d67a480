"""The directory's groups, with predictable ids.

Every group id is ``uuid5(NAMESPACE_URL, f"mgdc-synthetic/{seed}/group/{mail_nickname}")``:

* ``all-company``: Microsoft 365 group of every employee (dynamic membership rule);
* one Teams-enabled Microsoft 365 group per department: ``engineering``, ``sales``,
  ``support``, ``marketing``, ``operations``, ``finance``, ``hr``, ``legal``;
* ``project-atlas``, ``project-borealis``, ...: cross-department project teams (Teams-enabled;
  the first one also has a guest);
* ``sensitive-data-access``: a security group whose members are the ``finance`` and ``legal``
  groups (nested) and the CEO, so scoping by it exercises transitive membership;
* ``people-managers``: a distribution list of everyone who manages someone.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

from mgdc_pipelines.sources.synthetic.config import TenantConfig
from mgdc_pipelines.sources.synthetic.departments import DEPARTMENTS, Department
from mgdc_pipelines.sources.synthetic.identifiers import group_id
from mgdc_pipelines.sources.synthetic.offices import UTC
from mgdc_pipelines.sources.synthetic.people import User
from mgdc_pipelines.sources.synthetic.randomness import rng_for, sample_distinct
from mgdc_pipelines.sources.synthetic.wordlists import listed

PROJECT_NAMES = listed("atlas, borealis, cascade, dynamo, evergreen, falcon, granite, horizon")
ALL_COMPANY = "all-company"
SECURITY_GROUP = "sensitive-data-access"
DISTRIBUTION_LIST = "people-managers"


class GroupKind(str, enum.Enum):
    MICROSOFT_365 = "Microsoft 365"
    SECURITY = "Security"
    DISTRIBUTION = "Distribution"


@dataclass(frozen=True, slots=True)
class Group:
    """One directory group; members are direct (nested groups are listed in ``member_groups``)."""

    id: str
    mail_nickname: str
    display_name: str
    description: str
    kind: GroupKind
    mail: str | None
    teams_enabled: bool
    visibility: str | None
    member_users: tuple[int, ...]
    member_groups: tuple[str, ...]
    owners: tuple[int, ...]
    created_at: dt.datetime
    membership_rule: str | None = None
    classification: str | None = None
    department: Department | None = None

    @property
    def mail_enabled(self) -> bool:
        return self.mail is not None

    @property
    def security_enabled(self) -> bool:
        return self.kind is GroupKind.SECURITY


def build_groups(config: TenantConfig, users: tuple[User, ...]) -> tuple[Group, ...]:
    employees = [u for u in users if u.user_type == "Member"]
    groups = [_all_company(config, employees)]
    groups += [_department_group(config, d, employees) for d in DEPARTMENTS]
    groups += [_project_group(config, i, users) for i in range(config.project_groups)]
    groups.append(_security_group(config, employees))
    groups.append(_distribution_list(config, employees))
    return tuple(g for g in groups if g is not None)


def _start(config: TenantConfig) -> dt.datetime:
    return dt.datetime.combine(config.tenant_start, dt.time(17, 30), tzinfo=UTC)


def _m365(config: TenantConfig, nickname: str, display: str, description: str, **fields) -> Group:
    return Group(
        id=group_id(config.seed, nickname),
        mail_nickname=nickname,
        display_name=display,
        description=description,
        kind=GroupKind.MICROSOFT_365,
        mail=f"{nickname}@{config.domain}",
        **fields,
    )


def _all_company(config: TenantConfig, employees: list[User]) -> Group:
    return _m365(
        config,
        ALL_COMPANY,
        f"All {config.organization_name}",
        f"Everyone at {config.organization_name}: announcements and company-wide news.",
        teams_enabled=True,
        visibility="Public",
        member_users=tuple(u.index for u in employees),
        member_groups=(),
        owners=(0,),
        created_at=_start(config),
        membership_rule='(user.userType -eq "Member")',
    )


def _department_group(
    config: TenantConfig, department: Department, employees: list[User]
) -> Group | None:
    members = [u for u in employees if u.department is department]
    if not members:
        return None
    head = members[0]
    sensitive = department.nickname in ("finance", "hr", "legal")
    return _m365(
        config,
        department.nickname,
        department.name,
        department.description,
        teams_enabled=True,
        visibility="Private" if sensitive else "Public",
        member_users=tuple(u.index for u in members),
        member_groups=(),
        owners=(head.index,),
        created_at=head.created_at + dt.timedelta(hours=20),
        classification="Confidential" if sensitive else "General",
        department=department,
    )


def _project_group(config: TenantConfig, number: int, users: tuple[User, ...]) -> Group:
    name = PROJECT_NAMES[number]
    rng = rng_for(config.seed, "project-group", name)
    departments = sample_distinct(rng, DEPARTMENTS, rng.randint(2, 4))
    pool = [u for u in users if u.is_valid and u.department in departments]
    members = sorted(sample_distinct(rng, pool, rng.randint(5, 12)), key=lambda u: u.index)
    guests = [u for u in users if u.user_type == "Guest"]
    if number == 0 and guests:
        members.append(guests[0])  # partners collaborate in the first project's team
    owner = min((u for u in members if u.user_type == "Member"), key=lambda u: (u.level, u.index))
    span = max(1, config.hiring_span_days)
    created = _start(config) + dt.timedelta(days=span * (0.25 + 0.5 * rng.random()))
    return _m365(
        config,
        f"project-{name}",
        f"Project {name.title()}",
        f"Cross-team project {name.title()}: planning, files and chat.",
        teams_enabled=True,
        visibility="Private",
        member_users=tuple(u.index for u in members),
        member_groups=(),
        owners=(owner.index,),
        created_at=created.replace(microsecond=0),
        classification="General",
    )


def _security_group(config: TenantConfig, employees: list[User]) -> Group:
    return Group(
        id=group_id(config.seed, SECURITY_GROUP),
        mail_nickname=SECURITY_GROUP,
        display_name="Sensitive Data Access",
        description="Grants access to financial and legal records (nests Finance and Legal).",
        kind=GroupKind.SECURITY,
        mail=None,
        teams_enabled=False,
        visibility=None,
        member_users=(0,),
        member_groups=(group_id(config.seed, "finance"), group_id(config.seed, "legal")),
        owners=(0,),
        created_at=_start(config) + dt.timedelta(days=45),
    )


def _distribution_list(config: TenantConfig, employees: list[User]) -> Group:
    managers = tuple(u.index for u in employees if u.is_manager)
    return Group(
        id=group_id(config.seed, DISTRIBUTION_LIST),
        mail_nickname=DISTRIBUTION_LIST,
        display_name="People Managers",
        description="Everyone who manages a team.",
        kind=GroupKind.DISTRIBUTION,
        mail=f"{DISTRIBUTION_LIST}@{config.domain}",
        teams_enabled=False,
        visibility=None,
        member_users=managers,
        member_groups=(),
        owners=(0,),
        created_at=_start(config) + dt.timedelta(days=60),
    )
