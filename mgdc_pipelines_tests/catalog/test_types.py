"""The catalog's type notation: Spark-like text parsed into Arrow types."""

import pyarrow as pa
import pytest

from mgdc_pipelines.catalog.types import TIMESTAMP, TypeNotationError, parse_type


@pytest.mark.parametrize(
    ("notation", "expected"),
    [
        ("STRING", pa.string()),
        ("BOOLEAN", pa.bool_()),
        ("INT32", pa.int32()),
        ("INT", pa.int32()),
        ("INT64", pa.int64()),
        ("LONG", pa.int64()),
        ("DOUBLE", pa.float64()),
        ("TIMESTAMP", pa.timestamp("us", tz="UTC")),
        ("DATETIME", pa.timestamp("us", tz="UTC")),
        ("string", pa.string()),  # the docs mix cases
        ("  INT64  ", pa.int64()),
    ],
)
def test_scalars(notation, expected):
    assert parse_type(notation) == expected


def test_timestamps_are_utc_microseconds():
    assert TIMESTAMP == pa.timestamp("us", tz="UTC")


def test_array_of_scalars():
    assert parse_type("ARRAY<STRING>") == pa.list_(pa.string())


def test_nested_struct_keeps_field_names_and_order():
    parsed = parse_type("STRUCT<emailAddress: STRUCT<name: STRING, address: STRING>, size: INT64>")
    assert parsed == pa.struct(
        [
            ("emailAddress", pa.struct([("name", pa.string()), ("address", pa.string())])),
            ("size", pa.int64()),
        ]
    )


def test_array_of_structs_of_arrays():
    parsed = parse_type("ARRAY<STRUCT<disabledPlans:ARRAY<STRING>,skuId:STRING>>")
    assert parsed == pa.list_(
        pa.struct([("disabledPlans", pa.list_(pa.string())), ("skuId", pa.string())])
    )


def test_field_names_keep_their_case():
    assert parse_type("STRUCT<ODataType: STRING, id: STRING>").names == ["ODataType", "id"]


@pytest.mark.parametrize(
    ("notation", "bad_token"),
    [
        ("VARCHAR", "'VARCHAR'"),
        ("ARRAY<FLOAT>", "'FLOAT'"),
        ("STRUCT<name STRING>", "'STRING'"),  # missing colon
        ("ARRAY<STRING", "end of text"),
        ("STRING>", "'>'"),
        ("STRUCT<a: STRING; b: STRING>", "';"),
    ],
)
def test_errors_name_the_bad_token(notation, bad_token):
    with pytest.raises(TypeNotationError) as caught:
        parse_type(notation)
    assert bad_token in str(caught.value)
    assert repr(notation) in str(caught.value)  # and the whole notation, for context


def test_unknown_type_lists_the_allowed_ones():
    with pytest.raises(TypeNotationError, match=r"allowed: .*INT64.*ARRAY<\.\.\.>, STRUCT<\.\.\.>"):
        parse_type("INTEGER")


def test_empty_notation_is_an_error():
    with pytest.raises(TypeNotationError, match="ends too early"):
        parse_type("")


def test_type_notation_error_is_a_value_error():
    assert issubclass(TypeNotationError, ValueError)
