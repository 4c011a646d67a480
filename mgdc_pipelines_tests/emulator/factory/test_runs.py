"""The run state machine (hold, release, cancel) and the windows of snapshot and calendar datasets."""

from __future__ import annotations

from mgdc_pipelines.catalog import get_dataset
from mgdc_pipelines.emulator.factory import FactoryEmulator
from mgdc_pipelines_tests.emulator.factory.arm import (
    ArmClient,
    create_mgdc_objects,
    delivered_rows,
    unique_container,
)
from mgdc_pipelines_tests.factory_emulator import factory_config

MESSAGES = {"windowStart": "2026-03-09T00:00:00Z", "windowEnd": "2026-03-10T00:00:00Z",
            "outputFolder": "mgdc/run-1/BasicDataSet_v0.Message_v1"}


def held_run(emulator) -> tuple[ArmClient, str, str]:
    arm, container = ArmClient(emulator), unique_container()
    pipeline = create_mgdc_objects(arm, container, "Message_v1", ["id"], "receivedDateTime")
    emulator.hold_runs()
    run_id = arm.create_run(pipeline, MESSAGES)
    assert arm.poll(run_id, until=("InProgress",))["status"] == "InProgress"
    return arm, run_id, container


def test_held_runs_stay_in_progress_until_released(factory_emulator):
    arm, run_id, container = held_run(factory_emulator)
    # Longer than the run's in-progress time: only the hold keeps it there.
    still = factory_emulator.wait_for_run(run_id, timeout=4 * factory_emulator.config.in_progress_seconds)
    [activity] = arm.activities(run_id)

    factory_emulator.release_runs()
    run = arm.poll(run_id)

    assert still.status == "InProgress" and activity["status"] == "InProgress"
    assert activity["output"] == {} and activity["activityRunEnd"] is None
    assert run["status"] == "Succeeded" and run["runEnd"] and run["durationInMs"] >= 0
    assert delivered_rows(factory_emulator, container, MESSAGES["outputFolder"])


def test_a_cancelled_run_ends_cancelled_without_a_delivery(factory_emulator):
    arm, run_id, container = held_run(factory_emulator)

    response = arm.call("POST", f"/pipelineruns/{run_id}/cancel")
    run = arm.poll(run_id)
    factory_emulator.release_runs()

    assert response.status_code == 200
    assert run["status"] == "Cancelled"
    assert arm.activities(run_id)[0]["status"] == "Cancelled"
    assert delivered_rows(factory_emulator, container, MESSAGES["outputFolder"]) == {}
    assert [record.status for record in factory_emulator.runs()] == ["Cancelled"]


def test_a_queued_run_has_no_activity_yet_and_can_be_cancelled(azurite):
    with FactoryEmulator(factory_config(azurite, queued_seconds=600.0)) as emulator:
        arm, container = ArmClient(emulator), unique_container()
        pipeline = create_mgdc_objects(arm, container, "Message_v1", ["id"], "receivedDateTime")
        run_id = arm.create_run(pipeline, MESSAGES)
        queued, activities = arm.run_status(run_id), arm.activities(run_id)
        arm.call("POST", f"/pipelineruns/{run_id}/cancel")
        cancelled = arm.poll(run_id)

    assert (queued["status"], queued["runStart"], activities) == ("Queued", None, [])
    assert cancelled["status"] == "Cancelled"


def test_activity_runs_are_those_updated_in_the_asked_window(factory_emulator):
    arm, container = ArmClient(factory_emulator), unique_container()
    pipeline = create_mgdc_objects(arm, container, "Message_v1", ["id"], "receivedDateTime")
    run = arm.poll(arm.create_run(pipeline, MESSAGES))

    def query(after: str, before: str) -> list[dict]:
        body = {"lastUpdatedAfter": after, "lastUpdatedBefore": before}
        return arm.call("POST", f"/pipelineruns/{run['runId']}/queryActivityruns", body).json()["value"]

    assert [a["activityName"] for a in query("2000-01-01T00:00:00Z", "2100-01-01T00:00:00Z")] == ["Copy Message_v1"]
    assert query("2000-01-01T00:00:00Z", "2001-01-01T00:00:00Z") == []
    missing = arm.call("POST", f"/pipelineruns/{run['runId']}/queryActivityruns", {})
    assert (missing.status_code, missing.json()["error"]["code"]) == (400, "BadRequest")


def test_an_unknown_run_is_not_found(factory_emulator):
    response = ArmClient(factory_emulator).call("GET", "/pipelineruns/00000000-0000-0000-0000-000000000000")
    assert (response.status_code, response.json()["error"]["code"]) == (404, "NotFound")


def test_a_sharepoint_run_with_equal_dates_delivers_that_days_full_snapshot(factory_emulator):
    arm, container = ArmClient(factory_emulator), unique_container()
    pipeline = create_mgdc_objects(arm, container, "SharePointSites_v1", ["Id", "Url", "SnapshotDate"],
                                   "SnapshotDate")
    folder = "mgdc/run-2/BasicDataSet_v0.SharePointSites_v1"

    run_id = arm.create_run(pipeline, {"windowStart": "2026-03-10", "windowEnd": "2026-03-10",
                                       "outputFolder": folder})
    run = arm.poll(run_id)

    assert run["status"] == "Succeeded", run
    rows = [row for lines in delivered_rows(factory_emulator, container, folder).values() for row in lines]
    assert rows
    assert {row["SnapshotDate"][:10] for row in rows} == {"2026-03-10"}
    metadata = get_dataset("SharePointSites_v1").metadata_column_names
    assert {key for row in rows for key in row} <= {"Id", "Url", "SnapshotDate", *metadata}


def test_calendar_view_takes_its_window_without_a_date_filter_column(factory_emulator):
    arm, container = ArmClient(factory_emulator), unique_container()
    pipeline = create_mgdc_objects(arm, container, "CalendarView_v0", ["id", "subject", "start"])
    folder = "mgdc/run-3/BasicDataSet_v0.CalendarView_v0"

    run_id = arm.create_run(pipeline, {"windowStart": "2026-03-09T00:00:00Z", "windowEnd": "2026-03-14T00:00:00Z",
                                       "outputFolder": folder})
    run = arm.poll(run_id)

    assert run["status"] == "Succeeded", run
    rows = [row for lines in delivered_rows(factory_emulator, container, folder).values() for row in lines]
    assert rows and all("2026-03-09" <= row["start"]["dateTime"][:10] < "2026-03-14" for row in rows)
    assert "dateFilterColumn" not in factory_emulator.objects("pipelines")[pipeline]["activities"][0][
        "typeProperties"]["source"]
