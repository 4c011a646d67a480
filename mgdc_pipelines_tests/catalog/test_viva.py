"""Viva Insights query datasets: declared by the spec, then known like any catalog dataset."""

from __future__ import annotations

import pyarrow as pa
import pytest
from pydantic import ValidationError

from mgdc_pipelines.catalog import Category, Mode, ScopeKind, UnknownDatasetError, get_dataset
from mgdc_pipelines.catalog.registry import declare_dataset
from mgdc_pipelines.catalog.viva import VivaQueryError, viva_query_dataset
from mgdc_pipelines.spec.model import DatasetSpec

COLUMNS = {"ObjectId": "STRING", "MetricDate": "TIMESTAMP", "CollaborationHours": "DOUBLE"}


def test_a_spec_declares_a_query_which_every_lookup_then_finds():
    item = DatasetSpec(name="VivaInsightsDataset_Report_v1_SpecDeclared", column_types=COLUMNS)
    found = get_dataset("VivaInsightsDataset_Report_v1_SpecDeclared")
    assert found is item.dataset
    assert found.category is Category.VIVA and found.scope is ScopeKind.NONE
    assert found.mode is Mode.RANGE and found.date_filter_columns == ("MetricDate",)
    assert found.schema == pa.schema(
        [("ObjectId", pa.string()), ("MetricDate", pa.timestamp("us", tz="UTC")),
         ("CollaborationHours", pa.float64()), ("ptenant", pa.string())]
    )


def test_a_query_without_metric_date_is_a_snapshot():
    ds = viva_query_dataset("VivaInsightsDataset_Report_v1_People", {"ObjectId": "STRING"})
    assert ds.mode is Mode.SNAPSHOT and ds.date_filter_columns == ()


def test_an_undeclared_query_says_how_to_declare_it():
    with pytest.raises(UnknownDatasetError, match="column_types"):
        get_dataset("VivaInsightsDataset_Report_v1_NeverDeclared")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": "VivaInsightsDataset_Report_v1_NoSchema"}, "needs `column_types`"),
        ({"name": "Message_v1", "column_types": COLUMNS}, "only for Viva Insights query datasets"),
        ({"name": "VivaInsightsDataset_Report_v1_Bad", "column_types": {"Hours": "FLOAT128"}}, "FLOAT128"),
        ({"name": "VivaInsightsDataset_Report_v1_Bad", "column_types": {"a:b": "STRING"}}, "'a:b' is not allowed"),
        ({"name": "VivaInsightsDataset_Report_v1_Bad", "column_types": {"ptenant": "STRING"}}, "clash with metadata"),
        ({"name": "VivaInsightsDataset_Report_v1_", "column_types": COLUMNS}, "not a Viva Insights query dataset name"),
        ({"name": "VivaInsightsDataset_Report_v1_Empty", "column_types": {}}, "declare the query's columns"),
    ],
)
def test_a_query_declared_wrongly_is_refused_with_what_is_allowed(fields, message):
    with pytest.raises(ValidationError, match=message):
        DatasetSpec(**fields)


def test_two_specs_cannot_give_one_query_two_schemas():
    declare_dataset(viva_query_dataset("VivaInsightsDataset_Report_v1_Shared", COLUMNS))
    declare_dataset(viva_query_dataset("VivaInsightsDataset_Report_v1_Shared", COLUMNS))  # same: fine
    with pytest.raises(ValueError, match="already declared with another schema"):
        declare_dataset(viva_query_dataset("VivaInsightsDataset_Report_v1_Shared", {"ObjectId": "STRING"}))


def test_only_viva_queries_can_be_declared():
    with pytest.raises(ValueError, match="only Viva Insights query datasets"):
        declare_dataset(get_dataset("Message_v1"))
