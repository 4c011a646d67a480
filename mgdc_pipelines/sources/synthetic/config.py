"""The knobs of the synthetic tenant: what a spec's ``source:`` block may set.

Every field has a default, so ``TenantConfig()`` is a complete, realistic organization.
Values come from YAML, so dates may be given as ``date`` objects or ISO strings.

>>> TenantConfig(seed=7, users=40).users
40
>>> TenantConfig(users=3)
Traceback (most recent call last):
...
ValueError: TenantConfig.users: 3 is out of range; allowed: an integer from 10 to 250000
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

_DOMAIN = re.compile(r"^(?=.{4,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


@dataclass(frozen=True)
class TenantConfig:
    """How big and how busy the synthetic organization is. Same config → same rows."""

    seed: int = 42
    """Seeds everything: names, org chart, mail, meetings, chats, sites. Any integer."""
    users: int = 120
    """Employee accounts (member users, including a few disabled ones); guests come on top."""
    guest_users: int = 4
    """Guest (B2B) accounts from partner companies: in the directory, never extracted."""
    disabled_user_ratio: float = 0.03
    """Share of employee accounts that are disabled (left the company): never extracted."""
    domain: str = "contoso.example.com"
    """The tenant's primary e-mail domain; also names the SharePoint host (``contoso``)."""
    organization_name: str = "Contoso"
    """The company name shown in profiles, signatures and site titles."""
    messages_per_user_per_day: float = 6.0
    """Mean e-mails an employee sends on a working day (replies included; weekends are quiet)."""
    external_messages_per_user_per_day: float = 1.5
    """Mean e-mails an employee receives per working day from outside (customers, services)."""
    meetings_per_user_per_week: float = 4.0
    """Mean one-off meetings an employee organizes per week (weekly 1:1s and team syncs extra)."""
    chats_per_user_per_day: float = 12.0
    """Mean Teams chat messages an employee sends on a working day."""
    contacts_per_user: float = 20.0
    """Mean personal Outlook contacts per employee after a few years of tenure."""
    project_groups: int = 3
    """Cross-department project groups (``project-atlas``, ``project-borealis``, ...), 0-8."""
    sharepoint_sites: int = 8
    """Communication / standalone sites besides group team sites and OneDrives, 0-40."""
    external_share_ratio: float = 0.15
    """Share of sharing links that reach outside the company (Anyone links, external guests)."""
    after_hours_ratio: float = 0.12
    """Share of mail and chat sent outside the sender's local working hours."""
    tenant_start: dt.date = dt.date(2021, 1, 4)
    """When the organization began: the first accounts, groups and sites are created then."""
    hiring_span_days: int = 1460
    """Accounts are created over this many days after ``tenant_start`` as the company grows."""
    rows_version: int = 1
    """Which version of the rows a seed gives. 1: user-scoped datasets list users in directory
    order. 2: team by team (the org chart's order), so a large tenant takes time in proportion
    to its users (at 50,000 users a day of mail is about 1.5 times faster). Version 2 has
    exactly version 1's rows, in another order. 3: as 2, but the message datasets (Message,
    SentItem, Inbox) are other mail, made as arrays a block of mailboxes at a time (several
    times faster); the datasets derived from mail (mail activity signals, Viva email hours, To Do
    flagged-email tasks) follow version 1's mail, so use version 2 when they must agree."""

    def __post_init__(self) -> None:
        if isinstance(self.tenant_start, str):
            object.__setattr__(self, "tenant_start", _parse_date("tenant_start", self.tenant_start))
        if isinstance(self.domain, str):
            object.__setattr__(self, "domain", self.domain.strip().lower())
        for check in _CHECKS:
            check(self)

    @classmethod
    def field_names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in dataclasses.fields(cls))

    def replace(self, **changes: Any) -> TenantConfig:
        """A copy with some fields changed (validated like a new config)."""
        return dataclasses.replace(self, **changes)


def _parse_date(field: str, text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(
            f"TenantConfig.{field}: {text!r} is not a date; allowed: an ISO date like 2021-01-04"
        ) from None


def _integer(field: str, low: int, high: int):
    def check(config: TenantConfig) -> None:
        value = getattr(config, field)
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(
                f"TenantConfig.{field}: {value!r} is not an integer; "
                f"allowed: an integer from {low} to {high}"
            )
        if not low <= value <= high:
            raise ValueError(
                f"TenantConfig.{field}: {value!r} is out of range; "
                f"allowed: an integer from {low} to {high}"
            )

    return check


def _number(field: str, low: float, high: float):
    def check(config: TenantConfig) -> None:
        value = getattr(config, field)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
            raise ValueError(
                f"TenantConfig.{field}: {value!r} is not a number; allowed: {low} to {high}"
            )
        if not low <= value <= high:
            raise ValueError(
                f"TenantConfig.{field}: {value!r} is out of range; allowed: {low} to {high}"
            )

    return check


def _check_seed(config: TenantConfig) -> None:
    if isinstance(config.seed, bool) or not isinstance(config.seed, int):
        raise ValueError(
            f"TenantConfig.seed: {config.seed!r} is not an integer; allowed: any integer"
        )


def _check_domain(config: TenantConfig) -> None:
    if not isinstance(config.domain, str) or not _DOMAIN.match(config.domain):
        raise ValueError(
            f"TenantConfig.domain: {config.domain!r} is not a domain name; "
            "allowed: lower-case DNS labels like contoso.example.com"
        )


def _check_organization_name(config: TenantConfig) -> None:
    name = config.organization_name
    if not isinstance(name, str) or not name.strip() or len(name) > 64:
        raise ValueError(
            f"TenantConfig.organization_name: {name!r} is invalid; allowed: 1 to 64 characters"
        )


def _check_tenant_start(config: TenantConfig) -> None:
    start = config.tenant_start
    if isinstance(start, dt.datetime) or not isinstance(start, dt.date):
        raise ValueError(
            f"TenantConfig.tenant_start: {start!r} is not a date; allowed: a date from 2000-01-01"
            " to 2090-12-31"
        )
    if not dt.date(2000, 1, 1) <= start <= dt.date(2090, 12, 31):
        raise ValueError(
            f"TenantConfig.tenant_start: {start} is out of range; allowed: 2000-01-01 to 2090-12-31"
        )


_CHECKS = (
    _check_seed,
    _integer("users", 10, 250_000),
    _integer("guest_users", 0, 10_000),
    _number("disabled_user_ratio", 0.0, 0.5),
    _check_domain,
    _check_organization_name,
    _number("messages_per_user_per_day", 0.0, 200.0),
    _number("external_messages_per_user_per_day", 0.0, 100.0),
    _number("meetings_per_user_per_week", 0.0, 60.0),
    _number("chats_per_user_per_day", 0.0, 400.0),
    _number("contacts_per_user", 0.0, 500.0),
    _integer("project_groups", 0, 8),
    _integer("sharepoint_sites", 0, 40),
    _number("external_share_ratio", 0.0, 1.0),
    _number("after_hours_ratio", 0.0, 1.0),
    _check_tenant_start,
    _integer("hiring_span_days", 0, 20 * 366),
    _integer("rows_version", 1, 3),
)
