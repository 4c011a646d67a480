"""End to end with the landing source: MGDC deliveries in a folder → consent-checked partitions.

The deliveries are real JSON-lines files laid out as ADF leaves them (a folder per day, several
part files, a stray bad line), made from the synthetic tenant so the expected rows are known.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import uuid
from pathlib import Path

import dagster as dg
import pyarrow as pa
import pyarrow.dataset as pads
import pytest
from azure.storage.blob import BlobServiceClient

from mgdc_pipelines.defs import build_defs, build_mgdc_assets, resource_keys
from mgdc_pipelines.sinks.base import PartitionRef
from mgdc_pipelines.sinks.formats import format_for
from mgdc_pipelines.sources import ExtractRequest, Scope, TimeWindow
from mgdc_pipelines.sources.synthetic import SyntheticSource, TenantConfig
from mgdc_pipelines.transfer import request_for
from mgdc_pipelines_tests.conftest import scoped_instance

DAY = dt.date(2026, 11, 20)
TENANT = TenantConfig(seed=42, users=40)
SALES_GROUP = "3af3fdfe-f047-5c2e-87b2-226f88aba79e"


def landing_spec(factory, tmp_path: Path, *, max_error_ratio: float = 0.05, scopes=None):
    def use_landing(raw: dict) -> None:
        raw["source"] = {
            "type": "landing",
            "path": str(tmp_path / "landing"),
            "quarantine_dir": str(tmp_path / "quarantine"),
            "max_error_ratio": max_error_ratio,
        }
        raw["scopes"] = scopes or {"all": "all"}

    return factory(use_landing)


def full_request(app, dataset: str, day: dt.date) -> ExtractRequest:
    """Every column of the dataset, as an ADF copy without ``outputColumns`` delivers it."""
    item = app.dataset(dataset)
    ds = item.dataset
    return ExtractRequest(
        ds, ds.column_names, item.date_filter_column or (ds.date_filter_columns or (None,))[0],
        TimeWindow.for_day(day), Scope.everyone(), app.app.tenant_id,
    )


def write_delivery(path: Path, req: ExtractRequest, *, parts: int = 1, extra_lines: str = "") -> None:
    """The synthetic rows of ``req`` as JSON lines over ``parts`` files named ``part-NNNN.json``."""
    table = pa.Table.from_batches(list(SyntheticSource(TENANT).extract(req)), schema=req.output_schema)
    size = -(-table.num_rows // parts)
    path.mkdir(parents=True, exist_ok=True)
    for part in range(parts):
        with open(path / f"part-{part + 1:04d}.json", "wb") as stream:
            writer = format_for("mgdc-jsonl").open(stream, table.schema)
            writer.write(table.slice(part * size, size))
            writer.close()
            if part == parts - 1:
                stream.write(extra_lines.encode())


def deliver_messages(app, tmp_path: Path, extra_lines: str = "") -> None:
    folder = tmp_path / "landing" / "BasicDataSet_v0.Message_v1"
    today = full_request(app, "Message_v1", DAY)
    write_delivery(folder / DAY.isoformat(), today, parts=3, extra_lines=extra_lines)
    next_day = DAY + dt.timedelta(days=1)
    write_delivery(folder / next_day.isoformat(), full_request(app, "Message_v1", next_day))


def materialize(app, dataset: str, partition: str):
    [asset] = [a for a in build_mgdc_assets(app) if a.key.path[-1] == dataset]
    with scoped_instance(app) as instance:
        result = dg.materialize(
            [asset], instance=instance, resources=dict(build_defs(app).resources),
            partition_key=partition, raise_on_error=False,
        )
        checks = {e.asset_check_key.name: e.passed for e in result.get_asset_check_evaluations()}
        failure = next((e for e in result.all_events if e.is_step_failure), None)
        message = failure.step_failure_data.error.to_string() if failure else ""
    return result, checks, message


def written(app, dataset: str, day: dt.date, scope: str | None = "all") -> pa.Table:
    folder = app.sink.resolved_path() / f"BasicDataSet_v0.{dataset}" / f"date={day.isoformat()}"
    return pads.dataset(folder / f"scope={scope}" if scope else folder, format="parquet").to_table()


def expected_rows(app, dataset: str, day: dt.date, scope: str | None = "all") -> pa.Table:
    item = app.dataset(dataset)
    req = request_for(app, item, PartitionRef(item.dataset.name, day, scope))
    return pa.Table.from_batches(list(SyntheticSource(TENANT).extract(req)), schema=req.output_schema)


def assert_same_rows(written_table: pa.Table, expected: pa.Table) -> None:
    assert written_table.num_rows == expected.num_rows > 0
    as_written = expected.replace_schema_metadata(None).cast(written_table.schema)
    assert written_table.select(expected.schema.names).equals(as_written)


def copy_messages_with_one_bad_line(app, tmp_path) -> tuple[dg.ExecuteInProcessResult, dict]:
    """Copy the delivered Message_v1 day: it succeeds with the good rows; the one quarantine record."""
    result, checks, _ = materialize(app, "Message_v1", f"{DAY}|all")

    assert result.success
    assert checks == {"consented_columns": True, "scope_compliance": True, "transforms_applied": True}
    assert_same_rows(written(app, "Message_v1", DAY), expected_rows(app, "Message_v1", DAY))
    [quarantine_file] = (tmp_path / "quarantine" / "BasicDataSet_v0.Message_v1").iterdir()
    [record] = [json.loads(line) for line in quarantine_file.read_text().splitlines()]
    return result, record


def test_a_range_dataset_is_copied_from_its_delivery_and_passes_consent(small_spec_factory, tmp_path):
    app = landing_spec(small_spec_factory, tmp_path)
    deliver_messages(app, tmp_path, extra_lines='{"id": "truncated by a failed upload\n')

    result, record = copy_messages_with_one_bad_line(app, tmp_path)
    assert record["file"].endswith(f"{DAY}/part-0003.json") and record["error"].startswith("not valid JSON")
    # the landing counts reach the partition's metadata
    [event] = [e.materialization for e in result.get_asset_materialization_events()]
    assert event.metadata["landing/quarantined"].value == 1
    assert event.metadata["landing/rows_yielded"].value == event.metadata["dagster/row_count"].value


def test_a_snapshot_and_a_sharepoint_dataset_are_copied(small_spec_factory, tmp_path):
    app = landing_spec(small_spec_factory, tmp_path)
    landing = tmp_path / "landing"
    users = full_request(app, "User_v1", DAY)
    write_delivery(landing / "BasicDataSet_v0.User_v1" / DAY.isoformat(), users, parts=2)
    sites = landing / "sites"
    for day in (DAY - dt.timedelta(days=1), DAY):
        write_delivery(sites / day.isoformat(), full_request(app, "SharePointSites_v1", day))
    single_file = b"".join(path.read_bytes() for path in sorted(sites.rglob("*.json")))
    (landing / "BasicDataSet_v0.SharePointSites_v1.json").write_bytes(b"\xef\xbb\xbf" + single_file)

    users, user_checks, _ = materialize(app, "User_v1", f"{DAY}|all")
    sites_result, site_checks, _ = materialize(app, "SharePointSites_v1", DAY.isoformat())

    assert users.success and all(user_checks.values())
    assert_same_rows(written(app, "User_v1", DAY), expected_rows(app, "User_v1", DAY))
    assert sites_result.success and all(site_checks.values())
    expected_sites = expected_rows(app, "SharePointSites_v1", DAY, scope=None)
    assert_same_rows(written(app, "SharePointSites_v1", DAY, scope=None), expected_sites)


def test_too_many_bad_lines_fail_the_partition_and_nothing_is_written(small_spec_factory, tmp_path):
    app = landing_spec(small_spec_factory, tmp_path, max_error_ratio=0)
    deliver_messages(app, tmp_path, extra_lines="not json\n")

    result, _, message = materialize(app, "Message_v1", f"{DAY}|all")

    assert not result.success
    assert "LandingQualityError: BasicDataSet_v0.Message_v1 partition 2026-11-20|all: 1 of " in message
    assert str(tmp_path / "quarantine" / "BasicDataSet_v0.Message_v1") in message
    assert not (app.sink.resolved_path() / "BasicDataSet_v0.Message_v1").exists()


def test_a_missing_delivery_fails_naming_where_it_looked(small_spec_factory, tmp_path):
    app = landing_spec(small_spec_factory, tmp_path)
    (tmp_path / "landing").mkdir()

    result, _, message = materialize(app, "User_v1", f"{DAY}|all")

    assert not result.success
    assert f"no delivery of BasicDataSet_v0.User_v1 under {tmp_path / 'landing'}" in message


def test_a_group_scope_needs_a_directory_the_landing_source_does_not_have(small_spec_factory, tmp_path):
    app = landing_spec(small_spec_factory, tmp_path, scopes={"all": "all", "sales": [SALES_GROUP]})
    deliver_messages(app, tmp_path)

    result, _, message = materialize(app, "Message_v1", f"{DAY}|sales")

    assert not result.success
    assert "needs the source's directory" in message


def test_a_delivery_in_an_azure_container_is_copied_like_a_folder(small_spec_factory, tmp_path, azurite, monkeypatch):
    monkeypatch.setenv("MGDC_TEST_LANDING_KEY", azurite.key)
    container = f"landing{uuid.uuid4().hex[:16]}"
    service = BlobServiceClient.from_connection_string(azurite.connection_string)
    service.create_container(container)

    def use_azure(raw: dict) -> None:
        raw["source"] = {
            "type": "landing",
            "azure": {
                "account_url": azurite.account_url, "container": container, "prefix": "adf",
                "credential": {"type": "key", "key_env": "MGDC_TEST_LANDING_KEY"},
            },
            "quarantine_dir": str(tmp_path / "quarantine"),
            "max_error_ratio": 0.05,
        }
        raw["scopes"] = {"all": "all"}

    app = small_spec_factory(use_azure)
    deliver_messages(app, tmp_path, extra_lines='{"id": "truncated by a failed upload\n')
    for path in sorted((tmp_path / "landing").rglob("*.json")):
        name = f"adf/{path.relative_to(tmp_path / 'landing').as_posix()}"
        service.get_blob_client(container, name).upload_blob(path.read_bytes())
    resource = build_defs(app).resources[resource_keys(app).source]
    assert azurite.key not in repr(resource)

    _, record = copy_messages_with_one_bad_line(app, tmp_path)
    assert record["file"] == f"{container}/adf/BasicDataSet_v0.Message_v1/{DAY}/part-0003.json"
    assert record["line"] > 1 and record["error"].startswith("not valid JSON")


def test_keys_the_catalog_does_not_know_are_the_first_thing_the_user_sees(small_spec_factory, tmp_path):
    """A delivery with a key MGDC added after the catalog was written: the copy succeeds without
    it, and the run says so first: a warning in the log, the first entry of the metadata."""
    app = landing_spec(small_spec_factory, tmp_path)
    deliver_messages(app, tmp_path)
    part = tmp_path / "landing" / "BasicDataSet_v0.Message_v1" / DAY.isoformat() / "part-0001.json"
    lines = part.read_text().splitlines()
    lines[0] = lines[0][:-1] + ', "mentionsPreview": {"isMentioned": true}}'
    part.write_text("\n".join(lines) + "\n")

    [asset] = [a for a in build_mgdc_assets(app) if a.key.path[-1] == "Message_v1"]
    with scoped_instance(app) as instance:
        result = dg.materialize([asset], instance=instance, resources=dict(build_defs(app).resources),
                                partition_key=f"{DAY}|all")
        warnings = [entry.user_message for entry in instance.all_logs(result.run_id)
                    if entry.level == logging.WARNING]

    [event] = [e.materialization for e in result.get_asset_materialization_events()]
    first_key, first_value = next(iter(event.metadata.items()))
    assert (first_key, first_value.value) == ("landing/unknown_keys", {"mentionsPreview": 1})
    assert any("keys the catalog's schema does not: mentionsPreview (1 rows)" in w for w in warnings)
    assert "mentionsPreview" not in written(app, "Message_v1", DAY).schema.names
