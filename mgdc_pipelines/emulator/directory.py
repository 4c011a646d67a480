"""Directory listings: ``/users``, ``/groups`` and a group's transitive user members.

Scope expansion asks for valid users (``accountEnabled eq true and userType eq 'Member' and
createdDateTime lt <as_of>``) and groups (``createdDateTime lt <as_of>``). A listing filters
users or groups on their own attributes first and builds profile rows only for the page served.

>>> import datetime as dt
>>> from mgdc_pipelines.emulator.odata import parse_filter
>>> from mgdc_pipelines.sources.synthetic import SyntheticTenant, TenantConfig
>>> tenant = SyntheticTenant(TenantConfig(seed=42, users=40))
>>> as_of = dt.datetime(2026, 3, 10, tzinfo=dt.timezone.utc)
>>> wanted = parse_filter("accountEnabled eq true and userType eq 'Member' and "
...                       "createdDateTime lt 2026-03-10T00:00:00Z")
>>> from mgdc_pipelines.sources.base import Scope
>>> users = matching(tenant.users, wanted, USER_FILTERS, "/users")
>>> users == list(tenant.users_in_scope(Scope.everyone(), as_of=as_of))
True
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Callable, Iterable, Mapping, Sequence

from mgdc_pipelines.emulator.graph_rows import GraphRows
from mgdc_pipelines.emulator.mutations import Mutations
from mgdc_pipelines.emulator.odata import Comparison, unsupported_filter
from mgdc_pipelines.sources.synthetic.batches import iso_z

_DAY = dt.timedelta(days=1)
_OPERATORS: dict[str, Callable[[object, object], bool]] = {
    "eq": operator.eq, "ne": operator.ne, "gt": operator.gt,
    "ge": operator.ge, "lt": operator.lt, "le": operator.le,
}
# Filterable property → (how to read it from a User/Group, its literal type, allowed operators).
Filters = Mapping[str, tuple[Callable[[object], object], type, frozenset[str]]]
_EQUALITY, _ORDER = frozenset({"eq", "ne"}), frozenset(_OPERATORS)
USER_FILTERS: Filters = {
    "accountEnabled": (lambda user: user.account_enabled, bool, _EQUALITY),
    "userType": (lambda user: user.user_type, str, _EQUALITY),
    "createdDateTime": (lambda user: user.created_at, dt.datetime, _ORDER),
}
GROUP_FILTERS: Filters = {"createdDateTime": (lambda group: group.created_at, dt.datetime, _ORDER)}


def matching(items: Iterable, comparisons: Sequence[Comparison], filters: Filters, path: str) -> list:
    """The items (in their order) every comparison holds for; unsupported ones are a 400."""
    for comparison in comparisons:
        spec = filters.get(comparison.property)
        if spec is None or comparison.operator not in spec[2] or not isinstance(comparison.value, spec[1]):
            raise unsupported_filter(comparisons, path, _describe(filters))
    return [
        item for item in items
        if all(_OPERATORS[c.operator](filters[c.property][0](item), c.value) for c in comparisons)
    ]


def _describe(filters: Filters) -> str:
    parts = (f"{name} {'|'.join(sorted(ops))} <{kind.__name__}>" for name, (_, kind, ops) in filters.items())
    return "comparisons joined by `and`: " + "; ".join(parts)


class DirectoryRows:
    """Profile rows of users (User_v1) and groups (GroupDetails_v0) as of a moment."""

    def __init__(self, rows: GraphRows, mutations: Mutations) -> None:
        self._rows, self._mutations = rows, mutations

    def user(self, user, as_of: dt.datetime) -> Mapping:
        if user.user_type == "Guest":
            return self._mutations.apply("User_v1", user.id, (guest_profile(user),))[0]
        return self._first("User_v1", user.id, as_of)

    def group(self, group, as_of: dt.datetime) -> Mapping:
        return self._first("GroupDetails_v0", group.id, as_of)

    def _first(self, dataset: str, unit_id: str, as_of: dt.datetime) -> Mapping:
        rows = self._mutations.apply(dataset, unit_id, self._rows.rows(dataset, unit_id, as_of - _DAY, as_of))
        return rows[0] if rows else {"id": unit_id}


def guest_profile(user) -> dict:
    """A guest's directory entry; the generators profile only the tenant's own accounts."""
    return {
        "id": user.id,
        "displayName": user.display_name,
        "givenName": user.given_name,
        "surname": user.surname,
        "mail": user.mail,
        "mailNickname": user.mail_nickname,
        "userPrincipalName": user.user_principal_name,
        "accountEnabled": user.account_enabled,
        "userType": user.user_type,
        "createdDateTime": iso_z(user.created_at),
    }
