"""An empty first partition (the delivery holds no rows) commits, passes consent and says so,
in both output formats, on the local sink and on Azurite, and a downstream asset loads it
through ``MgdcIOManager`` as zero rows with the written schema."""

from __future__ import annotations

import datetime as dt
import uuid

import dagster as dg
import pyarrow as pa
import pytest

from mgdc_pipelines.defs import build_defs, build_mgdc_assets
from mgdc_pipelines.sinks.azure import AzureBlobSink, BlobCredential
from mgdc_pipelines.sinks.base import PartitionRef, Sink
from mgdc_pipelines.sinks.local import LocalSink
from mgdc_pipelines_tests.conftest import scoped_instance
from mgdc_pipelines_tests.defs.test_assets_landing import landing_spec

DAY = dt.date(2026, 11, 20)
KEY_ENV = "MGDC_TEST_EMPTY_SINK_KEY"


def sink_and_reader(kind: str, fmt: str, request, tmp_path, monkeypatch) -> tuple[dict, Sink]:
    """The spec's ``sink:`` block, and the same sink as a reader opens it."""
    if kind == "local":
        path = tmp_path / "data"
        return {"type": "local", "path": str(path), "format": fmt}, LocalSink(path, format=fmt)
    azurite = request.getfixturevalue("azurite")
    monkeypatch.setenv(KEY_ENV, azurite.key)
    container = f"e{uuid.uuid4().hex[:16]}"
    block = {
        "type": "azure", "account_url": azurite.account_url, "container": container,
        "format": fmt, "credential": {"type": "key", "key_env": KEY_ENV},
    }
    credential = BlobCredential("key", azurite.key)
    return block, AzureBlobSink(azurite.account_url, container, format=fmt, credential=credential)


@pytest.mark.parametrize("kind", ["local", "azure"])
@pytest.mark.parametrize("fmt", ["mgdc-jsonl", "parquet"])
def test_an_empty_delivery_commits_an_empty_partition_that_passes_consent(
    small_spec_factory, tmp_path, monkeypatch, request, kind, fmt
):
    sink, reader = sink_and_reader(kind, fmt, request, tmp_path, monkeypatch)
    app = landing_spec(
        lambda use_landing: small_spec_factory(lambda raw: (use_landing(raw), raw.update(sink=sink))),
        tmp_path,
    )
    delivery = tmp_path / "landing" / "BasicDataSet_v0.User_v1" / DAY.isoformat()
    delivery.mkdir(parents=True)
    (delivery / "part-0001.json").write_bytes(b"")

    loaded: list[pa.Table] = []
    [users] = [a for a in build_mgdc_assets(app) if a.key.path[-1] == "User_v1"]

    @dg.asset(
        partitions_def=users.partitions_def, backfill_policy=users.backfill_policy,
        ins={"users": dg.AssetIn(users.key)},
    )
    def user_count(users: pa.Table) -> dg.MaterializeResult:
        loaded.append(users)
        return dg.MaterializeResult(metadata={"users": users.num_rows})

    with scoped_instance(app) as instance:  # the copy, then the downstream read, in one run
        result = dg.materialize(
            [users, user_count], instance=instance, resources=dict(build_defs(app).resources),
            partition_key=f"{DAY}|all",
        )

    checks = {e.asset_check_key.name: e.passed for e in result.get_asset_check_evaluations()}
    assert checks == {"consented_columns": True, "scope_compliance": True, "transforms_applied": True}
    [event] = [e for e in result.get_asset_materialization_events() if e.asset_key == users.key]
    metadata = event.materialization.metadata
    assert metadata["dagster/row_count"].value == 0 and metadata["mgdc/empty_partition"].value is True
    partition = PartitionRef("BasicDataSet_v0.User_v1", DAY, "all")
    assert reader.committed_rows(partition) == 0
    item = app.dataset("User_v1")
    schema = item.dataset.output_schema(item.selected_columns)
    assert reader.open_dataset([partition], schema).to_table().num_rows == 0
    [table] = loaded
    assert table.num_rows == 0 and table.schema.names == [*schema.names, "date", "scope"]
    assert pa.schema(list(table.schema)[: len(schema)]).equals(schema, check_metadata=False)
