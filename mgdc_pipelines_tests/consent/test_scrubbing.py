"""Deny-list scrubbing: which rows involve a person, on the real catalog shapes."""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pytest

from mgdc_pipelines.catalog import get_dataset
from mgdc_pipelines.catalog.registry import list_datasets
from mgdc_pipelines.consent.scrubbing import (
    ADDRESS_COLUMNS,
    USER_ID_COLUMNS,
    address_columns,
    rows_involving,
)
from mgdc_pipelines.consent.transforms import ADDRESS_FIELD_NAMES, can_hash

DENIED = frozenset({"eve@contoso.com"})
SCRUBBED_COLUMNS = [
    (dataset, column) for dataset, columns in ADDRESS_COLUMNS.items() for column in columns
]


def value_holding(arrow_type: pa.DataType, address: str) -> Any:
    """A value of ``arrow_type`` holding ``address`` wherever an address goes, and a decoy that
    looks like the denied address in every other string field (names, types), which must not
    be matched."""
    if pa.types.is_list(arrow_type):
        return [value_holding(arrow_type.value_type, address)]
    if pa.types.is_struct(arrow_type):
        return {field.name: _field_value(field, address) for field in arrow_type}
    return address


def _field_value(field: pa.Field, address: str) -> Any:
    if pa.types.is_struct(field.type) or pa.types.is_list(field.type):
        return value_holding(field.type, address)
    if pa.types.is_string(field.type):
        return address if field.name in ADDRESS_FIELD_NAMES else "eve@contoso.com"
    return None


def one_column_batch(dataset: str, column: str, values: list[Any]) -> pa.RecordBatch:
    arrow_type = get_dataset(dataset).column(column).type
    return pa.RecordBatch.from_arrays([pa.array(values, arrow_type)], names=[column])


@pytest.mark.parametrize("dataset, column", SCRUBBED_COLUMNS)
def test_scrubbed_columns_exist_and_carry_addresses(dataset: str, column: str) -> None:
    assert can_hash(get_dataset(dataset).column(column).type)


def test_address_columns_follow_the_reference_table() -> None:
    message = ("sender", "from", "toRecipients", "ccRecipients", "bccRecipients")
    assert ADDRESS_COLUMNS["Message_v1"] == ADDRESS_COLUMNS["SentItem_v1"] == message
    assert (
        ADDRESS_COLUMNS["Event_v1"]
        == ADDRESS_COLUMNS["CalendarView_v0"]
        == ("organizer", "attendees")
    )
    assert ADDRESS_COLUMNS["Contact_v1"] == ("emailAddresses",)
    # The table names Message_v0, SentItem_v0, Event_v0 and Contact_v0 too, spelled PascalCase.
    message_v0 = ("Sender", "From", "ToRecipients", "CcRecipients", "BccRecipients")
    assert ADDRESS_COLUMNS["Message_v0"] == ADDRESS_COLUMNS["SentItem_v0"] == message_v0
    assert ADDRESS_COLUMNS["Event_v0"] == ("Organizer", "Attendees")
    assert ADDRESS_COLUMNS["Contact_v0"] == ("EmailAddresses",)
    assert ADDRESS_COLUMNS["TeamChat_v1"] == ("Sender", "From", "ToRecipients")
    assert address_columns(get_dataset("User_v1")) == ()


def test_every_dataset_with_sender_or_recipients_is_scrubbed_by_them() -> None:
    """A deny list promises its members are scrubbed from every row: a dataset whose rows name
    people by address in a sender, recipient, organizer or attendee column is scrubbed by all of
    them, not by its mailbox owner alone."""
    people = {"sender", "from", "torecipients", "ccrecipients", "bccrecipients", "organizer",
              "attendees", "emailaddresses"}
    missed = {}
    for dataset in list_datasets():
        named = [c.name for c in dataset.columns if c.name.lower() in people and can_hash(c.type)]
        if named and set(named) - set(address_columns(dataset)):
            missed[dataset.short_name] = sorted(set(named) - set(address_columns(dataset)))
    # TeamsCallRecords_v1 names people by user id, not by address; User_v0's addresses are the
    # user's own (scrubbed by puser).
    assert missed == {"User_v0": ["EmailAddresses"]}


@pytest.mark.parametrize("dataset, column", SCRUBBED_COLUMNS)
def test_each_address_column_involves_its_row(dataset: str, column: str) -> None:
    arrow_type = get_dataset(dataset).column(column).type
    batch = one_column_batch(
        dataset,
        column,
        [
            value_holding(arrow_type, "alice@contoso.com"),
            value_holding(arrow_type, "eve@contoso.com"),
            None,
        ],
    )
    assert rows_involving(batch, [column], DENIED).to_pylist() == [False, True, False]


def test_match_is_case_and_blank_insensitive_both_ways() -> None:
    batch = one_column_batch(
        "Message_v1",
        "sender",
        [{"emailAddress": {"name": None, "address": "  EVE@Contoso.com "}}],
    )
    assert rows_involving(batch, ["sender"], frozenset({"Eve@CONTOSO.com"})).to_pylist() == [True]


def test_any_item_of_a_list_involves_the_row() -> None:
    def attendee(address: str | None) -> dict:
        return {
            "emailAddress": {"name": "x", "address": address},
            "status": None,
            "type": "required",
        }

    batch = one_column_batch(
        "Event_v1",
        "attendees",
        [
            [attendee("alice@contoso.com"), attendee("eve@contoso.com")],
            [attendee("alice@contoso.com"), None, attendee(None)],
            [],
            None,
            [
                {"emailAddress": None, "status": None, "type": "optional"},
                attendee("EVE@contoso.com"),
            ],
        ],
    )
    assert rows_involving(batch, ["attendees"], DENIED).to_pylist() == [
        True,
        False,
        False,
        False,
        True,
    ]


def test_a_display_name_is_not_an_address() -> None:
    batch = one_column_batch(
        "Message_v1", "from", [{"emailAddress": {"name": "eve@contoso.com", "address": "x@y.com"}}]
    )
    assert rows_involving(batch, ["from"], DENIED).to_pylist() == [False]


def test_several_columns_are_or_ed() -> None:
    recipients_type = get_dataset("Message_v1").column("toRecipients").type

    def recipients(address: str) -> list[dict]:
        return [{"emailAddress": {"name": None, "address": address}}]

    batch = pa.RecordBatch.from_arrays(
        [
            pa.array(
                [recipients("eve@contoso.com"), recipients("a@x.com"), recipients("a@x.com")],
                recipients_type,
            ),
            pa.array(
                [recipients("a@x.com"), recipients("eve@contoso.com"), recipients("a@x.com")],
                recipients_type,
            ),
        ],
        names=["toRecipients", "bccRecipients"],
    )
    involved = rows_involving(batch, ["toRecipients", "bccRecipients"], DENIED)
    assert involved.to_pylist() == [True, True, False]


def test_plain_address_strings() -> None:
    batch = one_column_batch("User_v1", "mail", ["Eve@Contoso.com", None, "bob@contoso.com"])
    assert rows_involving(batch, ["mail"], DENIED).to_pylist() == [True, False, False]


def test_sliced_batches_map_to_their_own_rows() -> None:
    recipients_type = get_dataset("Message_v1").column("ccRecipients").type
    values = [
        [{"emailAddress": {"name": None, "address": "eve@contoso.com"}}],
        [{"emailAddress": {"name": None, "address": "a@x.com"}}],
        [{"emailAddress": {"name": None, "address": "eve@contoso.com"}}],
    ]
    batch = pa.RecordBatch.from_arrays([pa.array(values, recipients_type)], names=["ccRecipients"])
    assert rows_involving(batch.slice(1), ["ccRecipients"], DENIED).to_pylist() == [False, True]


def test_no_addresses_or_no_rows_involve_nothing() -> None:
    batch = one_column_batch("User_v1", "mail", ["eve@contoso.com"])
    assert rows_involving(batch, ["mail"], frozenset()).to_pylist() == [False]
    assert rows_involving(batch.slice(0, 0), ["mail"], DENIED).to_pylist() == []


def _user_id_fields(arrow_type: pa.DataType, parent: str | None = None) -> list[str]:
    """The user id fields at any depth of ``arrow_type``: ``userId``, ``callParticipants`` and
    the ``id`` of a ``user``."""
    if pa.types.is_list(arrow_type):
        return _user_id_fields(arrow_type.value_type, parent)
    if not pa.types.is_struct(arrow_type):
        return []
    found = []
    for field in arrow_type:
        if field.name in ("userId", "callParticipants") or (parent == "user" and field.name == "id"):
            found.append(field.name)
        found += _user_id_fields(field.type, field.name)
    return found


def test_every_column_naming_people_by_user_id_is_scrubbed_by_it() -> None:
    """Where the catalog names a call's people by object id, a deny list reads those ids."""
    by_id = {
        dataset.short_name: tuple(c.name for c in dataset.columns if _user_id_fields(c.type))
        for dataset in list_datasets()
    }
    assert {name: columns for name, columns in by_id.items() if columns} == dict(USER_ID_COLUMNS)
