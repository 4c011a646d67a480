"""The synthetic organization as one object: people, groups, and who works with whom.

>>> tenant = SyntheticTenant(TenantConfig(seed=42, users=40))
>>> sales = tenant.group_by_nickname["sales"]
>>> sales.id
'3af3fdfe-f047-5c2e-87b2-226f88aba79e'
>>> all(user.department_name == "Sales" for user in tenant.members_of(sales.id))
True
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from functools import cached_property, lru_cache

from mgdc_pipelines.sources.base import Scope
from mgdc_pipelines.sources.synthetic.collaboration import Audience, build_collaboration
from mgdc_pipelines.sources.synthetic.config import TenantConfig
from mgdc_pipelines.sources.synthetic.identifiers import synthetic_uuid
from mgdc_pipelines.sources.synthetic.org_groups import Group, build_groups
from mgdc_pipelines.sources.synthetic.outside_people import OutsidePerson, outside_contacts_of
from mgdc_pipelines.sources.synthetic.people import User, build_people, org_chart_order


class SyntheticTenant:
    """A seeded Microsoft 365 organization: a pure function of its :class:`TenantConfig`."""

    def __init__(self, config: TenantConfig | None = None) -> None:
        self.config = config or TenantConfig()
        self.users: tuple[User, ...] = build_people(self.config)
        self.groups: tuple[Group, ...] = build_groups(self.config, self.users)
        self.group_by_id: dict[str, Group] = {g.id: g for g in self.groups}
        self.group_by_nickname: dict[str, Group] = {g.mail_nickname: g for g in self.groups}
        self.user_by_id: dict[str, User] = {u.id: u for u in self.users}
        self._members = {g.id: self._transitive_members(g.id) for g in self.groups}
        self._valid_members = {
            gid: tuple(i for i in members if self.users[i].is_valid)
            for gid, members in self._members.items()
        }
        self.collaboration = build_collaboration(
            self.config.seed, self.users, self.groups, self._valid_members
        )
        self.outside_contacts = lru_cache(maxsize=4096)(self._outside_contacts)

    def __repr__(self) -> str:
        seed, users, groups = self.config.seed, len(self.users), len(self.groups)
        return f"SyntheticTenant(seed={seed}, users={users}, groups={groups})"

    @cached_property
    def _org_chart_position(self) -> list[int]:
        """Each user index's place in :func:`org_chart_order`."""
        position = [0] * len(self.users)
        for place, index in enumerate(org_chart_order(self.users)):
            position[index] = place
        return position

    # --- identity ---------------------------------------------------------------------------

    @cached_property
    def directory_id(self) -> str:
        """The tenant GUID the organization's own content embeds (join links, ids).

        Rows carry the request's ``tenant_id`` in ``ptenant``; content never depends on it, so
        the same config yields the same rows for any tenant id.
        """
        return synthetic_uuid(self.config.seed, "tenant", self.config.domain)

    @cached_property
    def sharepoint_name(self) -> str:
        """``contoso`` for ``contoso.example.com`` (SharePoint: ``contoso.sharepoint.com``)."""
        return self.config.domain.split(".", 1)[0]

    def proxy_addresses(self, user) -> list[str]:
        """Exchange's ``proxyAddresses`` of a user: the primary address (``SMTP:``) and the
        ``onmicrosoft.com`` alias every mailbox gets (``smtp:``)."""
        return [
            f"SMTP:{user.mail}",
            f"smtp:{user.mail_nickname}@{self.sharepoint_name}.onmicrosoft.com",
        ]

    @cached_property
    def valid_user_count(self) -> int:
        """How many accounts MGDC would extract for the whole organization."""
        return sum(1 for user in self.users if user.is_valid)

    @property
    def domain(self) -> str:
        return self.config.domain

    # --- groups and scopes ------------------------------------------------------------------

    def group(self, group_id: str) -> Group:
        """The group with this id; an unknown id raises a ``ValueError`` listing the known ones."""
        try:
            return self.group_by_id[group_id]
        except KeyError:
            known = ", ".join(f"{g.mail_nickname}={g.id}" for g in self.groups)
            raise ValueError(
                f"unknown group id {group_id!r} in the synthetic tenant (seed {self.config.seed}); "
                f"known groups: {known}"
            ) from None

    def members_of(self, group_id: str) -> tuple[User, ...]:
        """Transitive members (through nested groups), guests and disabled accounts included."""
        return tuple(self.users[i] for i in self._members[self.group(group_id).id])

    def valid_member_indices(self, group_id: str) -> tuple[int, ...]:
        """Indices of the group's transitive members MGDC would extract."""
        return self._valid_members[self.group(group_id).id]

    def users_in_scope(self, scope: Scope, as_of: dt.datetime | None = None) -> tuple[User, ...]:
        """The valid users a user-scoped extraction covers: by index, or team by team from
        version 2 of the rows (:func:`~mgdc_pipelines.sources.synthetic.people.org_chart_order`).

        Valid means what MGDC extracts: enabled member accounts (no guests, no disabled
        accounts) that exist at ``as_of``. A user in two of the scope's groups appears once.
        """
        if scope.is_everyone:
            indices = range(len(self.users))
        else:
            indices = sorted({i for g in scope.group_ids for i in self.valid_member_indices(g)})
        if self.config.rows_version >= 2:
            indices = sorted(indices, key=self._org_chart_position.__getitem__)
        return tuple(
            user
            for user in (self.users[i] for i in indices)
            if user.is_valid and (as_of is None or user.created_at < as_of)
        )

    def groups_in_scope(self, scope: Scope, as_of: dt.datetime | None = None) -> tuple[Group, ...]:
        """The groups a group-scoped extraction covers: the scope's groups, or all of them."""
        if scope.is_everyone:
            chosen = self.groups
        else:
            wanted = {self.group(g).id for g in scope.group_ids}
            chosen = tuple(g for g in self.groups if g.id in wanted)
        return tuple(g for g in chosen if as_of is None or g.created_at < as_of)

    def _transitive_members(self, group_id: str) -> tuple[int, ...]:
        seen_groups, members, pending = {group_id}, set(), [group_id]
        while pending:
            group = self.group_by_id[pending.pop()]
            members.update(group.member_users)
            for nested in group.member_groups:
                if nested not in seen_groups:
                    seen_groups.add(nested)
                    pending.append(nested)
        return tuple(sorted(members))

    # --- collaboration ----------------------------------------------------------------------

    def audience(self, index: int) -> Audience:
        return self.collaboration.audiences[index]

    def potential_senders(self, index: int) -> Sequence[int]:
        """Users whose mail, chats or invitations may reach this user (themselves excluded)."""
        return self.collaboration.potential_senders[index]

    def _outside_contacts(self, index: int) -> tuple[OutsidePerson, ...]:
        return outside_contacts_of(self.config.seed, self.users[index])


@lru_cache(maxsize=4)
def tenant_for(config: TenantConfig) -> SyntheticTenant:
    """A shared, bounded cache of tenants: building one is cheap, but not free."""
    return SyntheticTenant(config)
