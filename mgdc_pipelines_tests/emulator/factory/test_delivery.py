"""A succeeding run delivers the synthetic tenant's rows as MGDC JSON lines to the staging container."""

from __future__ import annotations

from mgdc_pipelines.catalog import get_dataset
from mgdc_pipelines.sources.synthetic import SyntheticTenant
from mgdc_pipelines_tests.emulator.factory.arm import (
    ArmClient,
    create_mgdc_objects,
    delivered_rows,
    unique_container,
)
from mgdc_pipelines_tests.factory_emulator import FACTORY_TENANT

WINDOW = {"windowStart": "2026-03-09T00:00:00Z", "windowEnd": "2026-03-11T00:00:00Z"}


def test_a_run_delivers_the_requested_columns_of_the_scope_in_several_files(factory_emulator):
    arm, container = ArmClient(factory_emulator), unique_container()
    pipeline = create_mgdc_objects(arm, container, "Message_v1", ["id", "subject", "sender"], "receivedDateTime")
    sales = SyntheticTenant(FACTORY_TENANT).group_by_nickname["sales"]
    folder = "mgdc/run-1/BasicDataSet_v0.Message_v1"

    run_id = arm.create_run(pipeline, {**WINDOW, "allowedGroups": [sales.id], "outputFolder": folder})
    run = arm.poll(run_id)

    assert run["status"] == "Succeeded", run
    files = delivered_rows(factory_emulator, container, folder)
    assert sorted(files) == [f"{folder}/part-{index:05d}.json" for index in range(3)]
    rows = [row for lines in files.values() for row in lines]
    assert rows and all(len(lines) > 0 for lines in files.values())
    expected_keys = {"id", "subject", "sender", *get_dataset("Message_v1").metadata_column_names}
    assert {key for row in rows for key in row} == expected_keys
    members = factory_emulator.source.member_ids([sales.id])
    assert {row["puser"] for row in rows} <= members
    [activity] = arm.activities(run_id)
    assert activity["status"] == "Succeeded"
    assert activity["output"]["rowsRead"] == activity["output"]["rowsCopied"] == len(rows)
    assert activity["output"]["filesWritten"] == 3
    [record] = factory_emulator.runs()
    assert (record.run_id, record.rows, record.folder) == (run_id, len(rows), f"{container}/{folder}")
