"""TeamChat_v1 and TeamChat_v2: each participant mailbox's copy of Teams chat messages.

Exchange keeps a copy of every chat message in each participant's mailbox; MGDC reads those,
so a message appears once per participant (``puser``), with shared content and a
mailbox-specific ``Id``. The dataset is written in PascalCase at every depth. TeamChat_v2 is
the same copies in v2's columns, with the chat's thread. Channels and channel messages are in
``channels.py``, transcripts in ``transcripts.py``.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from mgdc_pipelines.catalog.datasets.teams import TEAM_CHAT_V2_COLUMNS
from mgdc_pipelines.sources.synthetic.activity.chats import ChatMessage
from mgdc_pipelines.sources.synthetic.batches import iso_z
from mgdc_pipelines.sources.synthetic.datasets.base import Generator, RowContext, Unit
from mgdc_pipelines.sources.synthetic.datasets.mail_folders import folder_id
from mgdc_pipelines.sources.synthetic.identifiers import (
    attachment_id,
    change_key,
    conversation_id,
    conversation_index,
    item_id,
)
from mgdc_pipelines.sources.synthetic.people import User
from mgdc_pipelines.sources.synthetic.randomness import rng_for, stable_guid
from mgdc_pipelines.sources.synthetic.shapes import pascal_keys, recipient

TEAM_CHAT_FOLDER = "teamchat"
_S = dt.timedelta(seconds=1)
# (earliest, latest) of each date column relative to the message's SentDateTime.
COLUMN_LAG = {
    "SentDateTime": (0 * _S, 0 * _S),
    "ReceivedDateTime": (0 * _S, 2 * _S),
    "CreatedDateTime": (0 * _S, 2 * _S),
    "LastModifiedDateTime": (0 * _S, 1802 * _S),
}
NOT_FLAGGED = {"FlagStatus": "microsoft.graph.followupFlagStatus'notFlagged'"}
# How TeamsStandardChannelMessages_v0 deliveries spell these values (Outlook REST enum names).
V2_HTML_BODY = "Microsoft.OutlookServices.BodyType'HTML'"
V2_NOT_FLAGGED = {"FlagStatus": "Microsoft.OutlookServices.FollowupFlagStatus'NotFlagged'"}


@dataclass(frozen=True, slots=True)
class ChatCopy:
    message: ChatMessage
    owner: User
    received: dt.datetime
    modified: dt.datetime

    def date_value(self, column: str) -> dt.datetime:
        return {
            "SentDateTime": self.message.sent_at,
            "ReceivedDateTime": self.received,
            "CreatedDateTime": self.received,
            "LastModifiedDateTime": self.modified,
        }[column]


def chat_copy(seed: int, message: ChatMessage, owner: User) -> ChatCopy:
    delay = (
        0
        if owner.index == message.author
        else rng_for(seed, "chat-copy", owner.index, *message.key).randint(0, 2)
    )
    received = message.sent_at + delay * _S
    return ChatCopy(message, owner, received, max(received, message.edited_at or received))


def team_chat_rows(ctx: RowContext, user: User) -> Iterator[dict]:
    for copy in _chat_copies(ctx, user):
        yield _row(ctx, copy)


def team_chat_v2_rows(ctx: RowContext, user: User) -> Iterator[dict]:
    """v1's copies with v1's values, in v2's columns, plus the chat's thread.

    Real v1 and v2 samples spell values alike (``Importance`` "Normal"), so v2 keeps whatever
    v1 writes: the two then read the same through Graph's one resource for both.
    """
    for copy in _chat_copies(ctx, user):
        v1 = _row(ctx, copy)
        yield {
            **{column: v1[column] for column in TEAM_CHAT_V2_COLUMNS},
            "ThreadId": copy.message.chat.thread_id,
            "ThreadType": "chat",  # 1:1 and group chats alike ("topic": channels)
        }


def _chat_copies(ctx: RowContext, user: User) -> list[ChatCopy]:
    """The user's copies whose date column falls in the window, in date order."""
    column, window = ctx.date_column, ctx.window
    earliest, latest = COLUMN_LAG[column]
    sent_from, sent_to = window.start - latest, window.end - earliest
    copies = []
    for message in ctx.activity.chats.mailbox_messages(user, sent_from, sent_to):
        if sent_from <= message.sent_at < sent_to:
            copy = chat_copy(ctx.seed, message, user)
            if window.start <= copy.date_value(column) < window.end:
                copies.append(copy)
    copies.sort(key=lambda c: (c.date_value(column), c.message.key))
    return copies


def _row(ctx: RowContext, copy: ChatCopy) -> dict:
    message, owner, users = copy.message, copy.owner, ctx.tenant.users
    author = users[message.author]
    item = item_id(owner.mailbox_guid, TEAM_CHAT_FOLDER, *message.key)
    content = f"<div><div>{html.escape(message.text)}</div></div>"
    sender = chat_recipient(author.display_name, author.mail)
    conversation, index = _conversation(
        ctx.tenant.directory_id, ctx.seed, message.chat.thread_id, message.sent_at
    )
    return {
        "Id": item,
        "CreatedDateTime": copy.received,
        "LastModifiedDateTime": copy.modified,
        "ChangeKey": change_key(item, copy.modified),
        "Categories": [],
        "ReceivedDateTime": copy.received,
        "SentDateTime": message.sent_at,
        "HasAttachments": message.shared_file is not None,
        "InternetMessageId": _message_id(ctx.seed, message),
        "Subject": message.chat.topic,
        "BodyPreview": message.text[:255],
        "Importance": message.importance,
        "ParentFolderId": folder_id(owner, TEAM_CHAT_FOLDER),
        "ConversationId": conversation,
        "ConversationIndex": index,
        "IsRead": owner.index == message.author
        or rng_for(ctx.seed, "chat-read", owner.index, *message.key).random() < 0.9,
        "IsDraft": False,
        "Body": {"ContentType": "html", "Content": content},
        "Sender": sender,
        "From": sender,
        "ToRecipients": [
            chat_recipient(users[i].display_name, users[i].mail) for i in message.recipients()
        ],
        "ReplyTo": [],
        "Flag": NOT_FLAGGED,
        "Attachments": _shared_file(ctx, item, message),
        "ODataType": ctx.odata_type,
    }


def _message_id(seed: int, message: ChatMessage) -> str:
    """``<1763544932123.1a2b3c4d@teams.microsoft.com>``: sent time in ms, plus a discriminator."""
    discriminator = stable_guid(seed, *message.key)[:8]
    return f"<{int(message.sent_at.timestamp() * 1000)}.{discriminator}@teams.microsoft.com>"


@lru_cache(maxsize=8192)
def chat_recipient(name: str, address: str) -> dict:
    """PascalCase recipient (shared between rows: Arrow only reads it)."""
    return pascal_keys(recipient(name, address))


def _conversation(anchor: str, seed: int, thread_id: str, sent: dt.datetime) -> tuple[str, str]:
    """Exchange conversation id and index of a chat: every message of a chat is one thread."""
    return _conversation_id(anchor, seed, thread_id), conversation_index(
        (seed, thread_id), sent, []
    )


@lru_cache(maxsize=8192)
def _conversation_id(anchor: str, seed: int, thread_id: str) -> str:
    return conversation_id(anchor, seed, thread_id)


def _shared_file(ctx: RowContext, item: str, message: ChatMessage) -> list[dict]:
    if message.shared_file is None:
        return []
    return [
        {
            "Id": attachment_id(item, 0),
            "LastModifiedDateTime": iso_z(message.sent_at),
            "Name": message.shared_file,
            "ContentType": "reference",
            "Size": 0,
            "IsInline": False,
            "ContentId": None,
            "ContentLocation": None,
            "ContentBytes": None,
            "ODataType": "#microsoft.graph.referenceAttachment",
        }
    ]


GENERATORS = (
    Generator("TeamChat_v1", Unit.USER, team_chat_rows),
    Generator("TeamChat_v2", Unit.USER, team_chat_v2_rows),
)
