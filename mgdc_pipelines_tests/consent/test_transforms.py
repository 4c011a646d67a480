"""The `hash` transform on real catalog column types."""

from __future__ import annotations

import pyarrow as pa
import pytest

from mgdc_pipelines.catalog import get_dataset
from mgdc_pipelines.consent.transforms import (
    MIN_HASH_KEY_BYTES,
    HashMemo,
    array_is_hashed,
    can_hash,
    hash_array,
    hash_key_from_env,
    hash_value,
    hashed_value_count,
    is_hash,
)

KEY = b"test-key-0123456789abcdef"
OTHER_KEY = b"other-key-0123456789abcdef"


def column_type(dataset: str, column: str) -> pa.DataType:
    return get_dataset(dataset).column(column).type


def recipient(address: str | None, name: str | None = "Someone") -> dict:
    return {"emailAddress": {"name": name, "address": address}}


def address_hash(address: str) -> str:
    return hash_value(KEY, address, address=True)


# -- can_hash ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "dataset, column",
    [
        ("Message_v1", "subject"),
        ("Message_v1", "categories"),
        ("Message_v1", "sender"),
        ("Message_v1", "toRecipients"),
        ("Event_v1", "organizer"),
        ("Event_v1", "attendees"),
        ("Contact_v1", "emailAddresses"),
        ("TeamChat_v1", "Sender"),
        ("TeamChat_v1", "ToRecipients"),
        ("SharePointSites_v1", "Owner"),
        ("SharePointPermissions_v1", "SharedWith"),
        ("SharePointPermissions_v1", "ShareCreatedBy"),
        ("User_v1", "mail"),
    ],
)
def test_can_hash_strings_and_address_carriers(dataset: str, column: str) -> None:
    assert can_hash(column_type(dataset, column))


@pytest.mark.parametrize(
    "dataset, column",
    [
        ("Message_v1", "receivedDateTime"),
        ("Message_v1", "hasAttachments"),
        ("Message_v1", "body"),  # contentType/content: no address
        ("Message_v1", "internetMessageHeaders"),  # name/value pairs, not a person
        ("Message_v1", "attachments"),  # has a `name`, but no address beside it
        ("Message_v1", "flag"),
        ("Event_v1", "location"),  # `address` there is a postal address struct
        ("Event_v1", "locations"),
        ("Contact_v1", "businessAddress"),
        ("SharePointSites_v1", "RootWeb"),
        ("SharePointPermissions_v1", "SharedWithCount"),
        ("SharePointPermissions_v1", "ListItemId"),
    ],
)
def test_cannot_hash_values_without_personal_strings(dataset: str, column: str) -> None:
    assert not can_hash(column_type(dataset, column))


# -- keys and values ----------------------------------------------------------------------------


def test_hash_value_is_stable_hex_and_keyed() -> None:
    first = hash_value(KEY, "alice@contoso.com", address=True)
    assert first == hash_value(KEY, "alice@contoso.com", address=True)
    assert is_hash(first) and len(first) == 64
    assert first != hash_value(OTHER_KEY, "alice@contoso.com", address=True)
    assert first != hash_value(KEY, "bob@contoso.com", address=True)


def test_addresses_are_normalized_but_text_is_not() -> None:
    assert address_hash("  Alice@Contoso.COM ") == address_hash("alice@contoso.com")
    assert hash_value(KEY, "Budget", address=False) != hash_value(KEY, "budget", address=False)


def test_hash_key_from_env_reads_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_MGDC_HASH_KEY", "k" * MIN_HASH_KEY_BYTES)
    assert hash_key_from_env("TEST_MGDC_HASH_KEY") == b"k" * MIN_HASH_KEY_BYTES


def test_missing_hash_key_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TEST_MGDC_HASH_KEY", raising=False)
    with pytest.raises(ValueError, match="TEST_MGDC_HASH_KEY"):
        hash_key_from_env("TEST_MGDC_HASH_KEY")


def test_short_hash_key_names_the_variable_never_the_value(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_MGDC_HASH_KEY", "s3cr3t-short")
    with pytest.raises(ValueError, match="TEST_MGDC_HASH_KEY") as raised:
        hash_key_from_env("TEST_MGDC_HASH_KEY")
    assert "s3cr3t-short" not in str(raised.value)


def test_is_hash() -> None:
    assert is_hash("0" * 64)
    assert not is_hash("0" * 63)
    assert not is_hash("A" * 64)  # uppercase is not what hash_value writes
    assert not is_hash("alice@contoso.com")


# -- hash_array ---------------------------------------------------------------------------------


def test_strings_hashed_with_type_and_nulls_kept() -> None:
    subjects = pa.array(["Budget", None, "Budget", "Plan"])
    hashed = hash_array(KEY, subjects)
    assert hashed.type == pa.string()
    assert hashed.to_pylist() == [
        hash_value(KEY, "Budget", address=False),
        None,
        hash_value(KEY, "Budget", address=False),
        hash_value(KEY, "Plan", address=False),
    ]


def test_address_in_a_plain_string_column_hashes_like_a_recipient_address() -> None:
    # User_v1.mail must join with Message_v1.sender after both are hashed.
    mail = hash_array(KEY, pa.array(["Alice@Contoso.com"], column_type("User_v1", "mail")))
    sender = hash_array(
        KEY, pa.array([recipient("alice@contoso.com")], column_type("Message_v1", "sender"))
    )
    assert mail[0].as_py() == sender[0]["emailAddress"]["address"].as_py()


def test_list_of_strings_hashed_item_by_item() -> None:
    categories = pa.array([["Red", None], None, []], pa.list_(pa.string()))
    hashed = hash_array(KEY, categories)
    assert hashed.type == categories.type
    assert hashed.to_pylist() == [[hash_value(KEY, "Red", address=False), None], None, []]


def test_recipients_addresses_hashed_names_nulled_nulls_kept() -> None:
    recipients_type = column_type("Message_v1", "toRecipients")
    recipients = pa.array(
        [
            [recipient("Alice@Contoso.com", "Alice"), recipient("bob@contoso.com", "Bob")],
            None,
            [],
            [None, {"emailAddress": None}, recipient(None, "No Address")],
        ],
        recipients_type,
    )
    hashed = hash_array(KEY, recipients)
    assert hashed.type == recipients_type
    assert hashed.to_pylist() == [
        [
            recipient(address_hash("alice@contoso.com"), None),
            recipient(address_hash("bob@contoso.com"), None),
        ],
        None,
        [],
        [None, {"emailAddress": None}, recipient(None, None)],
    ]


def test_attendees_keep_status_and_type() -> None:
    attendees_type = column_type("Event_v1", "attendees")
    attendee = {
        "emailAddress": {"name": "Carol", "address": "carol@contoso.com"},
        "status": {"response": "accepted", "time": "2026-11-20T10:00:00Z"},
        "type": "required",
    }
    hashed = hash_array(KEY, pa.array([[attendee]], attendees_type)).to_pylist()[0][0]
    assert hashed == {
        "emailAddress": {"name": None, "address": address_hash("carol@contoso.com")},
        "status": attendee["status"],
        "type": "required",
    }


def test_pascal_case_team_chat_sender() -> None:
    sender_type = column_type("TeamChat_v1", "Sender")
    sender = {"EmailAddress": {"Name": "Dan", "Address": "Dan@Contoso.com"}}
    hashed = hash_array(KEY, pa.array([sender], sender_type)).to_pylist()[0]
    assert hashed == {"EmailAddress": {"Name": None, "Address": address_hash("dan@contoso.com")}}


def test_contact_email_addresses() -> None:
    addresses_type = column_type("Contact_v1", "emailAddresses")
    contact = [{"name": "Erin", "address": "erin@fabrikam.com"}]
    hashed = hash_array(KEY, pa.array([contact], addresses_type)).to_pylist()
    assert hashed == [[{"name": None, "address": address_hash("erin@fabrikam.com")}]]


def test_sharepoint_user_every_identifier_hashed() -> None:
    owner_type = column_type("SharePointSites_v1", "Owner")
    owner = {
        "AadObjectId": "6F1C2B2A-0000-4000-8000-000000000001",
        "Email": "frank@contoso.com",
        "UPN": "Frank@contoso.com",
        "Name": "Frank",
    }
    hashed = hash_array(KEY, pa.array([owner], owner_type)).to_pylist()[0]
    assert hashed == {
        "AadObjectId": address_hash(owner["AadObjectId"]),
        "Email": address_hash("frank@contoso.com"),
        "UPN": address_hash("frank@contoso.com"),
        "Name": None,
    }


def test_sharepoint_shared_with_keeps_non_personal_fields() -> None:
    shared_with_type = column_type("SharePointPermissions_v1", "SharedWith")
    entry = {
        "Type": "User",
        "Name": "Gina",
        "Email": "gina@contoso.com",
        "AadObjectId": None,
        "UPN": None,
        "TypeV2": "Internal",
        "UserCount": 1,
        "UserLoginName": "i:0#.f|membership|gina@contoso.com",
    }
    hashed = hash_array(KEY, pa.array([[entry]], shared_with_type)).to_pylist()[0][0]
    assert (hashed["Type"], hashed["TypeV2"], hashed["UserCount"], hashed["Name"]) == (
        "User",
        "Internal",
        1,
        None,
    )
    assert is_hash(hashed["Email"]) and is_hash(hashed["UserLoginName"])


def test_non_personal_strings_in_an_address_struct_are_kept() -> None:
    # `attachments` has a `name` but no address: a file name is not a display name.
    attachments_type = column_type("Message_v1", "attachments")
    attachments = pa.array([[{"name": "report.pdf", "size": 10}]], attachments_type)
    assert hash_array(KEY, attachments).equals(attachments)


def test_sliced_and_chunked_inputs() -> None:
    recipients = pa.array(
        [[recipient("a@x.com")], None, [recipient("b@x.com"), recipient("c@x.com")]],
        column_type("Message_v1", "toRecipients"),
    )
    whole = hash_array(KEY, recipients)
    assert hash_array(KEY, recipients.slice(1)).equals(whole.slice(1))
    chunked = pa.chunked_array([recipients.slice(0, 1), recipients.slice(1)])
    assert hash_array(KEY, chunked).equals(whole)


def test_large_string_keeps_its_type() -> None:
    hashed = hash_array(KEY, pa.array(["x", None], pa.large_string()))
    assert hashed.type == pa.large_string() and is_hash(hashed[0].as_py())


def test_empty_arrays() -> None:
    for arrow_type in (pa.string(), column_type("Message_v1", "toRecipients")):
        empty = pa.array([], arrow_type)
        assert len(hash_array(KEY, empty)) == 0
        assert array_is_hashed(empty)


# -- reading hashed data back -------------------------------------------------------------------


def test_array_is_hashed() -> None:
    recipients_type = column_type("Message_v1", "toRecipients")
    clear = pa.array([[recipient("alice@contoso.com", None)], None], recipients_type)
    assert not array_is_hashed(clear)
    assert array_is_hashed(hash_array(KEY, clear))
    half = pa.array(
        [[recipient(address_hash("alice@contoso.com"), None), recipient("bob@contoso.com", None)]],
        recipients_type,
    )
    assert not array_is_hashed(half)


def test_a_name_beside_a_hashed_address_is_a_violation() -> None:
    named = pa.array(
        [recipient(address_hash("alice@contoso.com"), "Alice")], column_type("Message_v1", "sender")
    )
    assert not array_is_hashed(named)


def test_values_under_a_null_parent_are_not_part_of_the_value() -> None:
    # A null recipient whose child slots hold leftovers: nothing of it is read or written.
    email_type = column_type("Message_v1", "sender").field("emailAddress").type
    children = [pa.array(["Leftover"]), pa.array(["leftover@contoso.com"])]
    null_struct = pa.StructArray.from_arrays(
        children, fields=list(email_type), mask=pa.array([True])
    )
    assert array_is_hashed(null_struct)


def test_hashed_value_count_counts_non_null_strings_replaced() -> None:
    recipients = pa.array(
        [[recipient("a@x.com"), recipient(None)], None, [recipient("b@x.com")]],
        column_type("Message_v1", "toRecipients"),
    )
    assert hashed_value_count(recipients) == 2
    assert hashed_value_count(pa.array(["a", None, "b"])) == 2


# -- HashMemo: hashes remembered across calls ---------------------------------------------------


def test_a_memo_hashes_exactly_as_the_key_does_call_after_call() -> None:
    memo = HashMemo(KEY)
    recipients = pa.array(
        [[recipient("Ann@Contoso.com"), recipient("bob@contoso.com")], [recipient("ann@contoso.com")]],
        column_type("Message_v1", "toRecipients"),
    )
    first, second = hash_array(memo, recipients), hash_array(memo, recipients)
    assert first.equals(hash_array(KEY, recipients)) and second.equals(first)
    addresses = [item["emailAddress"]["address"] for row in first.to_pylist() for item in row]
    assert addresses == [address_hash("ann@contoso.com"), address_hash("bob@contoso.com"),
                         address_hash("ann@contoso.com")]


def test_a_memo_keeps_text_and_addresses_apart() -> None:
    """The same string hashes normalized where an address sits, as is in a plain text column."""
    memo = HashMemo(KEY)
    as_text = hash_array(memo, pa.array(["Team Lunch"]))
    as_address = hash_array(memo, pa.array([recipient("Team Lunch")], column_type("Message_v1", "sender")))
    assert as_text.to_pylist() == [hash_value(KEY, "Team Lunch", address=False)]
    assert as_address[0]["emailAddress"]["address"].as_py() == address_hash("team lunch")


def test_a_memo_never_holds_more_than_its_bound() -> None:
    memo = HashMemo(KEY, max_entries=3)
    for batch in range(4):
        values = [f"user{batch}-{n}@contoso.com" for n in range(2)]
        assert hash_array(memo, pa.array(values)).to_pylist() == [address_hash(v) for v in values]
        assert len(memo) <= 3


def test_a_memo_shows_neither_key_nor_values() -> None:
    memo = HashMemo(KEY)
    memo.hashes(["bob@contoso.com"], address_leaf=True)
    assert KEY.decode() not in repr(memo) and "bob" not in repr(memo)
