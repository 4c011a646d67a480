"""Pipeline runs to their end: counts of a good run, ADF's words and what to do for a failed one,
and no ADF run left behind when the wait is interrupted or times out."""

from __future__ import annotations

import itertools
import uuid

import pytest
from azure.storage.blob import ContainerClient

from mgdc_pipelines.emulator import DEMO_CLIENT_ID
from mgdc_pipelines.sources.mgdc.hints import what_to_do
from mgdc_pipelines.sources.mgdc.runs import CANCELLED_ADVICE, MgdcRunFailed, MgdcRunTimedOut, run_pipeline
from mgdc_pipelines.sources.mgdc.settings import PollPolicy
from mgdc_pipelines.sources.mgdc.sync import sync_factory
from mgdc_pipelines_tests.sources.mgdc.factory_clients import arm_requests, demo_objects, factory_client

FAST_POLL = PollPolicy(first_interval_s=0.05, max_interval_s=0.2, backoff=2, timeout_s=120)
PIPELINE = "mgdc_demo_Message_v1"


def parameters(folder: str | None = None, groups: tuple[str, ...] = ()) -> dict:
    folder = folder or uuid.uuid4().hex  # staging is one Azurite for the whole session
    return {"windowStart": "2026-11-17T00:00:00Z", "windowEnd": "2026-11-18T00:00:00Z",
            "allowedGroups": list(groups), "outputFolder": f"runs/{folder}/BasicDataSet_v0.Message_v1"}


@pytest.fixture
def client(factory_emulator):
    client = factory_client(factory_emulator)
    sync_factory(client, "demo", demo_objects(factory_emulator))
    return client


def test_a_succeeding_run_reports_the_copy_activitys_counts_and_its_files_are_staged(
    factory_emulator, client, azurite
):
    seen = []
    folder = uuid.uuid4().hex
    result = run_pipeline(client, PIPELINE, parameters(folder), FAST_POLL, on_update=lambda run: seen.append(run.status))
    [record] = factory_emulator.runs()
    assert (result.run_id, result.status) == (record.run_id, "Succeeded")
    assert result.rows_copied == result.rows_read == record.rows > 0
    assert result.activity.name == "Copy Message_v1" and result.duration_s >= 0
    assert seen[-1] == "Succeeded" and set(seen) <= {"Queued", "InProgress", "Succeeded"}
    staged = ContainerClient.from_connection_string(azurite.connection_string, "mgdc-staging")
    files = [b.name for b in staged.list_blobs(name_starts_with=f"runs/{folder}/BasicDataSet_v0.Message_v1/")]
    assert len(files) == result.files_written == 3


def approve_subject_only(emu):
    emu.approve(DEMO_CLIENT_ID, {"Message_v1": ("subject",)})


def deny_storage(emu):
    emu.set_storage_contributors([])


@pytest.mark.parametrize(("break_rule", "groups", "advice"), [
    (lambda emu: emu.set_pending(DEMO_CLIENT_ID), (), "approve the app in the Microsoft 365 admin center"),
    (lambda emu: emu.deny(DEMO_CLIENT_ID), (), "approve the app in the Microsoft 365 admin center"),
    (approve_subject_only, (), "columns or a dataset the admin did not approve"),
    (lambda emu: emu.approve(DEMO_CLIENT_ID, {"User_v1": "all"}), (), "did not approve"),
    (lambda emu: None, tuple(f"group-{n}" for n in range(11)), "at most 10 groups"),
    (lambda emu: emu.set_region(office_region="Japan"), (), "Japan: Japan West, Japan East"),
    (deny_storage, (), "'Storage Blob Data Contributor' role"),
], ids=["pending", "denied", "columns", "dataset", "groups", "region", "storage"])
def test_a_failed_run_says_what_adf_said_verbatim_and_what_to_do(factory_emulator, client, break_rule, groups,
                                                                 advice):
    break_rule(factory_emulator)
    with pytest.raises(MgdcRunFailed) as failed:
        run_pipeline(client, PIPELINE, parameters(groups=groups), FAST_POLL)
    [record] = factory_emulator.runs()
    error = failed.value
    assert (error.pipeline, error.run_id, error.status) == (PIPELINE, record.run_id, "Failed")
    assert str(error).splitlines() == [
        f"ADF pipeline {PIPELINE} run {record.run_id} Failed: {record.message}",
        f"Activity error {record.error_code}: {record.error_message}",
        f"What to do: {what_to_do(record.error_code, record.error_message)}",
    ]
    assert advice in str(error)


def test_an_interruption_while_waiting_cancels_the_adf_run_and_goes_on(factory_emulator, client):
    factory_emulator.hold_runs()  # the run stays InProgress until cancelled

    def terminated(seconds):  # what a Dagster run being terminated does inside sleep
        raise KeyboardInterrupt

    try:
        with pytest.raises(KeyboardInterrupt):
            run_pipeline(client, PIPELINE, parameters(), FAST_POLL, sleep=terminated)
        [record] = factory_emulator.runs()
        assert factory_emulator.wait_for_run(record.run_id, timeout=30).status == "Cancelled"
    finally:
        factory_emulator.release_runs()
    assert [r.path.rsplit("/", 1)[-1] for r in arm_requests(factory_emulator, "POST")][-1] == "cancel"


def test_a_run_outlasting_the_timeout_is_cancelled_and_reported(factory_emulator, client):
    factory_emulator.hold_runs()
    ticks = itertools.count(step=10.0)  # a clock that moves 10 s per look: no test waits for it
    try:
        with pytest.raises(MgdcRunTimedOut, match=f"ADF pipeline {PIPELINE} run .* did not end within 30 s"):
            run_pipeline(client, PIPELINE, parameters(), PollPolicy(first_interval_s=0.01, max_interval_s=0.01,
                         timeout_s=30), sleep=lambda s: None, clock=lambda: next(ticks))
        [record] = factory_emulator.runs()
        assert factory_emulator.wait_for_run(record.run_id, timeout=30).status == "Cancelled"
    finally:
        factory_emulator.release_runs()


def test_a_run_cancelled_in_the_factory_fails_saying_so(factory_emulator, client):
    factory_emulator.hold_runs()

    def cancel_from_the_portal(run):
        if run.status == "InProgress":
            client.cancel_run(run.run_id)
            factory_emulator.release_runs()

    try:
        with pytest.raises(MgdcRunFailed) as failed:
            run_pipeline(client, PIPELINE, parameters(), FAST_POLL, on_update=cancel_from_the_portal)
    finally:
        factory_emulator.release_runs()
    assert failed.value.status == "Cancelled"
    assert str(failed.value).endswith(f"What to do: {CANCELLED_ADVICE}")


@pytest.mark.parametrize(("code", "message", "advice"), [
    ("UserErrorOffice365DataLoaderError", "Office365 data loading failed to get OAuth token. AADSTS7000222: The "
     "provided client secret keys for app 'x' are expired.", "could not sign in"),
    ("UserErrorOffice365DataLoaderError", "AADSTS7000215: Invalid client secret provided.", "could not sign in"),
    ("UserErrorFailedBlobFSOperation", "Operation on blob failed: This request is not authorized to perform this "
     "operation using this permission. ErrorCode: AuthorizationPermissionMismatch", "Storage Blob Data Contributor"),
    ("UserErrorOffice365DataLoaderError", "Office365 data loading failed to execute. Data Connect doesn't extract "
     "data across regions.", "region-pinned integration runtime"),
    ("SystemErrorTooManyRequests", "HTTP 429 TooManyRequests", "throttled"),
    ("UserErrorOffice365AppNotRegistered", "App registration not found.", "Register the app"),
])
def test_real_adf_wordings_get_the_advice_that_fixes_them(code, message, advice):
    assert advice in what_to_do(code, message)
