"""OutlookGroupConversations_v0: posts in the conversations of Microsoft 365 groups.

Only Microsoft 365 groups have a group mailbox; other groups give no rows. On each UTC day a
group's members start a few conversations (more in bigger groups, few at weekends); other
members reply within two days. Every author is a valid member of the group, and existed when
the conversation started. The posts go to the group's address; ``pObjectId`` is the group.

>>> from mgdc_pipelines.sources.synthetic import SyntheticTenant, TenantConfig
>>> members = list(SyntheticTenant(TenantConfig(seed=42, users=20)).users[:4])
>>> started = dt.datetime(2026, 11, 18, 15, tzinfo=dt.timezone.utc)
>>> posts = list(_thread(random.Random(1), ("gc", "g", 1, 0), members, started))
>>> posts[0].key, all(post.subject == "RE: " + posts[0].subject for post in posts[1:])
(('gc', 'g', 1, 0, 0), True)
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass

from mgdc_pipelines.sources.synthetic.activity import phrases
from mgdc_pipelines.sources.synthetic.batches import iso_z
from mgdc_pipelines.sources.synthetic.datasets.base import Generator, RowContext, Unit
from mgdc_pipelines.sources.synthetic.identifiers import (
    attachment_id,
    conversation_id,
    conversation_index,
    internet_message_id,
    item_id,
    web_link,
)
from mgdc_pipelines.sources.synthetic.org_groups import Group, GroupKind
from mgdc_pipelines.sources.synthetic.people import User
from mgdc_pipelines.sources.synthetic.randomness import chance, pick, poisson, rng_for, stable_guid
from mgdc_pipelines.sources.synthetic.shapes import body, recipient

THREAD_SPAN = dt.timedelta(days=2)  # the last reply comes within this time of the first post
POST_LAG = dt.timedelta(seconds=22)  # received/created/modified follow the send by at most this
MAX_REPLIES = 3


@dataclass(frozen=True, slots=True)
class Post:
    key: tuple
    thread_key: tuple
    author: User
    subject: str
    text: str
    sent: dt.datetime
    thread_started: dt.datetime
    reply_delays: tuple[int, ...]


def group_conversation_rows(ctx: RowContext, group: Group) -> Iterator[dict]:
    """Posts whose date-filter column falls in the window, in that column's order."""
    if group.kind is not GroupKind.MICROSOFT_365:
        return
    window, column = ctx.window, ctx.date_column
    rows = []
    for day_number in range((window.start - THREAD_SPAN - POST_LAG).toordinal(), window.end.toordinal() + 1):
        for post in _posts_of_day(ctx, group, dt.date.fromordinal(day_number)):
            row = _post_row(ctx, group, post)
            if window.start <= row[column] < window.end:
                rows.append(row)
    rows.sort(key=lambda row: (row[column], row["Id"]))
    yield from rows


def _posts_of_day(ctx: RowContext, group: Group, day: dt.date) -> Iterator[Post]:
    """Every post of the conversations the group's members started on ``day`` (UTC)."""
    start_of_day = dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone.utc)
    users = ctx.tenant.users
    members = [users[i] for i in ctx.tenant.valid_member_indices(group.id)]
    rng = rng_for(ctx.seed, "group-conversations", group.id, day.toordinal())
    rate = min(1.5, 0.15 + 0.02 * len(members)) * (1.0 if day.weekday() < 5 else 0.1)
    for number in range(poisson(rng, rate)):
        started = start_of_day + dt.timedelta(seconds=rng.randint(14 * 3600, 23 * 3600))
        present = [m for m in members if m.created_at < started]
        if started < group.created_at or not present:
            continue
        yield from _thread(rng, ("gc", group.id, day.toordinal(), number), present, started)


def _thread(rng: random.Random, thread_key: tuple, members: list[User], started: dt.datetime) -> Iterator[Post]:
    author = pick(rng, members)
    subject = phrases.fill(pick(rng, phrases.SUBJECTS.get(author.department_key, phrases.ANNOUNCEMENTS)), rng)
    text = " ".join(phrases.fill(pick(rng, phrases.SENTENCES), rng) for _ in range(rng.randint(1, 3)))
    post = Post((*thread_key, 0), thread_key, author, subject, text, started, started, ())
    yield post
    for position in range(1, rng.randint(0, MAX_REPLIES) + 1):
        delay = rng.randint(600, int(THREAD_SPAN.total_seconds()) // MAX_REPLIES)
        reply = phrases.fill(pick(rng, phrases.REPLIES), rng, person=post.author.given_name)
        post = Post((*thread_key, position), thread_key, pick(rng, members), f"RE: {subject}", reply,
                    post.sent + dt.timedelta(seconds=delay), started, (*post.reply_delays, delay))
        yield post


def _post_row(ctx: RowContext, group: Group, post: Post) -> dict:
    rng = rng_for(ctx.seed, "group-post", *post.key)
    received = post.sent + dt.timedelta(seconds=rng.randint(1, 20))
    item = item_id(stable_guid("group-mailbox", group.id), "inbox", *post.key)
    author = recipient(post.author.display_name, post.author.mail)
    html = f"<html><body><p>{post.text}</p></body></html>"
    attachments = [_attachment(item, post.sent)] if chance(rng, 0.1) else []
    modified = received + dt.timedelta(seconds=rng.randint(0, 2))
    return {
        "Attachments": attachments,
        "BodyPreview": post.text[:255],
        "CcRecipients": [],
        "ConversationId": conversation_id(ctx.tenant.directory_id, ctx.seed, *post.thread_key),
        "ConversationIndex": conversation_index(post.thread_key, post.thread_started, list(post.reply_delays)),
        "CreatedDateTime": received,
        "From": author,
        "HasAttachments": str(bool(attachments)),  # "True"/"False": a string in this dataset
        "Id": item,
        "Importance": "normal",
        "InternetMessageId": internet_message_id(post.author.office.geo, ctx.seed, *post.key),
        "IsRead": str(chance(rng, 0.7)),
        "LastModifiedDateTime": modified,
        "MentionsPreview": None,
        "ReplyTo": [],
        "Body": body(html),
        "ReceivedDateTime": received,
        "SentDateTime": post.sent,
        "Sender": author,
        "Subject": post.subject,
        "ToRecipients": [recipient(group.display_name, group.mail)],
        "UniqueBody": body(html),
        "WebLink": web_link(item),
        "ODataType": ctx.odata_type,
    }


def _attachment(item: str, sent: dt.datetime) -> dict:
    return {
        "id": attachment_id(item, 0), "lastModifiedDateTime": iso_z(sent), "name": "notes.docx",
        "contentType": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "size": 18_432, "isInline": False, "contentId": None, "contentLocation": None,
        "contentBytes": None, "ODataType": "#microsoft.graph.fileAttachment",
    }


GENERATORS = (Generator("OutlookGroupConversations_v0", Unit.GROUP, group_conversation_rows),)
