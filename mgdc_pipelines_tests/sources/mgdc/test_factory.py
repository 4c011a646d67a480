"""Factory objects and pipeline runs through the REST API of the emulated factory."""

from __future__ import annotations

import pytest

from mgdc_pipelines.sources.mgdc.arm import ArmError
from mgdc_pipelines.sources.mgdc.factory import FactoryClient
from mgdc_pipelines.sources.mgdc.sync import sync_factory
from mgdc_pipelines_tests.sources.mgdc.factory_clients import arm_client, demo_objects, factory_client, location

PARAMETERS = {"windowStart": "2026-11-17T00:00:00Z", "windowEnd": "2026-11-18T00:00:00Z",
              "outputFolder": "runs/test-factory/BasicDataSet_v0.Message_v1"}


def test_objects_read_back_as_written_with_secrets_masked_and_missing_ones_as_none(factory_emulator):
    client = factory_client(factory_emulator)
    office365 = demo_objects(factory_emulator)[0]
    assert client.get(office365.kind, office365.name) is None
    client.create_or_update(office365.kind, office365.name, office365.payload())
    stored = client.get(office365.kind, office365.name)
    assert stored["name"] == office365.name and stored["properties"] == office365.masked()
    assert [o["name"] for o in client.list("linkedservices")] == [office365.name]
    assert client.list("pipelines") == []


def test_a_missing_factory_is_an_error_not_a_missing_object(factory_emulator):
    client = FactoryClient(arm_client(factory_emulator), location(factory_emulator, factory="no-such-factory"))
    with pytest.raises(ArmError, match="ResourceNotFound"):
        client.get("pipelines", "mgdc_demo_Message_v1")


def test_a_run_starts_ends_and_reports_its_copy_activity(factory_emulator):
    client = factory_client(factory_emulator)
    sync_factory(client, "demo", demo_objects(factory_emulator))
    run_id = client.create_run("mgdc_demo_Message_v1", PARAMETERS)
    record = factory_emulator.wait_for_run(run_id)
    run = client.get_run(run_id)
    assert (run.run_id, run.pipeline_name, run.status, run.terminal) == (
        run_id, "mgdc_demo_Message_v1", "Succeeded", True)
    assert run.parameters["outputFolder"] == PARAMETERS["outputFolder"]
    [activity] = client.activity_runs(run_id, since=run.started_at)
    assert (activity.name, activity.type, activity.status, activity.error) == (
        "Copy Message_v1", "Copy", "Succeeded", None)
    assert activity.rows_copied == activity.rows_read == record.rows > 0


def test_a_cancelled_run_ends_cancelled(factory_emulator):
    client = factory_client(factory_emulator)
    sync_factory(client, "demo", demo_objects(factory_emulator))
    factory_emulator.hold_runs()
    try:
        run_id = client.create_run("mgdc_demo_Message_v1", PARAMETERS)
        client.cancel_run(run_id)
        assert factory_emulator.wait_for_run(run_id).status == "Cancelled"
    finally:
        factory_emulator.release_runs()
    assert client.get_run(run_id).status == "Cancelled"
