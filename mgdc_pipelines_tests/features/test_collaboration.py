"""Collaboration edges on hand-built Message_v1 / TeamChat_v1 rows with known answers."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest

from mgdc_pipelines.consent.transforms import hash_array, hash_value
from mgdc_pipelines.defs.loader import to_pandas
from mgdc_pipelines.features import chat_edges, collaboration_edges, message_edges
from mgdc_pipelines_tests.features.tables import catalog_table

KEY = b"a-test-hash-key-of-32-bytes-long"
NOV_20 = dt.datetime(2026, 11, 20, 10, tzinfo=dt.timezone.utc)
NOV_21 = NOV_20 + dt.timedelta(days=1)


def person(address, name="Someone"):
    return {"emailAddress": {"name": name, "address": address}}


def mail_table(rows: list[dict]) -> pa.Table:
    return catalog_table("Message_v1", rows)


def message(mid, sender, to=(), cc=(), bcc=(), at=NOV_20, mailbox="owner"):
    return {
        "internetMessageId": mid, "sentDateTime": at, "sender": person(sender),
        "toRecipients": [person(a) for a in to], "ccRecipients": [person(a) for a in cc],
        "bccRecipients": [person(a) for a in bcc], "puser": mailbox,
    }


def as_tuples(edges):
    return sorted((d.strftime("%m-%d"), s, r, c, w) for d, s, r, c, w in edges[["day", "sender", "recipient", "channel", "weight"]].itertuples(index=False))


def test_edges_are_weighted_per_day_and_each_message_counts_once_across_mailboxes():
    rows = [
        # <1> reached three mailboxes (sender's Sent Items, bob's and cy's inboxes): one message.
        *(message("<1>", "ann@contoso.com", to=["bob@contoso.com"], cc=["cy@contoso.com"], mailbox=m) for m in "abc"),
        # bob in To and Cc of <2>: one edge, weight 1; Ann's mail to herself is not an edge.
        message("<2>", "Ann@Contoso.com", to=["bob@contoso.com", "ann@contoso.com"], cc=["BOB@contoso.com "]),
        message("<3>", "ann@contoso.com", bcc=["dan@contoso.com"], at=NOV_21),
        message("<4>", "bob@contoso.com", to=["ann@contoso.com"]),
    ]
    edges = message_edges(mail_table(rows))
    assert as_tuples(edges) == [
        ("11-20", "ann@contoso.com", "bob@contoso.com", "mail", 2),
        ("11-20", "ann@contoso.com", "cy@contoso.com", "mail", 1),
        ("11-20", "bob@contoso.com", "ann@contoso.com", "mail", 1),
        ("11-21", "ann@contoso.com", "dan@contoso.com", "mail", 1),
    ]
    assert edges.attrs["rows"] == 6 and edges.attrs["duplicate_copies"] == 2
    assert edges.attrs["self_addressed"] == 1 and edges.attrs["missing_address"] == 0


def test_messages_without_an_id_are_kept_and_counted():
    rows = [message(None, "ann@contoso.com", to=["bob@contoso.com"]), message(None, "ann@contoso.com", to=["bob@contoso.com"])]
    edges = message_edges(mail_table(rows))
    assert as_tuples(edges) == [("11-20", "ann@contoso.com", "bob@contoso.com", "mail", 2)]
    assert edges.attrs["without_message_id"] == 2 and edges.attrs["duplicate_copies"] == 0


def test_hashed_identities_give_the_same_graph_as_clear_ones():
    rows = [
        message("<1>", "ann@contoso.com", to=["bob@contoso.com"], mailbox="x"),
        message("<1>", "ann@contoso.com", to=["bob@contoso.com"], mailbox="y"),
        message("<2>", "bob@contoso.com", to=["Ann@contoso.com"]),
    ]
    clear = mail_table(rows)
    hashed = clear
    for column in ("sender", "toRecipients", "ccRecipients", "bccRecipients"):
        hashed = hashed.set_column(hashed.schema.get_field_index(column), column, hash_array(KEY, clear.column(column)))
    clear_edges, hashed_edges = message_edges(clear), message_edges(hashed)
    assert len(hashed_edges) == len(clear_edges) == 2
    assert hashed_edges["weight"].tolist() == clear_edges["weight"].tolist()
    as_hash = {a: hash_value(KEY, a, address=True) for a in ("ann@contoso.com", "bob@contoso.com")}
    assert as_tuples(hashed_edges) == sorted((d, as_hash[s], as_hash[r], c, w) for d, s, r, c, w in as_tuples(clear_edges))


def test_pandas_input_from_the_loader_works_too():
    rows = [message("<1>", "ann@contoso.com", to=["bob@contoso.com"])]
    assert as_tuples(message_edges(to_pandas(mail_table(rows)))) == as_tuples(message_edges(mail_table(rows)))


def test_chats_and_mail_combine_with_their_channel():
    def chat(mid, to):
        return {
            "InternetMessageId": mid, "SentDateTime": NOV_20,
            "Sender": {"EmailAddress": {"Name": "Bob", "Address": "bob@contoso.com"}},
            "ToRecipients": [{"EmailAddress": {"Name": None, "Address": a}} for a in to],
        }

    chats = catalog_table("TeamChat_v1", [chat("<c1>", ["ann@contoso.com", "cy@contoso.com"])] * 2 + [chat("<c2>", ["ann@contoso.com"])])
    assert as_tuples(chat_edges(chats)) == [
        ("11-20", "bob@contoso.com", "ann@contoso.com", "chat", 2),
        ("11-20", "bob@contoso.com", "cy@contoso.com", "chat", 1),
    ]
    both = collaboration_edges(mail_table([message("<1>", "ann@contoso.com", to=["bob@contoso.com"])]), chats)
    assert sorted(set(both["channel"])) == ["chat", "mail"] and len(both) == 3
    assert both.attrs["duplicate_copies"] == 1 and both.attrs["rows"] == 4


def test_missing_columns_are_named():
    with pytest.raises(KeyError, match="none of the recipient columns toRecipients, ccRecipients, bccRecipients"):
        message_edges(mail_table([{"internetMessageId": "<1>", "sentDateTime": NOV_20, "sender": person("a@b.c")}]))
    with pytest.raises(ValueError, match="needs messages"):
        collaboration_edges()
