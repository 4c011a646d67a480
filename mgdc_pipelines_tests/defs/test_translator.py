"""Spec → AssetSpec: keys, groups, partitions, metadata, and a translator users can subclass."""

from __future__ import annotations

import dagster as dg

from mgdc_pipelines.defs import MgdcTranslator, MgdcTranslatorData, build_defs, build_mgdc_assets
from mgdc_pipelines.spec import DEMO_SPEC_PATH, load_spec

DEMO = load_spec(DEMO_SPEC_PATH)


def spec_for(name: str, app=DEMO, translator: MgdcTranslator | None = None) -> dg.AssetSpec:
    return (translator or MgdcTranslator()).get_asset_spec(MgdcTranslatorData(app=app, item=app.dataset(name)))


def test_one_asset_per_declared_dataset_keyed_by_short_name():
    keys = {asset.key for asset in build_mgdc_assets(DEMO)}
    assert keys == {dg.AssetKey(["mgdc", item.dataset.short_name]) for item in DEMO.datasets}


def test_scoped_datasets_are_partitioned_by_date_and_scope():
    partitions = spec_for("Message_v1").partitions_def
    assert isinstance(partitions, dg.MultiPartitionsDefinition)
    assert [d.name for d in partitions.partitions_defs] == ["date", "scope"]
    scope_dimension = partitions.get_partitions_def_for_dimension("scope")
    # Dynamic: the instance holds the authorized scope aliases (see defs/scopes.py).
    assert isinstance(scope_dimension, dg.DynamicPartitionsDefinition)
    assert scope_dimension.name == "demo_scopes"
    date_dimension = partitions.get_partitions_def_for_dimension("date")
    assert date_dimension.get_first_partition_key() == "2026-01-01"


def test_sharepoint_datasets_are_partitioned_by_date_only():
    partitions = spec_for("SharePointSites_v1").partitions_def
    assert isinstance(partitions, dg.DailyPartitionsDefinition)
    assert partitions.timezone == "UTC"


def test_spec_carries_group_kinds_tags_owner_description_and_column_schema():
    spec = spec_for("Message_v1")
    assert spec.group_name == "demo"
    assert spec.kinds == {"mgdc", "parquet"}
    assert spec.tags["mgdc/category"] == "mail" and spec.tags["mgdc/scope_kind"] == "user"
    assert spec.owners == ["data-platform@contoso.example.com"]
    assert "BasicDataSet_v0.Message_v1" in spec.description
    assert "receivedDateTime" in spec.description
    columns = [c.name for c in spec.metadata["dagster/column_schema"].columns]
    declared = DEMO.dataset("Message_v1").selected_columns
    assert columns[: len(declared)] == list(declared)
    assert columns[len(declared):] == ["ptenant", "puser", "pAdditionalInfo", "datarow", "userrow", "pagerow", "rowinformation"]
    assert spec.metadata["dagster/table_name"] == "BasicDataSet_v0.Message_v1"
    described = {c.name: c.description for c in spec.metadata["dagster/column_schema"].columns}
    assert described["subject"] == "The subject of the message."
    assert described["ptenant"].startswith("Metadata: the Entra ID tenant id")


def test_code_version_changes_when_the_columns_change_and_only_then(small_spec_factory):
    base = small_spec_factory()
    same = small_spec_factory()
    fewer = small_spec_factory(lambda raw: raw["datasets"][0].update(columns=["id", "subject"]))
    assert spec_for("Message_v1", base).code_version == spec_for("Message_v1", same).code_version
    assert spec_for("Message_v1", base).code_version != spec_for("Message_v1", fewer).code_version


def test_a_subclassed_translator_changes_keys_and_groups():
    class MyTranslator(MgdcTranslator):
        def get_asset_spec(self, data):
            spec = super().get_asset_spec(data)
            return spec.replace_attributes(
                key=spec.key.with_prefix("bronze"), group_name=f"{data.dataset.category.value}_raw"
            )

    defs = build_defs(DEMO, translator=MyTranslator())
    message = defs.resolve_assets_def(["bronze", "mgdc", "Message_v1"])
    assert message.specs_by_key[dg.AssetKey(["bronze", "mgdc", "Message_v1"])].group_name == "mail_raw"


def test_key_prefix_and_group_come_from_the_spec(small_spec_factory):
    app = small_spec_factory(lambda raw: raw["dagster"].update(key_prefix=["m365", "raw"], group_name="bronze"))
    spec = spec_for("User_v1", app)
    assert spec.key == dg.AssetKey(["m365", "raw", "User_v1"])
    assert spec.group_name == "bronze"


def test_definitions_are_loadable_with_two_copy_jobs():
    defs = build_defs(DEMO)
    dg.Definitions.validate_loadable(defs)
    scoped = defs.resolve_job_def("demo_copy")
    sharepoint = defs.resolve_job_def("demo_sharepoint_copy")
    assert isinstance(scoped.partitions_def, dg.MultiPartitionsDefinition)
    assert isinstance(sharepoint.partitions_def, dg.DailyPartitionsDefinition)
    assert len(scoped.asset_layer.executable_asset_keys) == 12
    assert len(sharepoint.asset_layer.executable_asset_keys) == 2


def test_backfill_policy_bounds_partitions_per_run(small_spec_factory):
    app = small_spec_factory(lambda raw: raw["dagster"].update(max_partitions_per_run=5))
    [asset] = [a for a in build_mgdc_assets(app) if a.key.path[-1] == "User_v1"]
    assert asset.backfill_policy == dg.BackfillPolicy.multi_run(5)
