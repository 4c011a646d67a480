"""MGDC's rules fail the run with a UserError message that tells the user what to do."""

from __future__ import annotations

import pytest

from mgdc_pipelines.emulator import DEMO_CLIENT_ID
from mgdc_pipelines.sources.synthetic import SyntheticTenant
from mgdc_pipelines_tests.emulator.factory.arm import (
    ArmClient,
    create_mgdc_objects,
    delivered_rows,
    unique_container,
)
from mgdc_pipelines_tests.factory_emulator import FACTORY_TENANT

WINDOW = {"windowStart": "2026-03-09T00:00:00Z", "windowEnd": "2026-03-10T00:00:00Z",
          "outputFolder": "mgdc/run-1/BasicDataSet_v0.Message_v1"}
OTHER_APP = "0f0f0f0f-0000-4000-8000-000000000001"


def failed_run(emulator, columns=("id", "subject"), parameters=None, **objects) -> tuple[dict, dict, str]:
    """Run Message_v1; the run and its Copy activity once it ended, and the staging container."""
    arm, container = ArmClient(emulator), unique_container()
    pipeline = create_mgdc_objects(arm, container, "Message_v1", columns, "receivedDateTime", **objects)
    run_id = arm.create_run(pipeline, {**WINDOW, **(parameters or {})})
    run = arm.poll(run_id)
    [activity] = arm.activities(run_id)
    return run, activity, container


def assert_failed(emulator, run: dict, activity: dict, container: str, code: str, *phrases: str) -> None:
    assert run["status"] == "Failed", run
    assert activity["status"] == "Failed"
    assert activity["error"]["errorCode"] == code and code.startswith("UserError")
    assert activity["error"]["failureType"] == "UserError"
    assert code in run["message"]
    for phrase in phrases:
        assert phrase in activity["error"]["message"] and phrase in run["message"]
    assert delivered_rows(emulator, container, WINDOW["outputFolder"]) == {}


def test_a_pending_approval_fails_the_run(factory_emulator):
    factory_emulator.set_pending(DEMO_CLIENT_ID)
    run, activity, container = failed_run(factory_emulator)
    assert_failed(factory_emulator, run, activity, container, "UserErrorOffice365ConsentPending",
                  DEMO_CLIENT_ID, "consent not approved", "Microsoft 365 admin center")


def test_a_denied_approval_fails_the_run(factory_emulator):
    factory_emulator.deny(DEMO_CLIENT_ID)
    run, activity, container = failed_run(factory_emulator)
    assert_failed(factory_emulator, run, activity, container, "UserErrorOffice365ConsentDenied",
                  "consent not approved", "Microsoft 365 admin center")


def test_an_unregistered_app_fails_the_run(factory_emulator):
    run, activity, container = failed_run(factory_emulator, client_id=OTHER_APP)
    assert_failed(factory_emulator, run, activity, container, "UserErrorOffice365AppNotRegistered", OTHER_APP)


@pytest.mark.parametrize("factory_emulator", [{"User_v1": "all"}], indirect=True)
def test_a_dataset_outside_the_approval_fails_the_run(factory_emulator):
    run, activity, container = failed_run(factory_emulator)
    assert_failed(factory_emulator, run, activity, container, "UserErrorOffice365DatasetNotApproved",
                  "BasicDataSet_v0.Message_v1")


@pytest.mark.parametrize("factory_emulator", [{"Message_v1": ("id", "subject")}], indirect=True)
def test_columns_beyond_the_approved_ones_fail_the_run_naming_them(factory_emulator):
    run, activity, container = failed_run(factory_emulator, columns=("id", "subject", "bodyPreview", "sender"))
    assert_failed(factory_emulator, run, activity, container, "UserErrorOffice365ColumnsNotApproved",
                  "bodyPreview, sender")
    assert "subject" not in activity["error"]["message"].split("are not approved")[0]


def test_more_than_ten_allowed_groups_fail_the_run(factory_emulator):
    groups = [group.id for group in SyntheticTenant(FACTORY_TENANT).groups][:11]
    assert len(groups) == 11
    run, activity, container = failed_run(factory_emulator, parameters={"allowedGroups": groups})
    assert_failed(factory_emulator, run, activity, container, "UserErrorOffice365TooManyAllowedGroups",
                  "11 groups", "at most 10")


def test_a_factory_outside_the_tenant_region_fails_the_run(factory_emulator):
    factory_emulator.set_region(office_region="Europe", factory_location="East US")
    run, activity, container = failed_run(factory_emulator)
    assert_failed(factory_emulator, run, activity, container, "UserErrorOffice365RegionMismatch",
                  "East US", "Europe", "North Europe or West Europe")


def test_a_staging_principal_without_the_storage_role_fails_the_run(factory_emulator):
    factory_emulator.set_storage_contributors({OTHER_APP})
    run, activity, container = failed_run(factory_emulator)
    assert_failed(factory_emulator, run, activity, container, "UserErrorOffice365StorageAccessDenied",
                  DEMO_CLIENT_ID, "Storage Blob Data Contributor")


def test_an_injected_failure_fails_the_next_run_only(factory_emulator):
    factory_emulator.fail_next_run("UserErrorOffice365DataLoaderError", "Office365 data loading failed (injected).")
    run, activity, container = failed_run(factory_emulator)
    assert_failed(factory_emulator, run, activity, container, "UserErrorOffice365DataLoaderError",
                  "Office365 data loading failed (injected).")
    second, _, _ = failed_run(factory_emulator)
    assert second["status"] == "Succeeded"
