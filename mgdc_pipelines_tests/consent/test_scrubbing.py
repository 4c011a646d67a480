"""Deny-list scrubbing: which rows involve a person, on the real catalog shapes."""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pytest

from mgdc_pipelines.catalog import get_dataset
from mgdc_pipelines.catalog.registry import list_datasets
from mgdc_pipelines.consent.scrubbing import (
    ADDRESS_COLUMNS,
    ADDRESS_FIELDS,
    USER_ID_COLUMNS,
    USER_ID_FIELDS,
    address_columns,
    rows_involving,
)
from mgdc_pipelines.consent.transforms import can_hash

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
        return address if field.name in ADDRESS_FIELDS else "eve@contoso.com"
    if pa.types.is_list(field.type) and pa.types.is_string(field.type.value_type):
        return [address if field.name in ADDRESS_FIELDS else "eve@contoso.com"]
    return None


def one_column_batch(dataset: str, column: str, values: list[Any]) -> pa.RecordBatch:
    arrow_type = get_dataset(dataset).column(column).type
    return pa.RecordBatch.from_arrays([pa.array(values, arrow_type)], names=[column])


def _fields_named(arrow_type: pa.DataType, names: frozenset[str], parent: str | None = None) -> list[str]:
    """The fields of ``arrow_type`` at any depth whose name is in ``names`` (and a ``user``'s
    ``id``, when ``names`` are user id fields)."""
    if pa.types.is_list(arrow_type):
        return _fields_named(arrow_type.value_type, names, parent)
    if not pa.types.is_struct(arrow_type):
        return []
    found = []
    for field in arrow_type:
        named = field.name in names or (names is USER_ID_FIELDS and parent == "user" and field.name == "id")
        if named and _is_text(field.type):  # a `location`'s postal `address` is a struct
            found.append(field.name)
        found += _fields_named(field.type, names, field.name)
    return found


def _is_text(arrow_type: pa.DataType) -> bool:
    return pa.types.is_string(arrow_type) or (
        pa.types.is_list(arrow_type) and pa.types.is_string(arrow_type.value_type)
    )


@pytest.mark.parametrize("dataset, column", SCRUBBED_COLUMNS)
def test_scrubbed_columns_exist_and_carry_addresses(dataset: str, column: str) -> None:
    arrow_type = get_dataset(dataset).column(column).type
    assert _is_text(arrow_type) or _fields_named(arrow_type, ADDRESS_FIELDS)


def test_address_columns_follow_the_reference_table() -> None:
    """MGDC's table, and `replyTo` after it, which names a person just as a recipient does."""
    message = ("sender", "from", "toRecipients", "ccRecipients", "bccRecipients", "replyTo")
    assert ADDRESS_COLUMNS["Message_v1"] == ADDRESS_COLUMNS["SentItem_v1"] == message
    assert (
        ADDRESS_COLUMNS["Event_v1"]
        == ADDRESS_COLUMNS["CalendarView_v0"]
        == ("organizer", "attendees")
    )
    assert ADDRESS_COLUMNS["Contact_v1"] == ("emailAddresses",)
    # The table names Message_v0, SentItem_v0, Event_v0 and Contact_v0 too, spelled PascalCase.
    message_v0 = ("Sender", "From", "ToRecipients", "CcRecipients", "BccRecipients", "ReplyTo")
    assert ADDRESS_COLUMNS["Message_v0"] == ADDRESS_COLUMNS["SentItem_v0"] == message_v0
    assert ADDRESS_COLUMNS["Event_v0"] == ("Organizer", "Attendees")
    assert ADDRESS_COLUMNS["Contact_v0"] == ("EmailAddresses",)
    assert ADDRESS_COLUMNS["TeamChat_v1"] == ("Sender", "From", "ToRecipients", "ReplyTo")
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


# Top-level strings that are, or hold, a person's object id; the scan below finds the struct
# fields itself.
ID_STRING_COLUMNS = {
    "Manager_v0": ("id",),  # the row is the manager's directory entry
    "DirectReport_v0": ("id",),
    "GroupMembers_v0": ("id",),
    "GroupOwners_v0": ("id",),
    "OneDriveSyncErrors_v0": ("puser",),  # tenant-wide: `puser` is a column, not the scope
    "OneDriveSyncHealth_v1": ("puser",),
    "PlannerTasks_v0": ("completedBy", "assignments"),  # Graph objects kept as JSON text
    "TeamsConversationActivity_v0": ("Team_Id",),  # a 1:1 chat's thread names both people
}


def test_every_column_naming_people_by_user_id_is_scrubbed_by_it() -> None:
    """Where the catalog names people by object id (a call's attendees, a transcript's
    speakers, a Teams thread's members, a SharePoint owner), a deny list reads those ids."""
    by_id = {
        dataset.short_name: tuple(
            c.name for c in dataset.columns
            if _fields_named(c.type, USER_ID_FIELDS)
            or c.name in ID_STRING_COLUMNS.get(dataset.short_name, ())
        )
        for dataset in list_datasets()
    }
    assert {name: set(columns) for name, columns in by_id.items() if columns} == {
        name: set(columns) for name, columns in USER_ID_COLUMNS.items()
    }


def test_every_struct_holding_an_address_is_scrubbed_by_it() -> None:
    """A column whose structs hold an address field (a reply-to recipient, a SharePoint
    owner's `Email`, a Teams interaction's target emails) is an address column."""
    missed = {
        dataset.short_name: [c.name for c in dataset.columns
                             if _fields_named(c.type, ADDRESS_FIELDS)
                             and c.name not in address_columns(dataset)]
        for dataset in list_datasets()
    }
    assert {name: columns for name, columns in missed.items() if columns} == {}
