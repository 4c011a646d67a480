"""Streaming batches, a realistically large tenant, and errors that say what went wrong."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from mgdc_pipelines.catalog import Category, Mode, ScopeKind, dataset
from mgdc_pipelines.sources import Source
from mgdc_pipelines.sources.synthetic import (
    SyntheticSource,
    SyntheticTenant,
    TenantConfig,
    UnsupportedDatasetError,
)
from mgdc_pipelines_tests.sources.synthetic.helpers import extract, group_scope, request


def test_the_source_implements_the_protocol(source):
    assert isinstance(source, Source)


def test_a_large_partition_streams_as_several_bounded_batches(source):
    batches = source.extract(request("Message_v1", batch_rows=250))
    assert isinstance(batches, Iterator)  # lazy: nothing is materialised up front
    sizes = [batch.num_rows for batch in batches]
    assert len(sizes) > 3
    assert all(size == 250 for size in sizes[:-1]) and 0 < sizes[-1] <= 250


def test_an_empty_partition_yields_no_batches(source, tenant):
    before_anyone = tenant.config.tenant_start.replace(year=tenant.config.tenant_start.year - 1)
    assert list(source.extract(request("Message_v1", before_anyone))) == []


def test_a_two_thousand_user_tenant_extracts_a_department_day():
    config = TenantConfig(seed=11, users=2000)
    tenant = SyntheticTenant(config)
    table = extract(
        SyntheticSource(config), request("Message_v1", scope=group_scope(tenant, "legal"))
    )
    legal = {u.id for u in tenant.members_of(tenant.group_by_nickname["legal"].id) if u.is_valid}
    assert table.num_rows > 500
    assert set(table.column("puser").to_pylist()) <= legal


def test_an_unsupported_dataset_names_itself_and_the_supported_ones(source):
    unknown = dataset(
        "BasicDataSet_v0.NotGenerated_v0",
        category=Category.MAIL,
        description="Not generated.",
        scope=ScopeKind.USER,
        mode=Mode.SNAPSHOT,
        columns="id: STRING",
    )
    with pytest.raises(UnsupportedDatasetError) as error:
        source.extract(request(unknown))
    message = str(error.value)
    assert "BasicDataSet_v0.NotGenerated_v0" in message
    assert "Message_v1" in message and "SharePointSites_v1" in message


def test_batch_rows_must_be_positive(source):
    with pytest.raises(ValueError, match="batch_rows must be at least 1"):
        list(source.extract(request("User_v1", batch_rows=0)))
