"""Who works with whom: weighted collaboration edges from mail (Message_v1) and Teams chats (TeamChat_v1).

An edge is `sender → recipient` on a UTC day, weighted by the number of distinct messages the
sender addressed to that recipient that day (To, Cc and Bcc alike; someone in both To and Cc
counts once). Copies of a message in several mailboxes (or scopes) count once: rows are first
collapsed on the internet message id. People are keyed by normalized address, so hashed and
clear identities both work (see `mgdc_pipelines.features.identities`).

What was collapsed or left out is counted in `edges.attrs` (`rows`, `duplicate_copies`,
`without_message_id`, `self_addressed`, `missing_address`).

>>> import datetime as dt
>>> import pyarrow as pa
>>> def person(address):
...     return {"emailAddress": {"name": None, "address": address}}
>>> sent = dt.datetime(2026, 11, 20, 9, tzinfo=dt.timezone.utc)
>>> mail = pa.table({
...     "internetMessageId": ["<m1>", "<m1>"],          # one message, two mailboxes
...     "sentDateTime": [sent, sent],
...     "sender": [person("ann@contoso.com")] * 2,
...     "toRecipients": [[person("Bob@contoso.com"), person("cy@contoso.com")]] * 2,
... })
>>> edges = message_edges(mail)
>>> edges[["sender", "recipient", "weight"]].values.tolist()
[['ann@contoso.com', 'bob@contoso.com', 1], ['ann@contoso.com', 'cy@contoso.com', 1]]
>>> edges.attrs["duplicate_copies"]
1
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import pandas as pd
import pyarrow as pa

from mgdc_pipelines.features.columns import described
from mgdc_pipelines.features.identities import Frame, address_of, as_table, explode_recipients
from mgdc_pipelines.features.messages import first_present, unique_messages

EDGE_COLUMNS = ["day", "sender", "recipient", "channel", "weight"]
EDGE_DESCRIPTIONS = {
    "day": "The UTC day the messages were sent.",
    "sender": "The sender's e-mail address (lower case).",
    "recipient": "A recipient's e-mail address (lower case).",
    "channel": "mail (Message_v1) or chat (TeamChat_v1).",
    "weight": "How many distinct messages went from sender to recipient that day on that channel.",
}
MAIL_RECIPIENTS = ("toRecipients", "ccRecipients", "bccRecipients")
CHAT_RECIPIENTS = ("ToRecipients",)
MAIL_TIMES = ("sentDateTime", "receivedDateTime", "createdDateTime")
CHAT_TIMES = ("SentDateTime", "CreatedDateTime", "ReceivedDateTime")


def message_edges(messages: Frame, *, recipient_columns: Sequence[str] = MAIL_RECIPIENTS) -> pd.DataFrame:
    """Daily sender → recipient edges of Message_v1 (or SentItem_v1) rows, channel `mail`."""
    return _edges(messages, "internetMessageId", "sender", MAIL_TIMES, recipient_columns, "mail")


def chat_edges(chats: Frame, *, recipient_columns: Sequence[str] = CHAT_RECIPIENTS) -> pd.DataFrame:
    """Daily sender → recipient edges of TeamChat_v1 rows, channel `chat`."""
    return _edges(chats, "InternetMessageId", "Sender", CHAT_TIMES, recipient_columns, "chat")


def collaboration_edges(messages: Frame | None = None, chats: Frame | None = None) -> pd.DataFrame:
    """Who writes to whom: mail and chat edges together (either input may be omitted), one row per
    day, sender, recipient and channel, weighted by the number of distinct messages."""
    parts = [message_edges(messages)] if messages is not None else []
    if chats is not None:
        parts.append(chat_edges(chats))
    if not parts:
        raise ValueError("collaboration_edges needs messages (Message_v1), chats (TeamChat_v1) or both")
    edges = pd.concat(parts, ignore_index=True)
    edges.attrs = dict(sum((Counter(p.attrs) for p in parts), Counter()))
    return described(edges, EDGE_DESCRIPTIONS)


def _edges(
    data: Frame, id_column: str, sender_column: str, times: tuple[str, ...], recipient_columns: Sequence[str], channel: str
) -> pd.DataFrame:
    table = as_table(data)
    time_column = first_present(table, times, "send time")
    present = [c for c in recipient_columns if c in table.column_names]
    if not present:
        raise KeyError(f"the input has none of the recipient columns {', '.join(recipient_columns)}; select them in the spec")
    table = as_table(table, [id_column, sender_column, time_column, *present])
    unique, counts = unique_messages(table, id_column)
    senders = address_of(unique.column(sender_column)).to_numpy(zero_copy_only=False)
    days = unique.column(time_column).to_pandas().dt.floor("D")
    pairs = []
    for column in present:
        parents, recipients = explode_recipients(unique, column)
        parents = parents.to_numpy()
        pairs.append(pd.DataFrame({"message": parents, "recipient": recipients.to_numpy(zero_copy_only=False)}))
    links = pd.concat(pairs, ignore_index=True).drop_duplicates()
    links["sender"] = senders[links["message"].to_numpy()]
    links["day"] = days.to_numpy()[links["message"].to_numpy()]
    missing = links["sender"].isna() | links["recipient"].isna()
    self_addressed = ~missing & (links["sender"] == links["recipient"])
    kept = links[~missing & ~self_addressed]
    edges = (
        kept.groupby(["day", "sender", "recipient"], sort=True)
        .size()
        .rename("weight")
        .reset_index()
        .assign(channel=channel)
    )[EDGE_COLUMNS]
    edges["weight"] = edges["weight"].astype("int64")
    edges.attrs = {**counts, "self_addressed": int(self_addressed.sum()), "missing_address": int(missing.sum())}
    return edges.reset_index(drop=True)
