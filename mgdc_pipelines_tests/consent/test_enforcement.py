"""The Enforcer on hand-built batches in the real catalog schemas."""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from mgdc_pipelines.catalog import Dataset, get_dataset
from mgdc_pipelines.consent.enforcement import EnforcementCounts, Enforcer
from mgdc_pipelines.consent.transforms import array_is_hashed, hash_value, is_hash

KEY = b"enforcement-test-key-0123456789"
TENANT = "00000000-0000-0000-0000-0000000000aa"
ALICE, BOB, CAROL = (f"00000000-0000-0000-0000-00000000000{n}" for n in (1, 2, 3))
MESSAGE = get_dataset("Message_v1")
MAIL_COLUMNS = ("subject", "sender", "toRecipients", "body")


def recipient(address: str, name: str = "Someone") -> dict:
    return {"emailAddress": {"name": name, "address": address}}


def message(
    puser: str | None, *, to: str = "alice@contoso.com", sender: str = "bob@contoso.com"
) -> dict:
    return {
        "subject": f"for {to}",
        "sender": recipient(sender, "Sender"),
        "toRecipients": [recipient(to, "To")],
        "body": {"contentType": "text", "content": "secret"},
        "ptenant": TENANT,
        "puser": puser,
        "datarow": 0,
    }


def batch_of(dataset: Dataset, rows: list[dict], columns: tuple[str, ...]) -> pa.RecordBatch:
    """Rows in the dataset's own schema for ``columns`` (metadata columns included)."""
    return pa.RecordBatch.from_pylist(rows, schema=dataset.output_schema(columns))


def mail_batch(rows: list[dict]) -> pa.RecordBatch:
    return batch_of(MESSAGE, rows, MAIL_COLUMNS)


def mail_enforcer(**overrides) -> Enforcer:
    arguments = {"dataset": MESSAGE, "authorized_columns": MAIL_COLUMNS, **overrides}
    return Enforcer(**arguments)


def with_column(batch: pa.RecordBatch, name: str, values: pa.Array) -> pa.RecordBatch:
    return pa.RecordBatch.from_arrays([*batch.columns, values], names=[*batch.schema.names, name])


# -- tenant -------------------------------------------------------------------------------------


def test_rows_of_another_tenant_or_of_none_are_never_written() -> None:
    enforcer = mail_enforcer(tenant_id=TENANT.upper())  # tenant ids are GUIDs: any case
    rows = [message(ALICE), {**message(BOB), "ptenant": "ffffffff-0000-0000-0000-000000000000"},
            {**message(CAROL), "ptenant": None}, message(BOB)]
    written = enforcer.apply(mail_batch(rows))
    assert written.column("puser").to_pylist() == [ALICE, BOB]
    assert set(written.column("ptenant").to_pylist()) == {TENANT}
    assert enforcer.counts.rows_foreign_tenant == 2
    assert enforcer.counts.as_metadata()["consent/rows_foreign_tenant"] == 2


def test_without_a_tenant_no_row_is_filtered_by_tenant() -> None:
    rows = [message(ALICE), {**message(BOB), "ptenant": "ffffffff-0000-0000-0000-000000000000"}]
    assert mail_enforcer().apply(mail_batch(rows)).num_rows == 2


# -- columns ------------------------------------------------------------------------------------


def test_unauthorized_columns_are_dropped_and_counted() -> None:
    enforcer = mail_enforcer(authorized_columns=("subject", "sender"))
    batch = mail_batch([message(ALICE), message(BOB)])  # carries toRecipients and body too
    batch = with_column(batch, "injected", pa.array(["x", None]))
    written = enforcer.apply(batch)
    assert written.schema.names == enforcer.output_schema.names
    assert not {"toRecipients", "body", "injected"} & set(written.schema.names)
    assert enforcer.counts.unauthorized_columns == {"toRecipients": 2, "body": 2, "injected": 2}
    assert written.num_rows == 2


def test_output_schema_is_exactly_the_catalog_schema_in_catalog_order() -> None:
    enforcer = mail_enforcer(authorized_columns=("toRecipients", "subject"))
    assert enforcer.requested_columns == ("subject", "toRecipients")
    assert enforcer.output_schema.equals(
        MESSAGE.output_schema(["subject", "toRecipients"]), check_metadata=True
    )
    batch = mail_batch([message(ALICE)])
    reversed_batch = batch.select(list(reversed(batch.schema.names)))
    written = enforcer.apply(reversed_batch)
    assert written.schema.equals(enforcer.output_schema, check_metadata=True)
    assert written.schema.names[-len(MESSAGE.metadata_columns) :] == list(
        MESSAGE.metadata_column_names
    )


def test_columns_are_read_in_their_catalog_type() -> None:
    # A source that writes an all-null column without a type, or int32 row counters.
    enforcer = mail_enforcer(authorized_columns=("subject",))
    batch = batch_of(MESSAGE, [message(ALICE)], ("subject",))
    batch = batch.set_column(batch.schema.get_field_index("subject"), "subject", pa.nulls(1))
    batch = batch.set_column(
        batch.schema.get_field_index("datarow"), "datarow", pa.array([7], pa.int32())
    )
    written = enforcer.apply(batch)
    assert written.schema == enforcer.output_schema
    assert written.column("datarow").to_pylist() == [7]


def test_a_column_that_cannot_be_read_in_its_type_is_an_error() -> None:
    enforcer = mail_enforcer(authorized_columns=("subject",))
    batch = batch_of(MESSAGE, [message(ALICE)], ("subject",))
    batch = batch.set_column(
        batch.schema.get_field_index("datarow"), "datarow", pa.array(["seven"])
    )
    with pytest.raises(ValueError, match="Message_v1.*'datarow'"):
        enforcer.apply(batch)


def test_a_cast_error_counts_the_values_that_fail_and_never_quotes_one() -> None:
    enforcer = mail_enforcer(authorized_columns=("subject",))
    rows = [message(ALICE), message(ALICE), message(ALICE)]
    batch = batch_of(MESSAGE, rows, ("subject",))
    values = pa.array(["7", "felix.baker.sentinel@contoso.example", "bob.sentinel@contoso.example"])
    batch = batch.set_column(batch.schema.get_field_index("datarow"), "datarow", values)
    with pytest.raises(ValueError) as raised:
        enforcer.apply(batch)
    message_text = str(raised.value)
    assert "column 'datarow' arrived as string, which cannot be read as INT64" in message_text
    assert "2 of its 3 values do not convert (ArrowInvalid)" in message_text
    assert "sentinel" not in message_text and raised.value.__cause__ is None


@pytest.mark.parametrize("missing", ["sender", "puser", "ptenant"])
def test_a_missing_required_column_names_dataset_and_column(missing: str) -> None:
    batch = mail_batch([message(ALICE)])
    batch = batch.drop_columns([missing])
    with pytest.raises(ValueError, match=f"Message_v1.*{missing!r}"):
        mail_enforcer().apply(batch)


def test_a_missing_drop_column_is_fine() -> None:
    enforcer = mail_enforcer(transforms={"body": "drop"})
    written = enforcer.apply(mail_batch([message(ALICE)]).drop_columns(["body"]))
    assert written.num_rows == 1


def test_zero_row_batches_keep_the_output_schema() -> None:
    enforcer = mail_enforcer(
        transforms={"sender": "hash", "body": "drop"},
        hash_key=KEY,
        scope_member_ids=frozenset({ALICE}),
        denied_addresses=frozenset({"eve@contoso.com"}),
    )
    written = enforcer.apply(mail_batch([]))
    assert written.num_rows == 0
    assert written.schema == enforcer.output_schema
    assert enforcer.counts == EnforcementCounts()


# -- scope ----------------------------------------------------------------------------------------


def test_out_of_scope_users_are_dropped_and_counted() -> None:
    enforcer = mail_enforcer(scope_member_ids=frozenset({ALICE, CAROL.upper()}))
    written = enforcer.apply(
        mail_batch([message(ALICE), message(BOB), message(CAROL), message(None)])
    )
    assert written.column("puser").to_pylist() == [ALICE, CAROL]
    assert enforcer.counts.rows_out_of_scope == 2


def test_everyone_in_scope_when_no_restriction() -> None:
    enforcer = mail_enforcer()
    assert enforcer.apply(mail_batch([message(ALICE), message(BOB)])).num_rows == 2
    assert enforcer.counts.rows_out_of_scope == 0


def test_group_datasets_are_scoped_by_group_id() -> None:
    groups = get_dataset("GroupDetails_v0")
    group_a, group_b = (
        "00000000-0000-0000-0000-0000000000a1",
        "00000000-0000-0000-0000-0000000000b2",
    )
    rows = [
        {"id": group, "displayName": group, "ptenant": TENANT, "pObjectId": group}
        for group in (group_a, group_b)
    ]
    enforcer = Enforcer(
        dataset=groups,
        authorized_columns=("id", "displayName"),
        scope_group_ids=frozenset({group_a}),
        scope_member_ids=frozenset({ALICE}),  # user scope: nothing to restrict in a group dataset
    )
    written = enforcer.apply(batch_of(groups, rows, ("id", "displayName")))
    assert written.column("pObjectId").to_pylist() == [group_a]
    assert enforcer.counts.rows_out_of_scope == 1


def test_tenant_wide_datasets_have_no_scope_to_restrict() -> None:
    sites = get_dataset("SharePointSites_v1")
    enforcer = Enforcer(
        dataset=sites,
        authorized_columns=("Id",),
        scope_member_ids=frozenset(),
        scope_group_ids=frozenset(),
        denied_user_ids=frozenset({ALICE}),
    )
    written = enforcer.apply(batch_of(sites, [{"Id": "site-1", "ptenant": TENANT}], ("Id",)))
    assert written.num_rows == 1


# -- deny-list --------------------------------------------------------------------------------


def test_deny_listed_mailbox_owner_rows_are_removed() -> None:
    enforcer = mail_enforcer(denied_user_ids=frozenset({BOB}))
    written = enforcer.apply(mail_batch([message(ALICE), message(BOB)]))
    assert written.column("puser").to_pylist() == [ALICE]
    assert enforcer.counts.rows_deny_listed == 1


def test_rows_involving_a_deny_listed_address_are_removed() -> None:
    enforcer = mail_enforcer(denied_addresses=frozenset({"eve@contoso.com"}))
    rows = [
        message(ALICE),
        message(ALICE, to="Eve@Contoso.com"),
        message(BOB, sender="eve@contoso.com"),
    ]
    written = enforcer.apply(mail_batch(rows))
    assert written.num_rows == 1
    assert enforcer.counts.rows_deny_listed == 2


def test_deny_list_checks_only_the_address_columns_present() -> None:
    # The grant covers `subject` only: the recipients are neither read nor scrubbed.
    enforcer = mail_enforcer(
        authorized_columns=("subject",), denied_addresses=frozenset({"alice@contoso.com"})
    )
    assert enforcer.apply(mail_batch([message(BOB)])).num_rows == 1


def test_out_of_scope_rows_are_not_counted_as_deny_listed() -> None:
    enforcer = mail_enforcer(scope_member_ids=frozenset({ALICE}), denied_user_ids=frozenset({BOB}))
    enforcer.apply(mail_batch([message(ALICE), message(BOB)]))
    assert (enforcer.counts.rows_out_of_scope, enforcer.counts.rows_deny_listed) == (1, 0)


def test_deny_list_by_attendee_in_calendar_data() -> None:
    event = get_dataset("Event_v1")
    columns = ("subject", "attendees", "organizer")

    def event_row(attendee: str) -> dict:
        return {
            "subject": "sync",
            "attendees": [
                {
                    "emailAddress": {"name": None, "address": attendee},
                    "status": None,
                    "type": "required",
                }
            ],
            "organizer": recipient("alice@contoso.com"),
            "ptenant": TENANT,
            "puser": ALICE,
        }

    enforcer = Enforcer(
        dataset=event, authorized_columns=columns, denied_addresses=frozenset({"eve@contoso.com"})
    )
    written = enforcer.apply(
        batch_of(event, [event_row("bob@contoso.com"), event_row("EVE@contoso.com")], columns)
    )
    assert written.num_rows == 1 and enforcer.counts.rows_deny_listed == 1


def test_deny_list_sees_clear_addresses_of_hashed_and_dropped_columns() -> None:
    enforcer = mail_enforcer(
        transforms={"toRecipients": "hash", "sender": "drop"},
        hash_key=KEY,
        denied_addresses=frozenset({"eve@contoso.com", "mallory@contoso.com"}),
    )
    rows = [
        message(ALICE),
        message(ALICE, to="eve@contoso.com"),
        message(ALICE, sender="mallory@contoso.com"),
    ]
    written = enforcer.apply(mail_batch(rows))
    assert written.num_rows == 1 and enforcer.counts.rows_deny_listed == 2


# -- transforms -------------------------------------------------------------------------------


def test_hash_and_drop() -> None:
    enforcer = mail_enforcer(
        transforms={"sender": "hash", "toRecipients": "hash", "body": "drop"}, hash_key=KEY
    )
    assert "body" in enforcer.requested_columns
    assert "body" not in enforcer.output_schema.names
    written = enforcer.apply(mail_batch([message(ALICE), message(BOB, to="carol@contoso.com")]))
    assert "body" not in written.schema.names
    assert written.schema == enforcer.output_schema
    assert array_is_hashed(written.column("sender")) and array_is_hashed(
        written.column("toRecipients")
    )
    first_sender = written.column("sender")[0]["emailAddress"]
    assert first_sender["address"].as_py() == hash_value(KEY, "bob@contoso.com", address=True)
    assert first_sender["name"].as_py() is None
    assert written.column("subject").to_pylist() == [
        "for alice@contoso.com",
        "for carol@contoso.com",
    ]
    assert enforcer.counts.values_hashed == {"sender": 2, "toRecipients": 2}


def test_an_address_hashes_the_same_in_every_batch_of_a_copy() -> None:
    """The enforcer remembers hashes between batches; the later batches must not differ."""
    enforcer = mail_enforcer(transforms={"sender": "hash", "toRecipients": "hash"}, hash_key=KEY)
    batches = [mail_batch([message(ALICE, sender=s, to="alice@contoso.com")])
               for s in ("bob@contoso.com", "Bob@Contoso.com", "carol@contoso.com")]
    senders = [enforcer.apply(batch).column("sender")[0]["emailAddress"]["address"].as_py()
               for batch in batches]
    assert senders == [hash_value(KEY, address, address=True)
                       for address in ("bob@contoso.com", "bob@contoso.com", "carol@contoso.com")]
    assert enforcer.counts.values_hashed == {"sender": 3, "toRecipients": 3}
    assert KEY.decode() not in repr(enforcer)


def test_hashing_is_the_same_across_enforcers_with_the_same_key() -> None:
    def written_sender() -> str:
        enforcer = mail_enforcer(transforms={"sender": "hash"}, hash_key=KEY)
        return (
            enforcer.apply(mail_batch([message(ALICE)]))
            .column("sender")[0]["emailAddress"]["address"]
            .as_py()
        )

    assert written_sender() == written_sender() and is_hash(written_sender())


@pytest.mark.parametrize(
    "transforms, message_parts",
    [
        ({"sender": "encrypt"}, ["'encrypt'", "'sender'", "drop, hash"]),
        ({"replyTo": "hash"}, ["'replyTo'", "not authorized", "subject"]),
        ({"body": "hash"}, ["'body'", "STRUCT<contentType", "email-address structs"]),
    ],
)
def test_bad_transforms_are_refused_by_name(transforms: dict, message_parts: list[str]) -> None:
    with pytest.raises(ValueError) as raised:
        mail_enforcer(transforms=transforms, hash_key=KEY)
    for part in message_parts:
        assert part in str(raised.value)


def test_hash_without_a_key_names_the_columns() -> None:
    with pytest.raises(ValueError, match="sender"):
        mail_enforcer(transforms={"sender": "hash"})


def test_hash_key_never_shows() -> None:
    short_key = b"tiny-secret"
    with pytest.raises(ValueError) as raised:
        mail_enforcer(transforms={"sender": "hash"}, hash_key=short_key)
    assert "tiny-secret" not in str(raised.value)
    enforcer = mail_enforcer(transforms={"sender": "hash"}, hash_key=KEY)
    assert KEY.decode() not in repr(enforcer) and KEY.decode() not in str(enforcer)


def test_unknown_authorized_columns_are_refused() -> None:
    with pytest.raises(ValueError, match="nonexistent"):
        mail_enforcer(authorized_columns=("subject", "nonexistent"))


# -- counts -------------------------------------------------------------------------------------


def test_counts_accumulate_and_read_as_flat_json_metadata() -> None:
    enforcer = mail_enforcer(
        authorized_columns=("subject", "sender"),
        transforms={"sender": "hash"},
        hash_key=KEY,
        scope_member_ids=frozenset({ALICE, BOB}),
        denied_user_ids=frozenset({BOB}),
    )
    batches = [
        mail_batch([message(ALICE), message(BOB)]),
        mail_batch([message(CAROL), message(ALICE)]),
    ]
    written = list(enforcer.stream(batches))
    metadata = enforcer.counts.as_metadata()
    assert metadata == {
        "consent/rows_in": 4,
        "consent/rows_written": 2,
        "consent/rows_foreign_tenant": 0,
        "consent/rows_out_of_scope": 1,
        "consent/rows_deny_listed": 1,
        "consent/unauthorized_columns_dropped": {"body": 4, "toRecipients": 4},
        "consent/values_hashed": {"sender": 2},
    }
    assert sum(batch.num_rows for batch in written) == 2
    assert json.loads(json.dumps(metadata)) == metadata


# -- size ---------------------------------------------------------------------------------------


def test_a_large_batch_is_enforced_vectorized() -> None:
    rows, people, users = 200_000, 1_000, 100
    generator = np.random.default_rng(7)
    addresses = pa.array([f"person{n}@contoso.com" for n in range(people)])
    names = pa.array([f"Person {n}" for n in range(people)])
    user_ids = pa.array([f"00000000-0000-0000-0000-{n:012d}" for n in range(users)])

    def recipients_of(picks: np.ndarray) -> pa.StructArray:
        email = pa.StructArray.from_arrays(
            [pc.take(names, picks), pc.take(addresses, picks)], names=["name", "address"]
        )
        return pa.StructArray.from_arrays([email], names=["emailAddress"])

    sender_picks = generator.integers(0, people, rows)
    to_picks = generator.integers(0, people, 2 * rows)
    puser_picks = generator.integers(0, users, rows)
    to_recipients = pa.ListArray.from_arrays(
        pa.array(np.arange(0, 2 * rows + 1, 2, dtype=np.int32)), recipients_of(to_picks)
    )
    columns = {
        "subject": pa.array(np.char.add("subject ", (np.arange(rows) % 5000).astype(str))),
        "sender": recipients_of(sender_picks),
        "toRecipients": to_recipients,
        "ptenant": pa.array([TENANT] * rows),
        "puser": pc.take(user_ids, puser_picks),
    }
    batch = pa.RecordBatch.from_arrays(list(columns.values()), names=list(columns))
    # Metadata the source would add, all null here.
    for field in MESSAGE.metadata_columns[2:]:
        batch = with_column(batch, field.name, pa.nulls(rows, field.type))

    in_scope_users = frozenset(user_ids.to_pylist()[: users // 2])
    enforcer = mail_enforcer(
        authorized_columns=("subject", "sender", "toRecipients"),
        transforms={"sender": "hash", "toRecipients": "hash"},
        hash_key=KEY,
        scope_member_ids=in_scope_users,
        denied_addresses=frozenset({"PERSON0@contoso.com"}),
    )
    written = enforcer.apply(batch)

    in_scope = puser_picks < users // 2
    involves_person0 = (sender_picks == 0) | (to_picks[0::2] == 0) | (to_picks[1::2] == 0)
    expected_written = int(np.sum(in_scope & ~involves_person0))
    counts = enforcer.counts
    assert (counts.rows_in, counts.rows_out) == (rows, expected_written)
    assert counts.rows_out_of_scope == int(np.sum(~in_scope))
    assert counts.rows_deny_listed == int(np.sum(in_scope & involves_person0))
    assert counts.values_hashed == {
        "sender": expected_written,
        "toRecipients": 2 * expected_written,
    }
    assert written.schema == enforcer.output_schema
    assert array_is_hashed(written.column("sender")) and array_is_hashed(
        written.column("toRecipients")
    )
    person0 = hash_value(KEY, "person0@contoso.com", address=True)
    assert person0 not in set(
        pc.list_flatten(written.column("toRecipients"))
        .field("emailAddress")
        .field("address")
        .to_pylist()
    )


def test_an_authorized_column_arriving_twice_is_an_error() -> None:
    batch = mail_batch([message(ALICE)])
    batch = with_column(batch, "subject", pa.array(["again"]))
    with pytest.raises(ValueError, match="Message_v1.*subject.*twice"):
        mail_enforcer().apply(batch)


def test_deny_list_by_user_id_in_call_records_and_transcripts() -> None:
    """Calls name their people by directory object id: a call with a deny-listed attendee, or a
    transcript where one speaks, is removed though its owner is not deny-listed."""
    calls = get_dataset("TeamsCallRecords_v1")

    columns = ("Id", "Organizer", "Attendees")

    def person(user: str) -> dict:
        return {"user": {"id": user, "displayName": "x", "tenantId": TENANT}}

    def call(*attendees: str) -> dict:
        return {"Id": CAROL, "Organizer": person(ALICE), "Attendees": [person(a) for a in attendees],
                "ptenant": TENANT, "puser": ALICE}

    def written_calls(denied: str, rows: list[dict]) -> tuple[int, int]:
        enforcer = Enforcer(dataset=calls, authorized_columns=columns, denied_user_ids=frozenset({denied}))
        return enforcer.apply(batch_of(calls, rows, columns)).num_rows, enforcer.counts.rows_deny_listed

    assert written_calls(BOB.upper(), [call(CAROL), call(CAROL, BOB)]) == (1, 1)
    # A call record's own Id is not a person's: the same GUID there removes nothing.
    assert written_calls(CAROL, [call(ALICE)]) == (1, 0)

    transcripts = get_dataset("TeamsTranscript_v1")

    def spoken(speaker: str, participants: list[str]) -> dict:
        return {"Events": [{"eventType": "x", "userId": speaker, "callParticipants": participants}],
                "ptenant": TENANT, "puser": ALICE}

    enforcer = Enforcer(dataset=transcripts, authorized_columns=("Events",),
                        denied_user_ids=frozenset({BOB}))
    rows = [spoken(ALICE, []), spoken(BOB, []), spoken(ALICE, [BOB])]
    written = enforcer.apply(batch_of(transcripts, rows, ("Events",)))
    assert written.num_rows == 1 and enforcer.counts.rows_deny_listed == 2
