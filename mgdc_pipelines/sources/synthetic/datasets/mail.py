"""Message_v0/_v1, SentItem_v0/_v1 and Inbox_v1: each mailbox's copy of the messages it sent
and received (Inbox_v1: the received copies still in the Inbox folder).

A message appears once in the sender's mailbox (Sent Items; in Message_v1 and SentItem_v1)
and once in each internal recipient's (Message_v1), with the same ``internetMessageId`` and
content but a mailbox-specific ``id``, folder, read state and timestamps.

Each copy's four date columns stay within fixed bounds of the message's ``sentDateTime``
(:data:`COLUMN_LAG`), which is what lets a window on any of them be mapped back to the days
whose traffic can produce rows in it. A copy is in a partition iff its value of the request's
date-filter column falls in the window, so it lands in exactly one daily partition.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from mgdc_pipelines.sources.synthetic.activity.mail import MailMessage
from mgdc_pipelines.sources.synthetic.activity.mail_text import MailContent
from mgdc_pipelines.sources.synthetic.batches import iso_z
from mgdc_pipelines.sources.synthetic.datasets.base import Generator, RowContext, Unit
from mgdc_pipelines.sources.synthetic.datasets.mail_folders import (
    ARCHIVE,
    DELETED_ITEMS,
    INBOX,
    SENT_ITEMS,
    folder_id,
)
from mgdc_pipelines.sources.synthetic.datasets.pascal import pascal_version
from mgdc_pipelines.sources.synthetic.identifiers import (
    attachment_id,
    change_key,
    item_id,
    web_link,
)
from mgdc_pipelines.sources.synthetic.people import User
from mgdc_pipelines.sources.synthetic.randomness import rng_for
from mgdc_pipelines.sources.synthetic.shapes import utc_date_time

_S = dt.timedelta(seconds=1)
# (earliest, latest) of each date column relative to sentDateTime, over every copy.
COLUMN_LAG: dict[str, tuple[dt.timedelta, dt.timedelta]] = {
    "sentDateTime": (0 * _S, 0 * _S),
    "receivedDateTime": (0 * _S, 26 * _S),
    "createdDateTime": (-30 * 60 * _S, 27 * _S),
    "lastModifiedDateTime": (0 * _S, 3 * 86400 * _S + 30 * _S),
}
CATEGORIES = ("Blue category", "Red category", "Green category", "Follow up", "Customer")
NOT_FLAGGED = {"flagStatus": "microsoft.graph.followupFlagStatus'notFlagged'"}
# Where a received copy sits: 85 % Inbox, 10 % Archive, 5 % Deleted Items (running sums: the
# same draws as weights 85, 10, 5 without summing them for every copy).
RECEIVED_FOLDERS = (INBOX, ARCHIVE, DELETED_ITEMS)
RECEIVED_FOLDER_CUM_WEIGHTS = (85, 95, 100)


@dataclass(frozen=True, slots=True)
class MailboxCopy:
    """One mailbox's copy of a message: where it sits and what its owner did with it."""

    message: MailMessage
    owner: User
    is_sent_copy: bool
    created: dt.datetime
    received: dt.datetime
    modified: dt.datetime
    folder: str
    is_read: bool
    flag: dict
    categories: list[str]

    def date_value(self, column: str) -> dt.datetime:
        if column == "sentDateTime":
            return self.message.sent_at
        return {
            "receivedDateTime": self.received,
            "createdDateTime": self.created,
            "lastModifiedDateTime": self.modified,
        }[column]


def mailbox_copy(seed: int, message: MailMessage, owner: User) -> MailboxCopy:
    """The owner's copy (sent or received), from a generator keyed by (message, owner)."""
    rng = rng_for(seed, "mail-copy", owner.index, *message.key)
    sent = message.sent_at
    if message.sender.user == owner.index:
        created = sent - dt.timedelta(seconds=rng.randint(60, 1770))  # drafted before sending
        if rng.random() < 0.9:
            return MailboxCopy(
                message,
                owner,
                True,
                created,
                sent,
                sent + rng.randint(1, 3) * _S,
                SENT_ITEMS,
                True,
                NOT_FLAGGED,
                [],
            )
        # Now and then a sender flags or categorizes what they sent, to follow up on it.
        modified = sent + rng.randint(600, 3 * 86400) * _S
        categories = [CATEGORIES[rng.randrange(len(CATEGORIES))]] if rng.random() < 0.5 else []
        return MailboxCopy(
            message,
            owner,
            True,
            created,
            sent,
            modified,
            SENT_ITEMS,
            True,
            _flag(rng, sent, flag_share=0.5),
            categories,
        )
    received = sent + rng.randint(1, 25) * _S
    created = received + rng.randint(0, 1) * _S
    touched_later = rng.random() < 0.4  # read, moved, flagged or categorized afterwards
    modified = created + (rng.randint(600, 3 * 86400) if touched_later else rng.randint(0, 2)) * _S
    folder = rng.choices(RECEIVED_FOLDERS, cum_weights=RECEIVED_FOLDER_CUM_WEIGHTS)[0]
    categories = [CATEGORIES[rng.randrange(len(CATEGORIES))]] if rng.random() < 0.08 else []
    return MailboxCopy(
        message,
        owner,
        False,
        created,
        received,
        modified,
        folder,
        touched_later or rng.random() < 0.6,
        _flag(rng, received),
        categories,
    )


def _flag(rng, received: dt.datetime, flag_share: float = 0.09) -> dict:
    """Mostly not flagged; of the flagged ones, a third are already complete."""
    roll = rng.random()
    if roll < flag_share * 2 / 3:
        due = received + dt.timedelta(days=rng.randint(1, 7))
        return {
            "flagStatus": "microsoft.graph.followupFlagStatus'flagged'",
            "startDateTime": utc_date_time(received),
            "dueDateTime": utc_date_time(due),
        }
    if roll < flag_share:
        done = received + dt.timedelta(hours=rng.randint(1, 48))
        return {
            "flagStatus": "microsoft.graph.followupFlagStatus'complete'",
            "startDateTime": utc_date_time(received),
            "dueDateTime": utc_date_time(done),
            "completedDateTime": utc_date_time(done),
        }
    return NOT_FLAGGED


def copies_in_window(
    ctx: RowContext, user: User, sent_only: bool, folder: str | None = None
) -> list[MailboxCopy]:
    """The user's copies (in ``folder`` if given) whose date-filter value is in the window, in
    that column's order."""
    column = ctx.date_column
    earliest, latest = COLUMN_LAG[column]
    window = ctx.window
    sent_from, sent_to = window.start - latest, window.end - earliest
    copies = []
    for message in ctx.activity.mail.mailbox_messages(user, sent_from, sent_to):
        if not sent_from <= message.sent_at < sent_to or (
            sent_only and message.sender.user != user.index
        ):
            continue
        copy = mailbox_copy(ctx.seed, message, user)
        if folder is not None and copy.folder != folder:
            continue
        if window.start <= copy.date_value(column) < window.end:
            copies.append(copy)
    copies.sort(key=lambda c: (c.date_value(column), c.message.key))
    return copies


def message_row(ctx: RowContext, copy: MailboxCopy) -> dict:
    message, owner = copy.message, copy.owner
    content: MailContent = ctx.activity.mail_text.content_of(message)
    item = item_id(owner.mailbox_guid, copy.folder, *message.key)
    return {
        "receivedDateTime": copy.received,
        "sentDateTime": message.sent_at,
        "hasAttachments": content.has_attachments,
        "internetMessageId": content.internet_message_id,
        "subject": message.subject,
        "importance": message.importance,
        "parentFolderId": folder_id(owner, copy.folder),
        "sender": content.sender,
        "from": content.sender,
        "toRecipients": content.to,
        "ccRecipients": content.cc,
        "bccRecipients": content.bcc if copy.is_sent_copy else [],  # only the sender sees Bcc
        "replyTo": content.reply_to,
        "conversationId": content.conversation_id,
        "uniqueBody": content.unique_body,
        "isDeliveryReceiptRequested": False,
        "isReadReceiptRequested": message.importance == "high" and message.position == 0,
        "isRead": copy.is_read,
        "isDraft": False,
        "webLink": web_link(item),
        "createdDateTime": copy.created,
        "lastModifiedDateTime": copy.modified,
        "changeKey": change_key(item, copy.modified),
        "categories": copy.categories,
        "id": item,
        "attachments": [
            _attachment(item, n, a, message.sent_at) for n, a in enumerate(content.attachments)
        ],
        "inferenceClassification": content.inference_classification,
        "flag": copy.flag,
        "body": content.body,
        "bodyPreview": content.preview,
        "internetMessageHeaders": content.headers,
        "conversationIndex": content.conversation_index,
        "ODataType": ctx.odata_type,
    }


def _attachment(item: str, position: int, attachment, sent: dt.datetime) -> dict:
    return {
        "id": attachment_id(item, position),
        "lastModifiedDateTime": iso_z(sent - dt.timedelta(minutes=7 + position)),
        "name": attachment.name,
        "contentType": attachment.content_type,
        "size": attachment.size,
        "isInline": attachment.is_inline,
        "contentId": attachment.content_id,
        "contentLocation": None,  # Exchange leaves it empty for file attachments
        "contentBytes": attachment.content_bytes,
        "ODataType": "#microsoft.graph.fileAttachment",
    }


def message_rows(ctx: RowContext, user: User) -> Iterator[dict]:
    for copy in copies_in_window(ctx, user, sent_only=False):
        yield message_row(ctx, copy)


def sent_item_rows(ctx: RowContext, user: User) -> Iterator[dict]:
    for copy in copies_in_window(ctx, user, sent_only=True):
        yield message_row(ctx, copy)


def inbox_rows(ctx: RowContext, user: User) -> Iterator[dict]:
    for copy in copies_in_window(ctx, user, sent_only=False, folder=INBOX):
        yield message_row(ctx, copy)


MESSAGE_V1 = Generator("Message_v1", Unit.USER, message_rows)
SENT_ITEM_V1 = Generator("SentItem_v1", Unit.USER, sent_item_rows)

GENERATORS = (
    MESSAGE_V1,
    SENT_ITEM_V1,
    Generator("Inbox_v1", Unit.USER, inbox_rows),
    pascal_version("Message_v0", MESSAGE_V1),
    pascal_version("SentItem_v0", SENT_ITEM_V1),
)
