"""SharePointFiles_v1 (a daily snapshot) and SharePointFileActions_v1 (a day's actions).

Files: every file of every site's library at the end of the window's first day, with
``SnapshotDate`` = that day and ``Operation = "Full"``; the files a sharing grant names carry
the grant's item id and scope. File actions: the uploads, edits, views and downloads of each day
of the window, ``SnapshotDate`` = their day (a range is a run of days, never a delta).
"""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Iterator

from mgdc_pipelines.sources.synthetic.activity.site_files import DAY, FileAction, SiteFile
from mgdc_pipelines.sources.synthetic.activity.sites import LABELS, TEMPLATES
from mgdc_pipelines.sources.synthetic.datasets.base import Generator, RowContext, Unit
from mgdc_pipelines.sources.synthetic.datasets.sharepoint import (
    FULL,
    sites_of_snapshot,
    snapshot_moments,
)
from mgdc_pipelines.sources.synthetic.identifiers import synthetic_uuid
from mgdc_pipelines.sources.synthetic.people import User
from mgdc_pipelines.sources.synthetic.randomness import stable_bytes

VERSION_OVERHEAD_BYTES = 1_500
ENCRYPTING_LABELS = ("Highly Confidential",)
LIBRARY_TEMPLATES = {False: "DocumentLibrary", True: "MySiteDocumentLibrary"}  # by "is a OneDrive"
# Clients: Office desktop apps save, the browser views and downloads, the sync client uploads
# what an app has no name for.
OFFICE_APPS = {"docx": "Word", "xlsx": "Excel", "pptx": "PowerPoint"}
OFFICE_AGENT = (
    "Microsoft Office {app}/16.0.18129.20158 (Windows/10.0; Desktop x64; en-US; Desktop app; "
    "Microsoft Corporation/Surface Laptop 5)"
)
BROWSER_AGENT = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0"
)
SYNC_AGENT = "Microsoft SkyDriveSync 24.201.1006.0003 ship; Windows NT 10.0 (19045)"
# Offices' public addresses come from the documentation ranges (RFC 5737).
OFFICE_NETWORKS = ("192.0.2", "198.51.100", "203.0.113")


# --- files -----------------------------------------------------------------------------------


def file_rows(ctx: RowContext, _unit: None) -> Iterator[dict]:
    snapshot_date, as_of = snapshot_moments(ctx)
    for site in sites_of_snapshot(ctx):
        list_id = synthetic_uuid(ctx.seed, "list", site.key)  # the permissions' ListId
        for site_file in ctx.activity.site_files.files(site, as_of):
            yield _file_row(site_file, list_id, snapshot_date, as_of)


def _file_row(
    site_file: SiteFile, list_id: str, snapshot_date: dt.datetime, as_of: dt.datetime
) -> dict:
    site, label = site_file.site, site_file.label
    versions = site_file.versions_before(as_of)
    last = versions[-1]
    return {
        "SiteId": site.id,
        "WebId": site.web_id,
        "ListId": list_id,
        "ItemId": site_file.item_id,
        "ScopeId": site_file.scope_id,
        "SiteUrl": site.url,
        "DirName": site_file.dir_name,
        "FileName": site_file.name,
        "Extension": site_file.extension,
        "WebTemplateId": TEMPLATES[site.kind][1],
        "ListServerTemplate": LIBRARY_TEMPLATES[site.kind == "onedrive"],
        "IsLabelEncrypted": label in ENCRYPTING_LABELS,
        "MajorVersion": len(versions),
        "MinorVersion": 0,
        "SensitivityLabelInfo": {"DisplayName": label, "Id": LABELS[label]} if label else None,
        "SizeInBytes": site_file.size,
        "SizeInBytesWithVersions": len(versions) * (site_file.size + VERSION_OVERHEAD_BYTES),
        "TimeCreated": site_file.created.at,
        "TimeLastModified": last.at,
        "Author": _file_user(site_file.created.by),
        "ModifiedBy": _file_user(last.by),
        "SnapshotDate": snapshot_date,
        "Operation": FULL,
        "QuickXorHash": _content_hash(site_file, len(versions)),
    }


def _content_hash(site_file: SiteFile, version: int) -> str:
    """A QuickXorHash-shaped value (20 bytes, base64) that changes with every version."""
    return base64.b64encode(stable_bytes(20, "content", site_file.item_id, version)).decode()


def _file_user(user: User) -> dict:
    return {"Email": user.mail, "Name": user.display_name}


# --- file actions ----------------------------------------------------------------------------


def file_action_rows(ctx: RowContext, _unit: None) -> Iterator[dict]:
    day = ctx.window.start
    list_ids: dict[str, str] = {}
    while day < ctx.window.end:
        for action in ctx.activity.site_files.actions(day):
            site = action.file.site
            if site.key not in list_ids:
                list_ids[site.key] = synthetic_uuid(ctx.seed, "list", site.key)
            yield _action_row(action, list_ids[site.key], day)
        day += DAY


def _action_row(action: FileAction, list_id: str, day: dt.datetime) -> dict:
    site_file, actor = action.file, action.actor
    site = site_file.site
    return {
        "SiteId": site.id,
        "SiteUrl": site.url,
        "WebId": site.web_id,
        "WebTemplateId": TEMPLATES[site.kind][1],
        "ListId": list_id,
        "ListItemId": site_file.item_id,
        "ItemURL": site_file.url,
        "ItemName": site_file.name,
        "ItemExtension": site_file.extension,
        "ActionDate": action.at,
        "ActorType": "User",
        "ActorIdType": "AAD",
        "ActorDisplayName": actor.display_name,
        "ActorEmail": actor.mail,
        "ActionName": action.name,
        "UserAgent": _user_agent(action),
        "ClientIP": _client_ip(actor),
        "SnapshotDate": day,
    }


def _user_agent(action: FileAction) -> str:
    if action.name in ("FileAccessed", "FileDownloaded"):
        return BROWSER_AGENT
    app = OFFICE_APPS.get(action.file.extension)
    return OFFICE_AGENT.format(app=app) if app else SYNC_AGENT


def _client_ip(user: User) -> str:
    """The public address of the user's office, one host per person."""
    network = OFFICE_NETWORKS[stable_bytes(1, "office-network", user.office.key)[0] % 3]
    return f"{network}.{2 + user.index % 250}"


GENERATORS = (
    Generator("SharePointFiles_v1", Unit.TENANT, file_rows),
    Generator("SharePointFileActions_v1", Unit.TENANT, file_action_rows),
)
