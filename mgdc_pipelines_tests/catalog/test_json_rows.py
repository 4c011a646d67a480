"""MGDC JSON rows to Arrow: timestamps, nesting, nulls, aliases, unknown keys and bad values."""

from collections import Counter
from datetime import datetime, timedelta, timezone

import pyarrow as pa
import pytest

from mgdc_pipelines.catalog import (
    Category,
    ConversionResult,
    Mode,
    RowConversionError,
    ScopeKind,
    dataset,
    get_dataset,
    rows_to_batch,
)

UTC = timezone.utc

# A small dataset with every kind of value the converter must handle, timestamps at each depth.
EXAMPLE = dataset(
    "BasicDataSet_v0.Example_v0",
    category=Category.MAIL,
    description="A dataset for converter tests.",
    scope=ScopeKind.USER,
    mode=Mode.RANGE,
    date_filter_columns=("sentDateTime",),
    columns="""
        id: STRING
        sentDateTime: TIMESTAMP
        size: INT64
        count: INT32
        score: DOUBLE
        isRead: BOOLEAN
        tags: ARRAY<STRING>
        sender: STRUCT<emailAddress: STRUCT<name: STRING, address: STRING>>
        attachments: ARRAY<STRUCT<name: STRING, lastModified: TIMESTAMP, size: INT64>>
        flag: STRUCT<flagStatus: STRING, due: STRUCT<at: TIMESTAMP, timeZone: STRING>>
    """,
    aliases={"user": "puser"},
)


def convert(rows, **options) -> ConversionResult:
    return rows_to_batch(EXAMPLE, rows, **options)


def only_row(rows, **options) -> dict:
    (row,) = convert(rows, **options).batch.to_pylist()
    return row


def error_of(rows, **options) -> str:
    with pytest.raises(RowConversionError) as caught:
        convert(rows, **options)
    return str(caught.value)


# --- timestamps -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "instant"),
    [
        ("2021-02-03T00:37:45Z", datetime(2021, 2, 3, 0, 37, 45, tzinfo=UTC)),
        ("2022-05-01T04:01:55.000Z", datetime(2022, 5, 1, 4, 1, 55, tzinfo=UTC)),
        ("2021-02-03T00:37:45.123456Z", datetime(2021, 2, 3, 0, 37, 45, 123456, tzinfo=UTC)),
        ("2021-02-03T02:37:45+02:00", datetime(2021, 2, 3, 0, 37, 45, tzinfo=UTC)),
        ("0001-01-01T00:00:00Z", datetime(1, 1, 1, tzinfo=UTC)),  # MGDC's "no date"
    ],
)
def test_iso_timestamps_become_utc_instants(text, instant):
    assert only_row([{"sentDateTime": text}])["sentDateTime"] == instant


def test_timestamp_columns_have_the_catalog_type():
    batch = convert([{"sentDateTime": "2021-02-03T00:37:45Z"}]).batch
    assert batch.schema.field("sentDateTime").type == pa.timestamp("us", tz="UTC")


def test_timestamps_inside_structs_and_lists_are_parsed():
    row = only_row(
        [
            {
                "attachments": [{"name": "a.png", "lastModified": "2012-02-08T00:55:53Z"}],
                "flag": {"flagStatus": "flagged", "due": {"at": "2021-02-04T10:00:00-01:00"}},
            }
        ]
    )
    assert row["attachments"][0]["lastModified"] == datetime(2012, 2, 8, 0, 55, 53, tzinfo=UTC)
    assert row["flag"]["due"]["at"] == datetime(2021, 2, 4, 11, 0, tzinfo=UTC)


def test_null_structs_around_timestamps_stay_null():
    # Arrow fills the children of a null struct with "", which must not reach the timestamp cast.
    rows = [
        {"flag": None, "attachments": [None, {"name": "x"}]},
        {"flag": {"flagStatus": "notFlagged", "due": None}},
        {"flag": {"due": {"at": "2021-02-04T10:00:00Z"}}},
    ]
    flags = [row["flag"] for row in convert(rows).batch.to_pylist()]
    assert flags[0] is None
    assert flags[1] == {"flagStatus": "notFlagged", "due": None}
    assert flags[2]["due"]["at"] == datetime(2021, 2, 4, 10, tzinfo=UTC)


# --- nesting and nulls ------------------------------------------------------------------------


def test_nested_structs_and_lists_round_trip():
    sender = {"emailAddress": {"name": "Ann", "address": "ann@contoso.com"}}
    row = only_row([{"id": "m1", "tags": ["a", "b"], "sender": sender, "size": 7, "score": 0.5}])
    assert row["sender"] == sender
    assert row["tags"] == ["a", "b"]
    assert (row["size"], row["score"]) == (7, 0.5)


def test_missing_keys_are_null():
    row = only_row([{"id": "m1"}])
    assert row["id"] == "m1"
    assert all(row[name] is None for name in EXAMPLE.schema.names if name != "id")


def test_missing_struct_fields_are_null():
    row = only_row([{"sender": {"emailAddress": {"name": "Ann"}}, "flag": {}}])
    assert row["sender"] == {"emailAddress": {"name": "Ann", "address": None}}
    assert row["flag"] == {"flagStatus": None, "due": None}


def test_empty_lists_stay_empty():
    assert only_row([{"tags": [], "attachments": []}])["tags"] == []


def test_no_rows_gives_an_empty_batch_of_the_schema():
    batch = convert([]).batch
    assert batch.num_rows == 0
    assert batch.schema == EXAMPLE.schema


def test_rows_may_be_any_iterable():
    assert convert(iter([{"id": "a"}, {"id": "b"}])).batch.column("id").to_pylist() == ["a", "b"]


def test_metadata_columns_are_converted():
    row = only_row(
        [
            {
                "ptenant": "t",
                "puser": "u",
                "datarow": 3,
                "rowinformation": {"errorInformation": None, "userReturnedNoData": False},
            }
        ]
    )
    assert (row["ptenant"], row["puser"], row["datarow"]) == ("t", "u", 3)
    assert row["rowinformation"]["userReturnedNoData"] is False


# --- column selection -------------------------------------------------------------------------


def test_selection_gives_the_output_schema_of_those_columns():
    batch = convert([{"id": "m1", "size": 3}], columns=["size", "id"]).batch
    assert batch.schema == EXAMPLE.output_schema(["id", "size"])
    assert batch.schema.names[:2] == ["id", "size"]  # catalog order, whatever order was asked


def test_keys_of_unselected_columns_are_dropped_without_complaint():
    result = convert([{"id": "m1", "tags": ["x"], "sender": {"bogus": 1}}], columns=["id"])
    assert result.batch.column("id").to_pylist() == ["m1"]
    assert "tags" not in result.batch.schema.names
    assert result.unknown_keys == Counter()


def test_selecting_an_unknown_column_is_an_error():
    with pytest.raises(KeyError, match="nope"):
        convert([{}], columns=["id", "nope"])


# --- aliases ----------------------------------------------------------------------------------


def test_alias_keys_fill_their_column():
    assert only_row([{"user": "u1"}])["puser"] == "u1"


def test_group_members_puser_is_read_as_pobjectid():
    group_members = get_dataset("GroupMembers_v0")
    rows = [{"id": "m", "puser": "group-1", "ptenant": "t"}]
    (row,) = rows_to_batch(group_members, rows).batch.to_pylist()
    assert row["pObjectId"] == "group-1"
    assert "puser" not in row


def test_alias_and_column_together_are_ambiguous():
    message = error_of([{"user": "u1", "puser": "u2"}])
    assert "row 0" in message and "'user'" in message and "'puser'" in message


# --- unknown keys -----------------------------------------------------------------------------


def test_unknown_top_level_key_is_an_error_naming_dataset_row_key_and_allowed_keys():
    message = error_of([{"id": "ok"}, {"id": "m1", "sendr": {}}])
    assert "BasicDataSet_v0.Example_v0" in message
    assert "row 1" in message
    assert "'sendr' (did you mean 'sender'?)" in message
    assert "Allowed keys: id, sentDateTime, size" in message
    assert "unknown='ignore'" in message


def test_every_unknown_key_of_the_row_is_listed():
    message = error_of([{"Id": "m1", "zzz": 1}])
    assert "'Id' (did you mean 'id'?)" in message
    assert "'zzz'" in message


def test_unknown_nested_key_is_an_error_naming_its_path_and_the_struct_fields():
    rows = [{"sender": {"emailAddress": {"name": "Ann", "adress": "a@b.c"}}}]
    message = error_of(rows)
    assert "row 0, in 'sender.emailAddress'" in message
    assert "'adress' (did you mean 'address'?)" in message
    assert "Allowed keys: name, address." in message


def test_unknown_key_inside_a_list_item_names_the_item():
    message = error_of([{"attachments": [{"name": "a"}, {"name": "b", "contentBytes": "AA=="}]}])
    assert "in 'attachments[1]'" in message
    assert "'contentBytes'" in message


def test_ignore_drops_and_counts_unknown_keys():
    rows = [
        {"id": "m1", "extra": 1, "attachments": [{"name": "a", "odata": 1}, {"odata": 2}]},
        {"id": "m2", "extra": 2, "sender": {"emailAddress": {"type": "x"}}},
    ]
    result = convert(rows, unknown="ignore")
    assert result.batch.column("id").to_pylist() == ["m1", "m2"]
    assert result.unknown_keys == Counter(
        {"extra": 2, "attachments[].odata": 1, "sender.emailAddress.type": 1}
    )


def test_unknown_must_be_error_or_ignore():
    with pytest.raises(ValueError, match="unknown"):
        convert([], unknown="drop")


def test_a_row_that_is_not_an_object_is_an_error():
    message = error_of([{"id": "m1"}, ["m2"]])
    assert "row 1 is a list, not a JSON object" in message


# --- values that do not fit -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("row", "column", "expected", "arrived"),
    [
        ({"size": "abc"}, "size", "int64", "a JSON string of 3 characters"),
        ({"size": 1.5}, "size", "int64", "a JSON number (not a whole number)"),  # Arrow: 1
        ({"size": True}, "size", "int64", "a JSON boolean"),
        ({"count": 2**40}, "count", "int32", "a JSON number (outside the int32 range)"),
        ({"size": 2**70}, "size", "int64", "a JSON number (outside the int64 range)"),
        ({"score": True}, "score", "double", "a JSON boolean"),  # Arrow would make it 1.0
        ({"id": 5}, "id", "string", "a JSON number"),
        ({"isRead": "yes"}, "isRead", "boolean", "a JSON string of 3 characters"),
        ({"tags": "abc"}, "tags", "array", "a JSON string of 3 characters"),  # Arrow: a, b, c
        ({"sender": "Ann"}, "sender", "struct", "a JSON string of 3 characters"),
        ({"sender": {"emailAddress": {"address": {"x": "a@b.c"}}}}, "sender.emailAddress.address",
         "string", "a JSON object"),
        ({"sentDateTime": "abc"}, "sentDateTime", "timestamp", "a JSON string of 3 characters (not ISO"),
        ({"sentDateTime": "2021-02-03T00:37:45"}, "sentDateTime", "timestamp", "of 19 characters (not ISO"),
        ({"attachments": [{"size": 1}, {"size": "big"}]}, "attachments[1].size", "int64", "a JSON string"),
        ({"flag": {"due": {"at": "soon"}}}, "flag.due.at", "timestamp", "a JSON string of 4 characters"),
        ({"datarow": "3"}, "datarow", "int64", "a JSON string of 1 character"),
    ],
)
def test_bad_values_are_errors_naming_row_column_type_and_kind_never_the_value(row, column, expected, arrived):
    with pytest.raises(RowConversionError) as caught:
        convert([{"id": "fine"}, row])
    message = str(caught.value)
    assert message.startswith(f"BasicDataSet_v0.Example_v0: row 1, column '{column}': expected {expected}, got ")
    assert arrived in message
    assert (caught.value.column, caught.value.expected) == (column, expected)
    for value in _leaves(row):  # e.g. 'abc', 1.5, True, 1099511627776 (one-character values would be noise)
        assert len(str(value)) < 3 or str(value) not in message.split("got ")[1]
    assert caught.value.__cause__ is None  # Arrow's own error quotes the value: not chained


def _leaves(value):
    if isinstance(value, dict):
        return [leaf for item in value.values() for leaf in _leaves(item)]
    if isinstance(value, list):
        return [leaf for item in value for leaf in _leaves(item)]
    return [value]


def test_errors_carry_the_row_index():
    with pytest.raises(RowConversionError) as caught:
        convert([{"id": "a"}, {"id": "b"}, {"size": "abc"}])
    assert caught.value.row == 2


def test_a_whole_mail_body_in_the_wrong_place_is_told_by_its_length_only():
    body = "<html>felix.baker@contoso.example " + "x" * 10_000 + "</html>"
    message = error_of([{"size": body}])
    assert "felix" not in message and "html" not in message
    assert f"got a JSON string of {len(body)} characters" in message


def test_keys_that_are_not_property_names_are_never_shown():
    address = "felix.baker@contoso.example"
    message = error_of([{"id": "m1", address: 1, "sender": {"emailAddress": {address: "x"}}}])
    assert address not in message
    assert "<a key of 27 characters, not a property name>" in message
    counted = convert([{address: 1, "tags@odata.type": "x"}], unknown="ignore").unknown_keys
    assert counted == Counter({"<not a property name>": 1, "tags@odata.type": 1})


def test_integral_floats_are_accepted_for_integers():
    assert only_row([{"size": 3.0}])["size"] == 3


def test_integers_are_accepted_for_doubles():
    assert only_row([{"score": 2}])["score"] == 2.0


def test_dotnet_seven_digit_fractions_keep_their_microseconds():
    """SharePoint deliveries write .NET's 100-ns ticks (seven digits), which Arrow's microsecond
    timestamps cannot hold: the tick is dropped (as Spark does), the row is kept."""
    batch = convert([{"sentDateTime": "2019-02-28T21:36:26.9577227Z"}]).batch
    assert batch.column("sentDateTime")[0].as_py().isoformat() == "2019-02-28T21:36:26.957722+00:00"


def test_an_object_in_a_json_column_is_kept_as_its_json_text():
    """PlannerTasks_v0 documents `assignments` as a string; deliveries hold an object there. The
    catalog declares it JSON; any other string column still refuses an object (see above)."""
    from mgdc_pipelines.catalog import get_dataset

    planner = get_dataset("PlannerTasks_v0")
    row = {"title": "Plan Q3", "assignments": {"u1": {"orderHint": "8585P!", "assignedDateTime": "2023-04-27T19:27:36Z"}}}
    batch = rows_to_batch(planner, [row], ["title", "assignments"]).batch
    assert batch.column("assignments").to_pylist() == [
        '{"u1":{"orderHint":"8585P!","assignedDateTime":"2023-04-27T19:27:36Z"}}'
    ]
