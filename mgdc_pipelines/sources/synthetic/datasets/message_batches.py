"""Message_v1, SentItem_v1, Inbox_v1, Message_v0 and SentItem_v0, with version 3 of their rows.

Versions 1 and 2 make these rows one dict per copy (``mail.py``). From ``rows_version: 3``
the source asks :func:`message_batches` instead: the scope's mailboxes, in the order version 2
lists them, are taken a block at a time (:func:`owner_blocks`, smaller for longer windows so
a block stays a few thousand rows); the block's mail over the window's days is made as arrays
(``activity/mail_arrays.py``), its copies are kept if their date-filter value is in the
window, sorted mailbox by mailbox (then by that value), and the block becomes one record batch
built column by column (``mail_columns.py``). Only one block is held at a time, so memory
does not grow with the tenant. The v0 datasets are the same columns renamed (PascalCase).

>>> owner_blocks(np.arange(10), days=1, block_rows=60)[0].tolist()
[0, 1, 2]
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator

import numpy as np
import pyarrow as pa

from mgdc_pipelines.sources.rows import PAGE_ROWS, ROW_INFORMATION
from mgdc_pipelines.sources.synthetic.activity.mail_arrays import Copies
from mgdc_pipelines.sources.synthetic.arrow_text import constant
from mgdc_pipelines.sources.synthetic.datasets import mail
from mgdc_pipelines.sources.synthetic.datasets.base import RowContext
from mgdc_pipelines.sources.synthetic.datasets.mail import COLUMN_LAG
from mgdc_pipelines.sources.synthetic.datasets.mail_block import MailBlock
from mgdc_pipelines.sources.synthetic.datasets.mail_columns import COLUMNS
from mgdc_pipelines.sources.synthetic.datasets.mail_copies import FOLDERS, copy_keys, copy_state
from mgdc_pipelines.sources.synthetic.datasets.mail_folders import INBOX

BLOCK_ROWS = 8_000  # rows a block of mailboxes aims at
ROWS_PER_MAILBOX_DAY = 20  # about what a working day holds
DATE_COLUMNS = ("sentDateTime", "receivedDateTime", "createdDateTime", "lastModifiedDateTime")


def v1_name(column: str) -> str:
    """The Message_v1 column a v0 column (PascalCase) holds: ``SentDateTime`` → ``sentDateTime``.

    >>> v1_name("ReceivedDateTime"), v1_name("ODataType"), v1_name("id")
    ('receivedDateTime', 'ODataType', 'id')
    """
    return column if column == "ODataType" else column[:1].lower() + column[1:]


def window_days(ctx: RowContext, column: str) -> list[dt.date]:
    """The UTC days whose mail can put a copy in the window on ``column``."""
    earliest, latest = COLUMN_LAG[column]
    first = (ctx.window.start - latest).astimezone(dt.timezone.utc).date()
    end = ctx.window.end - earliest - dt.timedelta(microseconds=1)
    last = end.astimezone(dt.timezone.utc).date()
    return [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]


def owner_blocks(owners: np.ndarray, days: int, block_rows: int = BLOCK_ROWS) -> list[np.ndarray]:
    """``owners`` in blocks of about ``block_rows`` rows (``days`` days of mail each)."""
    size = max(1, block_rows // (ROWS_PER_MAILBOX_DAY * max(days, 1)))
    return [owners[i:i + size] for i in range(0, len(owners), size)]


def message_batches(
    ctx: RowContext, owners: tuple, sent_only: bool = False, folder: str | None = None
) -> Iterator[pa.RecordBatch]:
    """Record batches of the request's rows, a block of mailboxes each (see the module)."""
    model = ctx.activity.mail_arrays
    column = v1_name(ctx.date_column)
    days = window_days(ctx, column)
    indices = np.array([user.index for user in owners], np.int64)
    for block_owners in owner_blocks(indices, len(days)):
        messages, copies = model.block(block_owners, days)
        chosen = _chosen_copies(ctx, messages, copies, block_owners, column, sent_only, folder)
        block = MailBlock(model, messages, chosen)
        if len(block):
            yield record_batch(ctx, block)


def _chosen_copies(ctx, messages, copies, block_owners, column, sent_only, folder) -> Copies:
    """The copies in the window (and folder), in row order: mailbox, date value, message."""
    keys = messages.key[copies.message]
    state = copy_state(copy_keys(keys, copies.owner), messages.sent[copies.message],
                       copies.sent_copy)
    value = {
        "sentDateTime": messages.sent[copies.message], "receivedDateTime": state.received,
        "createdDateTime": state.created, "lastModifiedDateTime": state.modified,
    }[column]
    start, end = (int(moment.timestamp()) for moment in (ctx.window.start, ctx.window.end))
    keep = (value >= start) & (value < end)
    if sent_only:
        keep &= copies.sent_copy
    if folder is not None:
        keep &= state.folder == FOLDERS.index(folder)
    rank = np.zeros(model_users(ctx), np.int64)
    rank[block_owners] = np.arange(len(block_owners))
    chosen = np.nonzero(keep)[0]
    order = chosen[np.lexsort((keys[chosen], value[chosen], rank[copies.owner[chosen]]))]
    return Copies(copies.message[order], copies.owner[order], copies.sent_copy[order])


def model_users(ctx: RowContext) -> int:
    return len(ctx.tenant.users)


def record_batch(ctx: RowContext, block: MailBlock) -> pa.RecordBatch:
    """The block's rows in the request's schema (v0 columns are Message_v1's, renamed)."""
    schema = ctx.request.output_schema
    metadata = metadata_columns(ctx, block)
    arrays = []
    for field in schema:
        if field.name in metadata:
            arrays.append(metadata[field.name])
        elif field.name == "ODataType":
            arrays.append(constant(ctx.odata_type, len(block), pa.string()))
        else:
            arrays.append(COLUMNS[v1_name(field.name)](block).cast(field.type))
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


def metadata_columns(ctx: RowContext, block: MailBlock) -> dict[str, pa.Array]:
    """MGDC's metadata columns (as ``rows.RowStamper`` stamps them); rows are by mailbox."""
    rows, owner = len(block), block.owner
    starts = np.concatenate(([True], owner[1:] != owner[:-1]))
    first = np.maximum.accumulate(np.where(starts, np.arange(rows), 0))
    number = np.arange(rows) - first
    info_type = ctx.request.output_schema.field("rowinformation").type
    return {
        "ptenant": constant(ctx.request.tenant_id, rows, pa.string()),
        "puser": block.pools.user_ids.take(owner),
        "pAdditionalInfo": constant(None, rows, pa.string()),
        "datarow": pa.array(number, pa.int64()),
        "userrow": pa.array(number, pa.int64()),
        "pagerow": pa.array(number % PAGE_ROWS, pa.int64()),
        "rowinformation": constant(ROW_INFORMATION, rows, info_type),
    }


def _batches(sent_only: bool = False, folder: str | None = None):
    def batches(ctx: RowContext, owners: tuple) -> Iterator[pa.RecordBatch]:
        return message_batches(ctx, owners, sent_only, folder)

    return batches


_VERSION_3 = {
    "Message_v1": _batches(),
    "SentItem_v1": _batches(sent_only=True),
    "Inbox_v1": _batches(folder=INBOX),
    "Message_v0": _batches(),
    "SentItem_v0": _batches(sent_only=True),
}
GENERATORS = tuple(
    dataclasses.replace(g, batches=_VERSION_3[g.dataset]) for g in mail.GENERATORS
)
