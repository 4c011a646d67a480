"""One row per message: MGDC's per-mailbox copies collapsed on the internet message id.

Message_v1 and TeamChat_v1 hold one row per message *per mailbox* (and, read across scopes, per
scope too), so any count of messages first keeps one copy per `internetMessageId`. Copies
without an id cannot be matched: they are kept, and counted.

>>> import pyarrow as pa
>>> table = pa.table({"internetMessageId": ["<a>", "<a>", "<b>", None]})
>>> unique, counts = unique_messages(table, "internetMessageId")
>>> unique.num_rows, counts
(3, {'rows': 4, 'duplicate_copies': 1, 'without_message_id': 1})
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc


def unique_messages(table: pa.Table, id_column: str) -> tuple[pa.Table, dict[str, int]]:
    """The first copy of each message id (rows without an id all kept) and what was collapsed."""
    ids = table.column(id_column)
    without_id = ids.null_count
    indexed = pa.table({"id": ids, "row": pa.array(range(table.num_rows), pa.int64())})
    first = indexed.filter(pc.is_valid(indexed.column("id"))).group_by("id", use_threads=False).aggregate([("row", "min")])
    keep = pc.is_in(indexed.column("row"), value_set=first.column("row_min"))
    keep = pc.or_(keep, pc.is_null(ids))
    unique = table.filter(keep)
    counts = {"rows": table.num_rows, "duplicate_copies": table.num_rows - unique.num_rows, "without_message_id": without_id}
    return unique, counts


def first_present(table: pa.Table, candidates: tuple[str, ...], what: str) -> str:
    """The first of `candidates` the table has, or an error listing them."""
    for name in candidates:
        if name in table.column_names:
            return name
    raise KeyError(f"the input has none of the {what} columns {', '.join(candidates)}; select one in the spec")
