"""GroupDetails_v0, GroupMembers_v0 and GroupOwners_v0: the scope's groups themselves (rows
carry pObjectId).

GroupMembers_v0 lists *direct* members, as Graph's ``/groups/{id}/members`` does: users
(guests and disabled accounts included: this is the directory, not an extraction of users)
and nested groups (``ODataType`` ``#microsoft.graph.group``, no user principal name).
GroupOwners_v0 lists the owners of cloud groups; groups synchronized from on-premises AD (the
security group) and lists created in Exchange (the distribution list) have no owners in the
directory, as Microsoft documents.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from mgdc_pipelines.sources.synthetic.datasets.base import Generator, RowContext, Unit
from mgdc_pipelines.sources.synthetic.identifiers import group_security_identifier
from mgdc_pipelines.sources.synthetic.org_groups import Group, GroupKind
from mgdc_pipelines.sources.synthetic.people import User
from mgdc_pipelines.sources.synthetic.randomness import rng_for

GROUP_LIFETIME = dt.timedelta(days=365)  # the tenant's Microsoft 365 group expiration policy
ON_PREMISES_DOMAIN = "corp"  # security groups come from on-premises AD: corp.<domain>
THEMES = ("Blue", "Teal", "Green", "Orange", "Purple", "Pink", "Red")
GROUP_ODATA_TYPE = "#microsoft.graph.group"


def group_details_rows(ctx: RowContext, group: Group) -> Iterator[dict]:
    rng = rng_for(ctx.seed, "group-details", group.id)
    unified = group.kind is GroupKind.MICROSOFT_365
    renewed = _last_renewal(group, ctx.as_of) if unified else group.created_at
    synced = group.kind is GroupKind.SECURITY
    yield {
        "id": group.id,
        "deletedDateTime": None,  # only soft-deleted groups have one; none are in scope
        "classification": group.classification,
        "createdDateTime": group.created_at,
        "description": group.description,
        "displayName": group.display_name,
        "expirationDateTime": renewed + GROUP_LIFETIME if unified else None,
        "groupTypes": (
            (["Unified", "DynamicMembership"] if group.membership_rule else ["Unified"])
            if unified
            else []
        ),
        "isAssignableToRole": False,
        "mail": group.mail,
        "mailEnabled": group.mail_enabled,
        "mailNickname": group.mail_nickname,
        "membershipRule": group.membership_rule,
        "membershipRuleProcessingState": "On" if group.membership_rule else None,
        "onPremisesDomainName": f"{ON_PREMISES_DOMAIN}.{ctx.tenant.domain}" if synced else None,
        "onPremisesLastSyncDateTime": (
            ctx.as_of - dt.timedelta(minutes=rng.randint(2, 29)) if synced else None
        ),
        "onPremisesSyncEnabled": True if synced else None,
        "preferredDataLocation": "NAM" if unified and rng.random() < 0.5 else None,
        "preferredLanguage": "en-US" if unified else None,
        "proxyAddresses": _proxy_addresses(ctx, group),
        "renewedDateTime": renewed,
        "resourceProvisioningOptions": ["Team"] if group.teams_enabled else [],
        "securityEnabled": group.kind is not GroupKind.DISTRIBUTION,
        "securityIdentifier": group_security_identifier(group.id),
        "theme": THEMES[rng.randrange(len(THEMES))] if unified and rng.random() < 0.6 else None,
        "visibility": group.visibility,
        "ODataType": ctx.odata_type,
    }


def _last_renewal(group: Group, as_of: dt.datetime) -> dt.datetime:
    """Active groups are renewed automatically each lifetime; the last renewal before as_of."""
    if as_of <= group.created_at:
        return group.created_at
    return group.created_at + ((as_of - group.created_at) // GROUP_LIFETIME) * GROUP_LIFETIME


def _proxy_addresses(ctx: RowContext, group: Group) -> list[str]:
    if not group.mail:
        return []
    addresses = [
        f"SMTP:{group.mail}",
        f"smtp:{group.mail_nickname}@{ctx.tenant.sharepoint_name}.onmicrosoft.com",
    ]
    if group.kind is GroupKind.MICROSOFT_365:
        addresses.append(f"SPO:SPO_{group.id}@SPO_{ctx.tenant.directory_id}")
    return addresses


def group_member_rows(ctx: RowContext, group: Group) -> Iterator[dict]:
    users = ctx.tenant.users
    for index in group.member_users:
        member = users[index]
        if member.created_at < ctx.as_of:
            yield _user_row(ctx, member)
    for nested_id in group.member_groups:
        nested = ctx.tenant.group(nested_id)
        if nested.created_at < ctx.as_of:
            yield {
                "id": nested.id,
                "userPrincipalName": None,
                "displayName": nested.display_name,
                "ODataType": GROUP_ODATA_TYPE,
            }


def group_owner_rows(ctx: RowContext, group: Group) -> Iterator[dict]:
    if group.kind is not GroupKind.MICROSOFT_365:
        return
    for index in group.owners:
        owner = ctx.tenant.users[index]
        if owner.created_at < ctx.as_of:
            yield _user_row(ctx, owner)


def _user_row(ctx: RowContext, user: User) -> dict:
    return {
        "id": user.id,
        "userPrincipalName": user.user_principal_name,
        "displayName": user.display_name,
        "ODataType": ctx.odata_type,
    }


GENERATORS = (
    Generator("GroupDetails_v0", Unit.GROUP, group_details_rows),
    Generator("GroupMembers_v0", Unit.GROUP, group_member_rows),
    Generator("GroupOwners_v0", Unit.GROUP, group_owner_rows),
)
