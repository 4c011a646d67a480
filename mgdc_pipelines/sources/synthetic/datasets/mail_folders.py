"""MailFolder_v0/_v2 and MailboxSettings_v0: each mailbox's folders and settings at the snapshot.

Folder ids are the ones Message_v1 rows carry in ``parentFolderId``, so the two join.
Counts grow with the mailbox's age at a rate that follows the tenant's mail volume.
MailFolder_v2 is the same folders in PascalCase with their children's ids. Mailbox settings
follow the owner's office: its time zone, language, date formats and working week.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator

from mgdc_pipelines.sources.synthetic.datasets.base import Generator, RowContext, Unit
from mgdc_pipelines.sources.synthetic.datasets.pascal import pascal_keys
from mgdc_pipelines.sources.synthetic.identifiers import mail_folder_id
from mgdc_pipelines.sources.synthetic.offices import Office
from mgdc_pipelines.sources.synthetic.people import User
from mgdc_pipelines.sources.synthetic.randomness import rng_for, sample_distinct
from mgdc_pipelines.sources.synthetic.wordlists import listed

ROOT = "msgfolderroot"
INBOX, SENT_ITEMS, DELETED_ITEMS, ARCHIVE = "inbox", "sentitems", "deleteditems", "archive"

# (key, display name, share of received mail kept there, unread share)
WELL_KNOWN_FOLDERS: tuple[tuple[str, str, float, float], ...] = (
    (INBOX, "Inbox", 0.42, 0.02),
    ("drafts", "Drafts", 0.0, 0.0),
    (SENT_ITEMS, "Sent Items", 0.0, 0.0),
    (DELETED_ITEMS, "Deleted Items", 0.04, 0.1),
    ("junkemail", "Junk Email", 0.005, 0.6),
    (ARCHIVE, "Archive", 0.3, 0.0),
    ("outbox", "Outbox", 0.0, 0.0),
    ("conversationhistory", "Conversation History", 0.0, 0.0),
)
CUSTOM_INBOX_FOLDERS = listed("Projects, Customers, Receipts, Newsletters, Team, Travel, Training")
WORKDAYS_PER_DAY = 5 / 7
DELETED_ITEMS_CAP = 3000  # people empty the bin now and then


def folder_id(user: User, folder_key: str) -> str:
    return mail_folder_id(user.mailbox_guid, folder_key)


def custom_folders(seed: int, user: User) -> list[str]:
    rng = rng_for(seed, "custom-folders", user.index)
    return sorted(sample_distinct(rng, CUSTOM_INBOX_FOLDERS, rng.choice((0, 0, 1, 2, 3, 4))))


def mail_folder_rows(ctx: RowContext, user: User) -> Iterator[dict]:
    config = ctx.tenant.config
    days = max(0.0, (ctx.as_of - user.created_at).total_seconds() / 86400)
    received = (
        days
        * WORKDAYS_PER_DAY
        * (config.messages_per_user_per_day * 1.6 + config.external_messages_per_user_per_day)
    )
    sent = days * WORKDAYS_PER_DAY * config.messages_per_user_per_day
    custom = custom_folders(ctx.seed, user)
    unread_rng = rng_for(ctx.seed, "unread", user.index, ctx.as_of.date().toordinal())
    for key, name, share, unread_share in WELL_KNOWN_FOLDERS:
        rng = rng_for(ctx.seed, "folder-size", user.index, key)
        total = {SENT_ITEMS: sent, "drafts": rng.randint(0, 12)}.get(key, received * share)
        if key == DELETED_ITEMS:
            total = min(total, DELETED_ITEMS_CAP)
        total = int(total * (0.8 + 0.4 * rng.random()))
        children = len(custom) if key == INBOX else 0
        yield _row(
            ctx,
            user,
            key,
            name,
            ROOT,
            children,
            int(total * unread_share * unread_rng.random() * 2),
            total,
        )
    for name in custom:
        rng = rng_for(ctx.seed, "folder-size", user.index, name)
        total = int(received * 0.05 * rng.random())
        yield _row(
            ctx,
            user,
            f"inbox/{name}",
            name,
            INBOX,
            0,
            int(total * 0.05 * unread_rng.random()),
            total,
        )


def _row(
    ctx: RowContext,
    user: User,
    key: str,
    name: str,
    parent: str,
    children: int,
    unread: int,
    total: int,
) -> dict:
    return {
        "id": folder_id(user, key),
        "displayName": name,
        "parentFolderId": folder_id(user, parent),
        "childFolderCount": children,
        "unreadItemCount": min(unread, total),
        "totalItemCount": total,
        "ODataType": ctx.odata_type,
    }


def mail_folder_v2_rows(ctx: RowContext, user: User) -> Iterator[dict]:
    """MailFolder_v0's rows in PascalCase, each with its child folders' ids (a JSON array)."""
    folders = list(mail_folder_rows(ctx, user))  # a mailbox has a dozen folders
    children: dict[str, list[str]] = {}
    for folder in folders:
        children.setdefault(folder["parentFolderId"], []).append(folder["id"])
    for folder in folders:
        row = pascal_keys(folder)
        row["ChildFolders"] = json.dumps(children.get(folder["id"], []))
        yield row


# Per office language: its display name, then Outlook's date and time formats there.
LOCALES = {
    "en-US": ("English (United States)", "M/d/yyyy", "h:mm tt"),
    "en-GB": ("English (United Kingdom)", "dd/MM/yyyy", "HH:mm"),
    "en-IN": ("English (India)", "dd-MM-yyyy", "HH:mm"),
    "en-AU": ("English (Australia)", "d/MM/yyyy", "h:mm tt"),
}
WEEKDAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
OUT_OF_OFFICE_SHARE = 0.04  # mailboxes with automatic replies scheduled around the snapshot


def mailbox_settings_rows(ctx: RowContext, user: User) -> Iterator[dict]:
    office = user.office
    display_name, date_format, time_format = LOCALES[office.language]
    yield {
        "archiveFolder": folder_id(user, ARCHIVE),
        "timeZone": office.windows_time_zone,
        "automaticRepliesSetting": _automatic_replies(ctx, user),
        "language": {"locale": office.language, "displayName": display_name},
        "workingHours": _working_hours(office),
        "delegateMeetingMessageDeliveryOptions": "sendToDelegateAndInformationToPrincipal",
        "dateFormat": date_format,
        "timeFormat": time_format,
        "ODataType": ctx.odata_type,
    }


def _working_hours(office: Office) -> dict:
    return {
        "daysOfWeek": [name for day, name in enumerate(WEEKDAY_NAMES) if day not in office.weekend],
        "startTime": _time_of_day(office.workday_start_minute),
        "endTime": _time_of_day(office.workday_end_minute),
        "timeZone": {"name": office.windows_time_zone},
    }


def _time_of_day(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}:00.0000000"


def _automatic_replies(ctx: RowContext, user: User) -> dict:
    """Mostly off; now and then a week away that covers the snapshot's week."""
    week = (ctx.as_of.date().toordinal() - 1) // 7  # ordinal 1 was a Monday
    rng = rng_for(ctx.seed, "automatic-replies", user.index, week)
    if rng.random() >= OUT_OF_OFFICE_SHARE:
        return {"status": "disabled", "externalAudience": "none"}
    away = user.office.to_utc(dt.date.fromordinal(week * 7 + 1), 0)
    back = away + dt.timedelta(days=7)
    zone = {"timeZone": "UTC"}
    message = f"I am away until {back.date().isoformat()} with limited access to email."
    return {
        "status": "scheduled",
        "externalAudience": rng.choice(("contactsOnly", "all")),
        "scheduledStartDateTime": {"dateTime": away.strftime("%Y-%m-%dT%H:%M:%S.0000000"), **zone},
        "scheduledEndDateTime": {"dateTime": back.strftime("%Y-%m-%dT%H:%M:%S.0000000"), **zone},
        "internalReplyMessage": message,
        "externalReplyMessage": message,
    }


GENERATORS = (
    Generator("MailFolder_v0", Unit.USER, mail_folder_rows),
    Generator("MailFolder_v2", Unit.USER, mail_folder_v2_rows),
    Generator("MailboxSettings_v0", Unit.USER, mailbox_settings_rows),
)
