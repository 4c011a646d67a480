"""TeamsChannelDetails_v0 and TeamsStandardChannelMessages_v0: a team's channels and posts.

Both are group-scoped (rows carry ``pObjectId``) and only Teams-enabled Microsoft 365 groups
have rows: a scope of a security group or a distribution list yields none, as in MGDC.
Channel messages are the copies Exchange keeps in the team's group mailbox, one per post in a
standard channel, written in PascalCase with v2's spelling (as TeamChat_v2).
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Iterator
from urllib.parse import quote, quote_plus

from mgdc_pipelines.sources.synthetic.activity.channels import (
    MAX_EDIT_DELAY_S,
    Channel,
    ChannelPost,
)
from mgdc_pipelines.sources.synthetic.datasets.base import Generator, RowContext, Unit
from mgdc_pipelines.sources.synthetic.datasets.teams import (
    V2_HTML_BODY,
    V2_NOT_FLAGGED,
    chat_recipient,
)
from mgdc_pipelines.sources.synthetic.identifiers import conversation_id, item_id, mail_folder_id
from mgdc_pipelines.sources.synthetic.org_groups import Group
from mgdc_pipelines.sources.synthetic.randomness import rng_for, stable_guid

TEAM_CHAT_FOLDER = "teamchat"  # the group mailbox folder holding channel posts
_S = dt.timedelta(seconds=1)
# Latest lag of each date column after the post's SentDateTime (see `_dates`).
COLUMN_LAG = {
    "SentDateTime": 0 * _S,
    "CreatedDateTime": 2 * _S,
    "LastModifiedDateTime": (MAX_EDIT_DELAY_S + 6) * _S,
}


def channel_rows(ctx: RowContext, group: Group) -> Iterator[dict]:
    """Channels created in the window (General: when the team was created)."""
    for channel in ctx.activity.channels.created_between(group, ctx.window.start, ctx.window.end):
        yield {
            "id": channel.id,
            "createdDateTime": channel.created_at,
            "displayName": channel.display_name,
            "description": channel.description,
            # Teams leaves General's flag unset; channels created later say false unless pinned.
            "isFavoriteByDefault": None if channel.is_general else False,
            "email": "",  # MGDC writes an empty address: channel email is off by default
            "webUrl": _web_url(ctx.tenant.directory_id, channel),
            "membershipType": channel.membership_type,
            "ODataType": ctx.odata_type,
        }


def _web_url(tenant_guid: str, channel: Channel) -> str:
    """``https://teams.microsoft.com/l/channel/19%3a...%40thread.tacv2/Name?groupId=...``."""
    thread = quote(channel.id, safe="").replace("%3A", "%3a")  # Teams writes it lower-case
    return (
        f"https://teams.microsoft.com/l/channel/{thread}/{quote_plus(channel.display_name)}"
        f"?groupId={channel.team}&tenantId={tenant_guid}"
    )


def channel_message_rows(ctx: RowContext, group: Group) -> Iterator[dict]:
    """Posts whose date column falls in the window, in date order."""
    column, window = ctx.date_column, ctx.window
    dated = []
    for post in ctx.activity.channels.posts(group, window.start - COLUMN_LAG[column], window.end):
        moment = _dates(ctx.seed, post)[column]
        if window.start <= moment < window.end:
            dated.append((moment, post))
    dated.sort(key=lambda pair: (pair[0], pair[1].key))
    mailbox = group_mailbox_guid(ctx.seed, group)
    for _, post in dated:
        yield _message_row(ctx, mailbox, post)


def group_mailbox_guid(seed: int, group: Group) -> str:
    return stable_guid(seed, "group-mailbox", group.id)


def _dates(seed: int, post: ChannelPost) -> dict[str, dt.datetime]:
    """The copy is created a second or two after sending and modified again when edited."""
    rng = rng_for(seed, "channel-copy", *post.key)
    created = post.sent_at + rng.randint(0, 2) * _S
    modified = created + rng.randint(1, 4) * _S
    return {
        "SentDateTime": post.sent_at,
        "CreatedDateTime": created,
        "LastModifiedDateTime": max(modified, post.edited_at or modified),
    }


def _message_row(ctx: RowContext, mailbox: str, post: ChannelPost) -> dict:
    author = ctx.tenant.users[post.author]
    dates = _dates(ctx.seed, post)
    sender = chat_recipient(author.display_name, author.mail)
    return {
        "Id": item_id(mailbox, TEAM_CHAT_FOLDER, *post.key),
        "CreatedDateTime": dates["CreatedDateTime"],
        "LastModifiedDateTime": dates["LastModifiedDateTime"],
        "SentDateTime": post.sent_at,
        "Subject": post.subject,
        "Importance": post.importance.title(),
        "From": sender,
        "Body": {"ContentType": V2_HTML_BODY,
                 "Content": f"<div><div>{html.escape(post.text)}</div></div>"},
        "ParentFolderId": mail_folder_id(mailbox, TEAM_CHAT_FOLDER),
        "ConversationId": conversation_id(
            ctx.tenant.directory_id, ctx.seed, post.channel.id, *post.thread
        ),
        "IsRead": False,  # nobody reads the group mailbox's copies
        "Sender": sender,
        "ReplyTo": [],
        "Flag": V2_NOT_FLAGGED,
        "Attachments": [],
        "ODataType": ctx.odata_type,
    }


GENERATORS = (
    Generator("TeamsChannelDetails_v0", Unit.GROUP, channel_rows),
    Generator("TeamsStandardChannelMessages_v0", Unit.GROUP, channel_message_rows),
)
