"""Version 3: the Arrow columns of Message_v1 for one :class:`MailBlock`, one function a column.

:data:`COLUMNS` maps a Message_v1 column to the function that builds it for every copy of a
block (message-level values are built once per message and repeated with ``take``); the
metadata columns come last. Types are the catalog's (``MESSAGE_TYPES``).

>>> import datetime as dt
>>> from mgdc_pipelines.sources.synthetic.tenant import SyntheticTenant
>>> from mgdc_pipelines.sources.synthetic.config import TenantConfig
>>> from mgdc_pipelines.sources.synthetic.activity.mail_arrays import MailArrays
>>> model = MailArrays(SyntheticTenant(TenantConfig(users=40)))
>>> block = MailBlock(model, *model.block(np.arange(40), [dt.date(2026, 11, 19)]))
>>> COLUMNS["toRecipients"](block).type == MESSAGE_TYPES["toRecipients"]
True
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from mgdc_pipelines.catalog import get_dataset
from mgdc_pipelines.sources.synthetic.activity.array_random import draw, gauss
from mgdc_pipelines.sources.synthetic.activity.mail_arrays import BCC, CC, NOTIFICATION, TO
from mgdc_pipelines.sources.synthetic.activity.mail_text import DIV, HTML_HEAD
from mgdc_pipelines.sources.synthetic.arrow_text import (
    ALPHANUMERIC,
    BASE64,
    DIGITS,
    HEX,
    constant,
    counts_to_offsets,
    formatted,
    iso_text,
    join,
    list_of,
    timestamps,
    tokens,
)
from mgdc_pipelines.sources.synthetic.datasets.mail import CATEGORIES
from mgdc_pipelines.sources.synthetic.datasets.mail_block import MailBlock, ranges
from mgdc_pipelines.sources.synthetic.datasets.mail_copies import COMPLETE, FOLDERS
from mgdc_pipelines.sources.synthetic.datasets.mail_folders import folder_id
from mgdc_pipelines.sources.synthetic.shapes import HTML_BODY

_MESSAGE = get_dataset("Message_v1")
MESSAGE_TYPES = {f.name: f.type for f in _MESSAGE.output_schema(_MESSAGE.column_names)}
IMPORTANCE = pa.array(["normal", "high", "low"])
FLAG_STATUS = pa.array(
    [f"microsoft.graph.followupFlagStatus'{s}'" for s in ("notFlagged", "flagged", "complete")]
)
GRAPH_DATE_TIME = "%Y-%m-%dT%H:%M:%S.0000000"
RFC_2822 = "%a, %d %b %Y %H:%M:%S +0000"


def _struct(type: pa.DataType, children: list[pa.Array], mask=None) -> pa.Array:
    mask = None if mask is None else pa.array(mask)
    return pa.StructArray.from_arrays(children, fields=list(type), mask=mask)


def _parties(block: MailBlock, parties: np.ndarray) -> pa.Array:
    """``{"emailAddress": {"name", "address"}}`` of each party id."""
    outer = MESSAGE_TYPES["sender"]
    names = block.parties.name.take(parties)
    address = _struct(outer[0].type, [names, block.parties.address.take(parties)])
    return _struct(outer, [address])


def _recipients(block: MailBlock, role: int, shown: np.ndarray | None = None) -> pa.Array:
    counts, parties = block.role_slots(role)
    starts = counts_to_offsets(counts)[:-1]
    per_copy = counts[block.m] if shown is None else np.where(shown, counts[block.m], 0)
    values = _parties(block, parties[ranges(starts[block.m], per_copy)])
    return list_of(counts_to_offsets(per_copy), values, MESSAGE_TYPES["toRecipients"])


def _sender(block: MailBlock) -> pa.Array:
    return _parties(block, block.sender).take(block.m)


def _body(inner_head: str, block: MailBlock) -> pa.Array:
    content = join(inner_head, DIV, block.inner_html, "</div></body></html>")
    kind = constant(HTML_BODY, block.messages, pa.string())
    return _struct(MESSAGE_TYPES["body"], [kind, content]).take(block.m)


def _hosts(block: MailBlock, field: int) -> tuple[pa.Array, pa.Array]:
    """(server name, host name) of one Exchange front end per message, in the sender's
    geography (``NAM`` for outside senders)."""
    servers, geos = block.pools.servers
    offices = block.model.arrays.offices
    office_geo = np.array([geos.get(o.geo, geos["NAM"]) for o in offices] or [0])
    internal = block.sender < block.parties.employees
    user_office = block.model.arrays.office[np.where(internal, block.sender, 0)]
    geo = np.where(internal, office_geo[user_office], geos["NAM"])
    pair = servers.values.take(servers.pick(geo, draw(block.key, field)))
    parts = pc.split_pattern(pair, "\t")
    prefix = pc.list_element(parts, 0)
    cluster = pc.list_element(parts, 1)
    server = join(prefix, tokens(block.key ^ np.uint64(field), 4, DIGITS))
    return server, join(server, ".", cluster, ".prod.outlook.com")


def _once(block: MailBlock, build) -> pa.Array:
    """``build(block)``, made once per block (values several columns share)."""
    if build not in block.made:
        block.made[build] = build(block)
    return block.made[build]


def _internet_message_id(block: MailBlock) -> pa.Array:
    """Per message: ``<server + hex@host>`` for employees' mail, ``<guid@mail.domain>`` else."""
    server, host = _hosts(block, 70)
    internal = join("<", server, tokens(block.key, 28, HEX), "@", host, ">")
    domain = pc.replace_substring_regex(block.parties.address.take(block.sender), "^.*@", "")
    guid = tokens(block.key ^ np.uint64(71), 32, HEX[:10] + b"abcdef")
    external = join("<", guid, "@mail.", domain, ">")
    return pc.if_else(pa.array(block.sender < block.parties.employees), internal, external)


def _conversation_index(block: MailBlock) -> pa.Array:
    """Per message: a header of the conversation, then a block more for a reply."""
    head = join("AQH", tokens(block.thread, 25, BASE64))
    reply = join(head, tokens(block.key, 7, BASE64), "=")
    return pc.if_else(pa.array(block.thread == block.key), join(head, "=="), reply)


def _headers(block: MailBlock) -> pa.Array:
    """``internetMessageHeaders`` per message (the headers Exchange keeps, in order)."""
    _, first = _hosts(block, 72)
    _, second = _hosts(block, 73)
    date = formatted(block.sent, RFC_2822)
    internal = pa.array(block.sender < block.parties.employees)
    counts, parties = block.role_slots(TO)
    to = join(block.parties.name.take(parties), " <", block.parties.address.take(parties), ">")
    subject = block.pools.subject_texts.take(block.subject)
    has_files = pa.array(block.attachment_count > 0)
    values = [
        join("from ", first, " by ", second, " with Microsoft SMTP Server id 15.20.",
             tokens(block.key, 4, DIGITS), ".", tokens(block.key ^ np.uint64(74), 2, DIGITS),
             "; ", date),
        join(block.parties.name.take(block.sender), " <",
             block.parties.address.take(block.sender), ">"),
        pc.binary_join(list_of(counts_to_offsets(counts), to), ", "),
        subject,
        pc.replace_substring_regex(subject, "^RE: ", ""),
        _once(block, _conversation_index),
        date,
        _once(block, _internet_message_id),
        constant("1.0", block.messages, pa.string()),
        pc.if_else(has_files, "multipart/mixed", "multipart/alternative"),
        pc.if_else(has_files, "yes", ""),
        pc.if_else(internal, "Internal", "Anonymous"),
        pc.if_else(internal, "Originating", "Incoming"),
    ]
    return _header_list(values)


HEADER_NAMES = (
    "Received", "From", "To", "Subject", "Thread-Topic", "Thread-Index", "Date", "Message-ID",
    "MIME-Version", "Content-Type", "X-MS-Has-Attach", "X-MS-Exchange-Organization-AuthAs",
    "X-MS-Exchange-Organization-MessageDirectionality",
)


def _header_list(values: list[pa.Array]) -> pa.Array:
    """Rows of ``(name, value)`` pairs from one value array per header name."""
    rows, count = len(values[0]), len(values)
    order = (np.arange(rows)[:, None] + rows * np.arange(count)[None, :]).ravel()
    flat = pa.concat_arrays([v.cast(pa.string()) for v in values]).take(order)
    names = pa.array(HEADER_NAMES).take(np.tile(np.arange(count), rows))
    item = MESSAGE_TYPES["internetMessageHeaders"].value_type
    offsets = np.arange(rows + 1) * count
    return list_of(offsets, _struct(item, [names, flat]), MESSAGE_TYPES["internetMessageHeaders"])


def _item_parts(block: MailBlock) -> tuple[pa.Array, pa.Array]:
    """Per copy: the item id without its closing ``=``, and the id (``AAMkA...``)."""
    mailbox = tokens(block.owner.astype(np.uint64) ^ np.uint64(block.model.key), 40)
    body = join("AAMkA", mailbox, "BGAAAAAA", tokens(block.copy_key, 56), "AAA")
    return body, join(body, "=")


def _item_id(block: MailBlock) -> pa.Array:
    return _once(block, _item_parts)[1]


def _web_link(block: MailBlock) -> pa.Array:
    body = _once(block, _item_parts)[0]
    return join("https://outlook.office365.com/owa/?ItemID=", body,
                "%3D&exvsurl=1&viewmodel=ReadMessageItem")


def _change_key(block: MailBlock) -> pa.Array:
    version = tokens(block.copy_key ^ block.state.modified.astype(np.uint64), 30, BASE64)
    return join("CQAAABYAAAD", version)


def _parent_folder_id(block: MailBlock) -> pa.Array:
    """The id of the folder each copy sits in, as MailFolder_v0 lists it."""
    users, folders = block.model.tenant.users, FOLDERS
    pairs = block.owner * len(folders) + block.state.folder
    unique, where = np.unique(pairs, return_inverse=True)
    ids = [folder_id(users[p // len(folders)], folders[p % len(folders)]) for p in unique]
    return pa.array(ids, pa.string()).take(where)


def _categories(block: MailBlock) -> pa.Array:
    chosen = block.state.category
    values = pa.array(CATEGORIES).take(chosen[chosen >= 0])
    return list_of(counts_to_offsets(chosen >= 0), values, MESSAGE_TYPES["categories"])


def _flag(block: MailBlock) -> pa.Array:
    state, type = block.state, MESSAGE_TYPES["flag"]
    flagged = state.flag != 0

    def moment(seconds: np.ndarray, shown: np.ndarray) -> pa.Array:
        zone = constant("UTC", len(block), pa.string())
        return _struct(type[1].type, [formatted(seconds, GRAPH_DATE_TIME), zone], ~shown)

    return _struct(type, [
        FLAG_STATUS.take(state.flag),
        moment(state.flag_start, flagged),
        moment(state.flag_due, flagged),
        moment(state.flag_due, state.flag == COMPLETE),
    ])


def _attachments(block: MailBlock) -> pa.Array:
    """Each copy's file attachments (ids extend the copy's item id)."""
    counts = block.attachment_count[block.m]
    copy = np.repeat(np.arange(len(block)), counts)
    position = ranges(np.zeros(len(block), np.int64), counts)
    message = block.m[copy]
    keys = block.key[message] ^ (position.astype(np.uint64) + np.uint64(1))
    pools, rows = block.pools, len(copy)
    chosen = pools.file_names.pick(block.topic[message], draw(keys, 80))
    item = _once(block, _item_parts)[0].take(copy)
    size = np.exp(11.5 + 1.2 * gauss(keys, 81)).astype(np.int64)
    values = _struct(MESSAGE_TYPES["attachments"].value_type, [
        join(item, "BEgAQA", tokens(keys ^ block.copy_key[copy], 18)),
        iso_text(block.sent[message] - 60 * (7 + position)),
        pools.file_names.values.take(chosen),
        pools.file_types.values.take(chosen),
        pa.array(size, pa.int64()),
        constant(False, rows, pa.bool_()),
        constant(None, rows, pa.string()),
        constant(None, rows, pa.string()),
        pools.file_bytes.values.take(chosen),
        constant("#microsoft.graph.fileAttachment", rows, pa.string()),
    ])
    return list_of(counts_to_offsets(counts), values, MESSAGE_TYPES["attachments"])


def _message_level(build):
    """A column built once per message and repeated for each copy."""
    return lambda block: _once(block, build).take(block.m)


COLUMNS = {
    "receivedDateTime": lambda b: timestamps(b.state.received),
    "sentDateTime": lambda b: timestamps(b.sent[b.m]),
    "hasAttachments": lambda b: pa.array(b.attachment_count[b.m] > 0),
    "internetMessageId": _message_level(_internet_message_id),
    "subject": lambda b: b.pools.subject_texts.take(b.subject[b.m]),
    "importance": lambda b: IMPORTANCE.take(b.importance[b.m]),
    "parentFolderId": _parent_folder_id,
    "sender": lambda b: _once(b, _sender),
    "from": lambda b: _once(b, _sender),
    "toRecipients": lambda b: _recipients(b, TO),
    "ccRecipients": lambda b: _recipients(b, CC),
    "bccRecipients": lambda b: _recipients(b, BCC, shown=b.sent_copy),  # only the sender's
    "replyTo": lambda b: list_of(np.zeros(len(b) + 1), _parties(b, np.zeros(0, np.int64)),
                                 MESSAGE_TYPES["replyTo"]),
    "conversationId": lambda b: join("AAQkAD", tokens(b.thread[b.m], 60, ALPHANUMERIC), "="),
    "uniqueBody": lambda b: _body("<html><body>", b),
    "isDeliveryReceiptRequested": lambda b: constant(False, len(b), pa.bool_()),
    "isReadReceiptRequested": lambda b: pa.array((b.importance == 1)[b.m] & b.is_new[b.m]),
    "isRead": lambda b: pa.array(b.state.is_read),
    "isDraft": lambda b: constant(False, len(b), pa.bool_()),
    "webLink": _web_link,
    "createdDateTime": lambda b: timestamps(b.state.created),
    "lastModifiedDateTime": lambda b: timestamps(b.state.modified),
    "changeKey": _change_key,
    "categories": _categories,
    "id": _item_id,
    "attachments": _attachments,
    "inferenceClassification": lambda b: pc.if_else(
        pa.array(b.kind[b.m] == NOTIFICATION), "other", "focused"),
    "flag": _flag,
    "body": lambda b: _body(HTML_HEAD + "<body>", b),
    "bodyPreview": lambda b: b.preview.take(b.m),
    "internetMessageHeaders": _message_level(_headers),
    "conversationIndex": _message_level(_conversation_index),
}
