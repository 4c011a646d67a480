"""Version 3 of the mail rows (``rows_version: 3``): Message_v1, SentItem_v1, Inbox_v1,
Message_v0 and SentItem_v0 made as arrays a block of mailboxes at a time.

Its rows differ from versions 1 and 2 (``row_digests_v3.json`` pins them); these tests check
that they are still MGDC's rows and reasonable mail. The datasets derived from mail
(OutlookMailActivity_v0, Viva email hours, To Do's flagged-email tasks) keep version 1's
mail: cross-check them against mail in rows version 2.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter

import pytest

from mgdc_pipelines.sources import Scope, TimeWindow
from mgdc_pipelines.sources.synthetic import SyntheticSource, TenantConfig
from mgdc_pipelines.sources.synthetic.datasets import message_batches
from mgdc_pipelines.sources.synthetic.datasets.message_batches import owner_blocks
from mgdc_pipelines_tests.sources.synthetic.conftest import SMALL
from mgdc_pipelines_tests.sources.synthetic.helpers import DAY, column, extract, request

V3_DATASETS = ("Message_v1", "SentItem_v1", "Inbox_v1", "Message_v0", "SentItem_v0")


@pytest.fixture(scope="module")
def v3() -> SyntheticSource:
    return SyntheticSource(SMALL.replace(rows_version=3))


@pytest.fixture(scope="module")
def day_rows(v3) -> list[dict]:
    return extract(v3, request("Message_v1")).to_pylist()


@pytest.mark.parametrize("name", V3_DATASETS)
def test_batches_have_the_catalog_schema_and_rows(v3, name):
    table = extract(v3, request(name, batch_rows=300))  # asserts every batch's schema
    assert table.num_rows > 0
    subset = extract(v3, request(name, columns=["id" if "v1" in name else "Id"]))
    assert subset.num_rows == table.num_rows


def test_the_same_seed_gives_the_same_rows_and_another_seed_others(v3, day_rows):
    again = SyntheticSource(SMALL.replace(rows_version=3))
    assert extract(again, request("Message_v1")).to_pylist() == day_rows
    other = SyntheticSource(SMALL.replace(rows_version=3, seed=8))
    assert column(extract(other, request("Message_v1")), "id") != [r["id"] for r in day_rows]


def test_batches_are_exactly_batch_rows_long(v3):
    sizes = [batch.num_rows for batch in v3.extract(request("Message_v1", batch_rows=97))]
    assert len(sizes) > 3 and set(sizes[:-1]) == {97} and 0 < sizes[-1] <= 97


def test_senders_and_recipients_are_the_tenants_people_or_outsiders(v3, tenant, day_rows):
    employees = {u.mail for u in tenant.users}
    owners = {u.id: u for u in tenant.users}
    hidden = 0  # Bcc'd: only the sender's copy shows its Bcc line
    for row in day_rows:
        owner = owners[row["puser"]]
        parties = row["toRecipients"] + row["ccRecipients"]
        addresses = [p["emailAddress"]["address"] for p in parties]
        sender = row["sender"]["emailAddress"]["address"]
        hidden += owner.mail != sender and owner.mail not in addresses
        assert owner.is_valid and owner.created_at <= row["sentDateTime"]
        assert all(a in employees or not a.endswith(tenant.domain) for a in [sender, *addresses])
    assert hidden < 0.05 * len(day_rows)


def test_times_fall_in_the_window_and_mostly_in_working_hours(v3, tenant, day_rows):
    start = dt.datetime.combine(DAY, dt.time(), dt.timezone.utc)
    by_mail = {u.mail: u for u in tenant.users}
    in_hours = internal = 0
    for row in day_rows:
        assert start <= row["receivedDateTime"] < start + dt.timedelta(days=1)
        assert row["createdDateTime"] <= row["lastModifiedDateTime"]
        sender = by_mail.get(row["sender"]["emailAddress"]["address"])
        if sender is not None:
            local = row["sentDateTime"].astimezone(sender.office.zone)
            minute = local.hour * 60 + local.minute
            office = sender.office
            internal += 1
            in_hours += office.workday_start_minute <= minute <= office.workday_end_minute
    assert in_hours > 0.75 * internal


def test_a_sent_message_is_in_every_internal_recipients_mailbox(v3, tenant, day_rows):
    sent = SyntheticSource(SMALL.replace(rows_version=3))
    by_mail = {u.mail: u.id for u in tenant.users}
    window = request("Message_v1", days=3, date_column="sentDateTime")
    held = {(r["internetMessageId"], r["puser"]) for r in extract(sent, window).to_pylist()}
    sent_rows = extract(sent, request("SentItem_v1", date_column="sentDateTime")).to_pylist()
    assert sent_rows
    for row in sent_rows:
        for party in row["toRecipients"] + row["ccRecipients"] + row["bccRecipients"]:
            owner = by_mail.get(party["emailAddress"]["address"])
            if owner is not None:
                assert (row["internetMessageId"], owner) in held


@pytest.mark.parametrize("date_column", ["receivedDateTime", "lastModifiedDateTime"])
def test_two_adjacent_days_split_a_two_day_window_exactly(v3, date_column):
    def ids(req):
        return Counter(zip(column(extract(v3, req), "id"), column(extract(v3, req), "puser")))

    both = ids(request("Message_v1", days=2, date_column=date_column))
    first = ids(request("Message_v1", date_column=date_column))
    second = ids(request("Message_v1", DAY + dt.timedelta(days=1), date_column=date_column))
    assert both == first + second and max(both.values()) == 1


def test_a_group_scope_holds_exactly_its_members_rows(v3, tenant, day_rows):
    group = tenant.group_by_nickname["sales"]
    members = {u.id for u in tenant.members_of(group.id)}
    scoped = extract(v3, request("Message_v1", scope=Scope("sales", (group.id,)))).to_pylist()
    expected = [row for row in day_rows if row["puser"] in members]
    assert scoped and sorted(map(repr, scoped)) == sorted(map(repr, expected))


def test_rows_are_by_mailbox_with_mgdcs_row_numbers(day_rows):
    seen: dict[str, int] = {}
    last = None
    for row in day_rows:
        if row["puser"] != last:
            assert row["puser"] not in seen  # a mailbox's rows are together
            last = row["puser"]
        number = seen.get(row["puser"], 0)
        assert row["userrow"] == row["datarow"] == number and row["pagerow"] == number % 50
        seen[row["puser"]] = number + 1


def test_sent_items_and_inbox_are_the_matching_message_rows(v3, day_rows):
    def keys(name, id_column="id"):
        table = extract(v3, request(name))
        return set(zip(column(table, id_column), column(table, "puser")))

    everything = {(r["id"], r["puser"]) for r in day_rows}
    assert keys("SentItem_v1") < everything and keys("Inbox_v1") < everything
    assert keys("Message_v0", "Id") == everything
    inbox = {r["parentFolderId"] for r in extract(v3, request("Inbox_v1")).to_pylist()}
    assert len(inbox) > 1


def test_the_mail_is_varied(day_rows):
    kinds = Counter(r["inferenceClassification"] for r in day_rows)
    assert kinds["focused"] and kinds["other"]
    assert sum(r["subject"].startswith("RE: ") for r in day_rows) > 0
    assert sum(r["hasAttachments"] for r in day_rows) > 0
    assert len({r["subject"] for r in day_rows}) > 20


def test_blocks_shrink_for_longer_windows():
    owners = list(range(1_000))
    assert len(owner_blocks(owners, days=7)) > len(owner_blocks(owners, days=1))


def test_version_3_only_changes_the_message_datasets():
    changed = {g.dataset for g in message_batches.GENERATORS if g.batches is not None}
    assert changed == set(V3_DATASETS)


def test_a_week_at_once_stays_in_bounded_blocks():
    source = SyntheticSource(TenantConfig(users=200, rows_version=3))
    start = dt.datetime(2026, 11, 16, tzinfo=dt.timezone.utc)
    week = dataclasses.replace(
        request("Message_v1"), window=TimeWindow(start, start + dt.timedelta(7))
    )
    assert sum(batch.num_rows for batch in source.extract(week)) > 0


def test_the_emulator_serves_version_3s_messages(v3, tenant, day_rows):
    from mgdc_pipelines.emulator.graph_rows import GraphRows

    user = max(tenant.users, key=lambda u: sum(r["puser"] == u.id for r in day_rows))
    start = dt.datetime.combine(DAY, dt.time(), dt.timezone.utc)
    served = GraphRows(v3).rows("Message_v1", user.id, start, start + dt.timedelta(days=1),
                                "receivedDateTime")
    expected = [r["id"] for r in day_rows if r["puser"] == user.id]
    assert expected and [r["id"] for r in served] == expected
