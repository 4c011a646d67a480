"""SharePointSites_v1, SharePointPermissions_v1 and SharePointGroups_v1: tenant-wide daily
snapshots (the files and file actions are in ``sharepoint_files``).

They ignore the scope (as MGDC does) and return the full snapshot for the window's day:
every row has ``SnapshotDate`` = the window's start (midnight UTC) and ``Operation = "Full"``.
The snapshot holds the sites (sharing grants, SharePoint groups) that exist at the end of that
day. A site's Owners, Members and Visitors groups hold the principals its permissions grant
to; each sharing link gets the group SharePoint makes for it, named after the link's id.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator

from mgdc_pipelines.sources.synthetic.activity.sites import (
    EMPTY_GUID,
    LABELS,
    TEMPLATES,
    Share,
    Site,
)
from mgdc_pipelines.sources.synthetic.datasets.base import Generator, RowContext, Unit
from mgdc_pipelines.sources.synthetic.identifiers import synthetic_uuid
from mgdc_pipelines.sources.synthetic.people import User
from mgdc_pipelines.sources.synthetic.randomness import rng_for

FULL = "Full"
TERABYTE = 1 << 40
QUOTA = {
    "onedrive": TERABYTE,
    "root": 25 * TERABYTE,
    "team": 25 * TERABYTE,
    "channel": 25 * TERABYTE,
    "communication": 25 * TERABYTE,
}
DAILY_GROWTH_BYTES = {
    "onedrive": 12e6,
    "root": 2e6,
    "team": 40e6,
    "channel": 15e6,
    "communication": 8e6,
}
EVERYONE_EXCEPT_EXTERNAL = "Everyone except external users"


def snapshot_moments(ctx: RowContext) -> tuple[dt.datetime, dt.datetime]:
    """(SnapshotDate, the moment the snapshot describes)."""
    return ctx.window.start, ctx.window.end


def sites_of_snapshot(ctx: RowContext) -> Iterator[Site]:
    """The sites that exist at the moment the snapshot describes."""
    as_of = ctx.window.end
    return (site for site in ctx.activity.sites.sites if site.created_at < as_of)


# --- sites -----------------------------------------------------------------------------------


def site_rows(ctx: RowContext, _unit: None) -> Iterator[dict]:
    snapshot_date, as_of = snapshot_moments(ctx)
    for site in sites_of_snapshot(ctx):
        yield _site_row(ctx, site, snapshot_date, as_of)


def _site_row(ctx: RowContext, site: Site, snapshot_date: dt.datetime, as_of: dt.datetime) -> dict:
    rng = rng_for(ctx.seed, "site-size", site.key)
    daily = rng_for(ctx.seed, "site-day", site.key, snapshot_date.date().toordinal())
    age_days = max(1.0, (as_of - site.created_at).total_seconds() / 86400)
    used = int(DAILY_GROWTH_BYTES[site.kind] * age_days * (0.3 + 1.4 * rng.random()))
    files = max(0, int(used / (1.5e6 * (0.5 + rng.random()))))
    metadata = files * 2_600 + 14_000
    archived_at = site.created_at + dt.timedelta(days=400) if site.archived else None
    is_archived = archived_at is not None and archived_at < as_of
    last_change = archived_at if is_archived else as_of - dt.timedelta(hours=daily.uniform(1, 96))
    last_change = max(last_change, site.created_at).replace(microsecond=0)
    template, template_id, configuration = TEMPLATES[site.kind]
    label = site.label
    group = site.group
    return {
        "Id": site.id,
        "Url": site.url,
        "ArchiveState": "FullyArchived" if is_archived else "NotArchived",
        "SiteArchivedBy": site.owner.mail if is_archived else None,
        "SiteArchivedTime": archived_at if is_archived else None,
        "RootWeb": {
            "Id": site.web_id,
            "Title": site.title,
            "WebTemplate": template,
            "WebTemplateId": template_id,
            "Configuration": configuration,
            "LastItemModifiedDate": last_change,
        },
        "WebCount": 1 + (site.kind == "communication" and rng.random() < 0.3),
        "StorageQuota": QUOTA[site.kind],
        "StorageUsed": used + metadata,
        "StorageMetrics": {
            "MetadataSize": metadata,
            "TotalFileCount": files,
            "TotalFileStreamSize": used,
            "AdditionalFileStreamSize": int(used * 0.15),
            "TotalSize": used + metadata,
        },
        "GroupId": group.id if group else EMPTY_GUID,
        "GeoLocation": site.owner.office.geo if site.kind == "onedrive" else "NAM",
        "IsInRecycleBin": False,
        "RecycleBinItemCount": daily.randint(0, 40),
        "RecycleBinItemSize": daily.randint(0, 40) * 180_000,
        "SecondStageRecycleBinStorageUsage": daily.randint(0, 5) * 250_000,
        "IsTeamsConnectedSite": site.kind == "team" and group is not None and group.teams_enabled,
        "IsTeamsChannelSite": site.kind == "channel",
        "TeamsChannelType": "PrivateChannel" if site.kind == "channel" else "None",
        "IsHubSite": site.hub_site_id == site.id,
        "HubSiteId": site.hub_site_id,
        "IsCommunicationSite": site.kind in ("communication", "root"),
        "IsOneDrive": site.kind == "onedrive",
        "BlockAccessFromUnmanagedDevices": label == "Highly Confidential",
        "BlockDownloadOfAllFilesOnUnmanagedDevices": label == "Highly Confidential",
        "BlockDownloadOfViewableFilesOnUnmanagedDevices": label
        in ("Confidential", "Highly Confidential"),
        "ShareByEmailEnabled": True,
        "ShareByLinkEnabled": label != "Highly Confidential",
        "IsExternalSharingEnabled": site.external_sharing or site.kind == "onedrive",
        "SiteConnectedToPrivateGroup": group is not None and group.visibility == "Private",
        "Privacy": site.privacy,
        "SensitivityLabelInfo": {"DisplayName": label, "Id": LABELS[label]} if label else None,
        "Classification": group.classification if group else None,
        "IBMode": "Explicit" if group is not None and group.mail_nickname == "legal" else "Open",
        "IBSegments": (
            synthetic_uuid(ctx.seed, "ib-segment", "legal")
            if group is not None and group.mail_nickname == "legal"
            else None
        ),
        "Owner": _sharepoint_user(site.owner),
        "SecondaryContact": _sharepoint_user(site.secondary) if site.secondary else None,
        "ReadLocked": False,
        "ReadOnly": is_archived,
        "CreatedTime": site.created_at,
        "LastSecurityModifiedDate": ctx.activity.sites.last_security_change(site, as_of),
        "LastUserAccessDate": max(
            site.created_at, as_of - dt.timedelta(hours=daily.uniform(0.5, 48))
        ).replace(microsecond=0),
        "LastContentChange": last_change,
        "SnapshotDate": snapshot_date,
        "Operation": FULL,
    }


def _sharepoint_user(user: User) -> dict:
    return {
        "AadObjectId": user.id,
        "Email": user.mail,
        "UPN": user.user_principal_name,
        "Name": user.display_name,
    }


# --- permissions -----------------------------------------------------------------------------


def permission_rows(ctx: RowContext, _unit: None) -> Iterator[dict]:
    snapshot_date, as_of = snapshot_moments(ctx)
    for site in sites_of_snapshot(ctx):
        yield from _site_level_rows(ctx, site, snapshot_date)
        for share in ctx.activity.sites.shares(site, as_of):
            yield _share_row(ctx, share, snapshot_date)


def _site_level_rows(ctx: RowContext, site: Site, snapshot_date: dt.datetime) -> Iterator[dict]:
    """The site's standing permissions: owners, members (the group) and visitors."""
    if site.kind == "onedrive":
        grants = [("Full Control", _user_recipient(site.owner))]
    else:
        owners = _sharepoint_group(f"{site.title} Owners", 1 + (site.secondary is not None))
        grants = [("Full Control", owners)]
        if site.group is not None:
            grants.append(
                (
                    "Edit",
                    _security_group(
                        site.group.display_name + " Members",
                        site.group.mail,
                        site.group.id,
                        len(site.members),
                    ),
                )
            )
        if site.kind in ("communication", "root"):
            grants.append(("Read", _everyone_except_external(ctx)))
    for role, recipient in grants:
        yield _permission(
            ctx,
            site,
            snapshot_date,
            item_type="Web",
            item_url=site.path,
            extension=None,
            role=role,
            link_id=None,
            scope_id=synthetic_uuid(ctx.seed, "scope", site.key),
            link_scope=None,
            shared_with=[recipient],
            actor=site.owner,
            created=site.created_at,
            modified=site.created_at,
            expires=None,
            list_item=None,
            unique_id=site.web_id,
        )


def _share_row(ctx: RowContext, share: Share, snapshot_date: dt.datetime) -> dict:
    site = share.site
    recipients = _share_recipients(ctx, share)
    key = (site.key, share.number)
    return _permission(
        ctx,
        site,
        snapshot_date,
        item_type=share.item_type,
        item_url=share.item_path,
        extension=share.extension,
        role=share.role,
        link_id=synthetic_uuid(ctx.seed, "link", key) if share.link_scope else None,
        scope_id=synthetic_uuid(ctx.seed, "scope", key),
        link_scope=share.link_scope,
        shared_with=recipients,
        actor=share.created_by,
        created=share.created_at,
        modified=share.modified_at,
        expires=share.expires_at,
        list_item=share.number + 2,
        unique_id=synthetic_uuid(ctx.seed, "item", key),
    )


def _share_recipients(ctx: RowContext, share: Share) -> list[dict]:
    """Whom a grant reaches, as SharedWith entries."""
    users = ctx.tenant.users
    recipients = []
    for entry in share.shared_with:
        if entry == "everyone":
            recipients.append(_everyone_except_external(ctx))
        elif isinstance(entry, int):
            recipients.append(_user_recipient(users[entry]))
        else:
            name, address = entry
            recipients.append(
                {
                    "Type": "External",
                    "Name": name,
                    "Email": address,
                    "AadObjectId": None,
                    "UPN": None,
                    "TypeV2": "ExternalUser",
                    "UserCount": 1,
                    "UserLoginName": f"i:0#.f|membership|urn%3aspo%3aguest#{address}",
                }
            )
    return recipients


def _permission(
    ctx: RowContext,
    site: Site,
    snapshot_date: dt.datetime,
    *,
    item_type,
    item_url,
    extension,
    role,
    link_id,
    scope_id,
    link_scope,
    shared_with,
    actor: User,
    created,
    modified,
    expires,
    list_item,
    unique_id,
) -> dict:
    counts = Counter(r["Type"] for r in shared_with)
    actor_struct = {
        "Type": "User",
        "Name": actor.display_name,
        "Email": actor.mail,
        "UPN": actor.user_principal_name,
    }
    return {
        "SiteId": site.id,
        "WebId": site.web_id,
        "ListId": synthetic_uuid(ctx.seed, "list", site.key) if item_type != "Web" else None,
        "ListItemId": list_item,
        "UniqueId": unique_id,
        "ItemType": item_type,
        "ItemURL": item_url,
        "FileExtension": extension,
        "RoleDefinition": role,
        "LinkId": link_id,
        "ScopeId": scope_id,
        "LinkScope": link_scope,
        "SharedWithCount": [
            {"Type": kind, "Count": count} for kind, count in sorted(counts.items())
        ],
        "SharedWith": shared_with,
        "TotalUserCount": sum(r["UserCount"] or 0 for r in shared_with) or None,
        "ShareCreatedBy": actor_struct,
        "ShareCreatedTime": created,
        "ShareLastModifiedBy": actor_struct,
        "ShareLastModifiedTime": modified,
        "ShareExpirationTime": expires,
        "SnapshotDate": snapshot_date,
        "Operation": FULL,
    }


def _user_recipient(user: User) -> dict:
    guest = user.user_type == "Guest"
    return {
        "Type": "External" if guest else "Internal",
        "Name": user.display_name,
        "Email": user.mail,
        "AadObjectId": user.id,
        "UPN": user.user_principal_name,
        "TypeV2": "B2BUser" if guest else "InternalUser",
        "UserCount": 1,
        "UserLoginName": f"i:0#.f|membership|{user.user_principal_name.lower()}",
    }


def _sharepoint_group(name: str, users: int) -> dict:
    return {
        "Type": "SharePointGroup",
        "Name": name,
        "Email": None,
        "AadObjectId": None,
        "UPN": None,
        "TypeV2": "SharePointGroup",
        "UserCount": users,
        "UserLoginName": name,
    }


def _security_group(name: str, mail: str | None, object_id: str, users: int) -> dict:
    return {
        "Type": "SecurityGroup",
        "Name": name,
        "Email": mail,
        "AadObjectId": object_id,
        "UPN": None,
        "TypeV2": "SecurityGroup",
        "UserCount": users,
        "UserLoginName": f"c:0o.c|federateddirectoryclaimprovider|{object_id}",
    }


def _everyone_except_external(ctx: RowContext) -> dict:
    """The special claim every employee has: granting to it overshares to the whole company."""
    return {
        "Type": "SecurityGroup",
        "Name": EVERYONE_EXCEPT_EXTERNAL,
        "Email": None,
        "AadObjectId": None,
        "UPN": None,
        "TypeV2": "SecurityGroup",
        "UserCount": ctx.tenant.valid_user_count,
        "UserLoginName": f"c:0-.f|rolemanager|spo-grid-all-users/{ctx.tenant.directory_id}",
    }


# --- SharePoint groups -----------------------------------------------------------------------

OWNERS_GROUP_ID, VISITORS_GROUP_ID, MEMBERS_GROUP_ID = 3, 4, 5  # SharePoint's own numbering
FIRST_LINK_GROUP_ID = 6
SYSTEM_ACCOUNT = {
    "Type": "User",
    "AadObjectId": None,
    "Name": "System Account",
    "Email": None,
    "TypeV2": "InternalUser",
    "LoginName": "SHAREPOINT\\system",
    "UPN": None,
}
# Sharing-link group names: SharingLinks.<item>.<kind><role>.<link> (Flexible for specific people).
LINK_KINDS = {"Anyone": "Anonymous", "Organization": "Organization", "SpecificPeople": "Flexible"}


def group_rows(ctx: RowContext, _unit: None) -> Iterator[dict]:
    snapshot_date, as_of = snapshot_moments(ctx)
    for site in sites_of_snapshot(ctx):
        if site.kind != "onedrive":
            yield from _site_group_rows(ctx, site, snapshot_date)
        for share in ctx.activity.sites.shares(site, as_of):
            if share.link_scope:
                yield _link_group_row(ctx, share, snapshot_date)


def _site_group_rows(ctx: RowContext, site: Site, snapshot_date: dt.datetime) -> Iterator[dict]:
    """Owners (the owner and secondary contact), Members (the site's Entra ID group, or the
    channel's members), Visitors (everyone, on communication sites). The Owners group owns
    them, as SharePoint sets sites up; a private channel's site is its channel owner's."""
    owners_name = f"{site.title} Owners"
    owners = [_user_recipient(u) for u in (site.owner, site.secondary) if u is not None]
    if site.kind == "channel":
        members = [_user_recipient(ctx.tenant.users[i]) for i in site.members]
    elif site.group is not None:
        group = site.group
        name = group.display_name + " Members"
        members = [_security_group(name, group.mail, group.id, len(site.members))]
    else:
        members = []
    visitors = [_everyone_except_external(ctx)] if site.kind in ("communication", "root") else []
    owner = _principal(
        owners[0] if site.kind == "channel" else _sharepoint_group(owners_name, len(owners))
    )
    for group_id, suffix, principals in (
        (OWNERS_GROUP_ID, "Owners", owners),
        (VISITORS_GROUP_ID, "Visitors", visitors),
        (MEMBERS_GROUP_ID, "Members", members),
    ):
        name = f"{site.title} {suffix}"
        yield _group_row(site, group_id, EMPTY_GUID, name, owner, principals, snapshot_date)


def _link_group_row(ctx: RowContext, share: Share, snapshot_date: dt.datetime) -> dict:
    key = (share.site.key, share.number)
    link_id = synthetic_uuid(ctx.seed, "link", key)  # the permission row's LinkId
    item_id = synthetic_uuid(ctx.seed, "item", key)  # its UniqueId
    role = "View" if share.role == "Read" else "Edit"
    name = f"SharingLinks.{item_id}.{LINK_KINDS[share.link_scope]}{role}.{link_id}"
    recipients = _share_recipients(ctx, share)
    return _group_row(
        share.site, FIRST_LINK_GROUP_ID + share.number, link_id, name, SYSTEM_ACCOUNT,
        [r for r in recipients if r["Type"] != "SecurityGroup"], snapshot_date,
    )


def _group_row(site: Site, group_id: int, link_id: str, name: str, owner: dict,
               members: list[dict], snapshot_date: dt.datetime) -> dict:
    return {
        "SiteId": site.id,
        "GroupId": group_id,
        "GroupLinkId": link_id,
        "GroupType": "SharePointGroup",
        "DisplayName": name,
        "Owner": owner,
        "Members": [_principal(member) for member in members],
        "SnapshotDate": snapshot_date,
        "Operation": FULL,
    }


def _principal(recipient: dict) -> dict:
    """A permission's SharedWith entry in the shape SharePointGroups_v1 gives owners/members."""
    return {
        "Type": "User" if recipient["Type"] in ("Internal", "External") else recipient["Type"],
        "AadObjectId": recipient["AadObjectId"],
        "Name": recipient["Name"],
        "Email": recipient["Email"],
        "TypeV2": recipient["TypeV2"],
        "LoginName": recipient["UserLoginName"],
        "UPN": recipient["UPN"],
    }


GENERATORS = (
    Generator("SharePointSites_v1", Unit.TENANT, site_rows),
    Generator("SharePointPermissions_v1", Unit.TENANT, permission_rows),
    Generator("SharePointGroups_v1", Unit.TENANT, group_rows),
)
