"""End to end: an app whose source is MGDC itself, run by the ARM + Data Factory emulator.

spec → factory objects → pipeline runs → MGDC deliveries in Azurite → Dagster assets → consent
checks, with real MSAL tokens, a real DagsterInstance and (for cancellation) a real webserver
and run worker. Group scopes are expanded through the Graph emulator, as a deployment does
through Microsoft Graph.
"""

from __future__ import annotations

import datetime as dt
import math
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import dagster as dg
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from azure.storage.blob import ContainerClient
from dagster._core.storage.tags import ASSET_PARTITION_RANGE_END_TAG, ASSET_PARTITION_RANGE_START_TAG

from mgdc_pipelines.consent.store import ConsentStore
from mgdc_pipelines.defs.names import copy_job_name
from mgdc_pipelines.defs.partitions import RANGE_END_TAG, RANGE_START_TAG
from mgdc_pipelines.defs.scopes import sync_scope_partitions
from mgdc_pipelines.launch.local_dagster import LocalDagster
from mgdc_pipelines.launch.submit import launch_run, runs
from mgdc_pipelines.defs import build_defs
from mgdc_pipelines.defs.assets import build_mgdc_assets
from mgdc_pipelines.emulator import (
    DEMO_CLIENT_ID,
    DEMO_CLIENT_SECRET,
    EmulatorConfig,
    GraphEmulator,
    self_signed_client_certificate,
)
from mgdc_pipelines.emulator.certificates import ClientCertificate
from mgdc_pipelines.emulator.factory import MANAGEMENT_SCOPE, FactoryEmulator
from mgdc_pipelines.sinks import LocalSink
from mgdc_pipelines.sinks.base import PartitionRef
from mgdc_pipelines.sources.synthetic import SyntheticSource
from mgdc_pipelines.spec import AppSpec
from mgdc_pipelines.transfer import request_for
from mgdc_pipelines_tests.conftest import approve, scoped_instance
from mgdc_pipelines_tests.factory_emulator import FACTORY_TENANT
from mgdc_pipelines_tests.test_cli_demo import REPO

SECRET_ENV, KEY_ENV = "MGDC_TEST_CLIENT_SECRET", "MGDC_TEST_STAGING_KEY"
CERTIFICATE_ENV = "MGDC_TEST_CLIENT_KEY_AND_CERTIFICATE"
CERTIFICATE = self_signed_client_certificate(DEMO_CLIENT_ID)  # the app's second credential
DATASETS = ("Message_v1", "Event_v1", "User_v1", "SharePointSites_v1")
DAYS = [dt.date(2026, 11, 16) + dt.timedelta(days=n) for n in range(3)]


@pytest.fixture
def graph(factory_emulator: FactoryEmulator) -> Iterator[GraphEmulator]:
    """Microsoft Graph of the same tenant and Entra ID, for group membership (the directory)."""
    with GraphEmulator(EmulatorConfig(tenant=FACTORY_TENANT), identity=factory_emulator.identity) as emulator:
        yield emulator


KEY_VAULT_URL = "https://contoso-mgdc.vault.azure.net"


@pytest.fixture
def mgdc_app(small_spec_factory, factory_emulator: FactoryEmulator, graph: GraphEmulator, azurite,
             monkeypatch, tmp_path: Path) -> Callable[..., AppSpec]:
    """The demo app (4 datasets) on the emulated factory, staging into a fresh Azurite container."""
    monkeypatch.setenv(SECRET_ENV, DEMO_CLIENT_SECRET)
    monkeypatch.setenv(KEY_ENV, azurite.key)
    trusted = tmp_path / "emulators-ca.pem"  # one bundle trusting both emulators
    trusted.write_text(factory_emulator.ca_pem_path.read_text() + graph.ca_pem_path.read_text())
    container = f"staging-{uuid.uuid4().hex[:12]}"
    ContainerClient.from_connection_string(azurite.connection_string, container).create_container()

    def make(mutate: Callable[[dict], None] | None = None, certificate: ClientCertificate | None = None,
             **kwargs) -> AppSpec:
        """The app; with ``certificate``, it authenticates with it (key and certificate in one PEM
        variable) instead of the client secret."""
        credential = {"client_secret_env": SECRET_ENV}
        if certificate is not None:
            monkeypatch.setenv(CERTIFICATE_ENV, certificate.key_pem + certificate.cert_pem)
            credential = {"certificate_thumbprint": certificate.thumbprint, "private_key_env": CERTIFICATE_ENV,
                          "key_vault": {"url": KEY_VAULT_URL, "certificate_secret": "mgdc-demo-certificate"}}

        def on_mgdc(raw: dict) -> None:
            raw["source"] = {
                "type": "mgdc", "subscription_id": factory_emulator.subscription_id,
                "resource_group": factory_emulator.resource_group, "factory": factory_emulator.factory_name,
                "client_id": DEMO_CLIENT_ID, **credential,
                "authority_host": factory_emulator.authority_host, "management_url": factory_emulator.management_url,
                "management_scope": MANAGEMENT_SCOPE,
                "graph_url": graph.graph_url, "ca_bundle": str(trusted), "poll_seconds": 0.05,
                "staging": {"account_url": azurite.account_url, "container": container, "prefix": "mgdc",
                            "credential": {"type": "key", "key_env": KEY_ENV}},
            }
            raw["datasets"] = [d for d in raw["datasets"] if d["name"] in DATASETS]
            if mutate:
                mutate(raw)

        return small_spec_factory(on_mgdc, **kwargs)

    make.container = ContainerClient.from_connection_string(azurite.connection_string, container)
    return make


def materialize(app: AppSpec, dataset: str, first: str, last: str | None = None) -> dg.ExecuteInProcessResult:
    [asset] = [a for a in build_mgdc_assets(app) if a.key.path[-1] == dataset]
    tags = {ASSET_PARTITION_RANGE_START_TAG: first, ASSET_PARTITION_RANGE_END_TAG: last or first}
    with scoped_instance(app) as instance:
        return dg.materialize([asset], instance=instance, resources=dict(build_defs(app).resources),
                              tags=tags, raise_on_error=False)


def written(app: AppSpec, dataset: str, day: dt.date, scope: str | None) -> pa.Table:
    sink = LocalSink(app.sink.resolved_path())
    partition = PartitionRef(app.dataset(dataset).dataset.name, day, scope)
    names = [f.name for f in sink.committed_schemas(partition).popitem()[1]]
    return pa.Table.from_batches(list(sink.read_committed(partition, names)))


def expected_ids(app: AppSpec, dataset: str, day: dt.date, scope: str | None) -> list[str]:
    """What the synthetic tenant holds for the partition (its source applies the scope itself)."""
    item = app.dataset(dataset)
    request = request_for(app, item, PartitionRef(item.dataset.name, day, scope))
    rows = pa.Table.from_batches(list(SyntheticSource(FACTORY_TENANT).extract(request)), request.output_schema)
    return sorted(rows["id"].to_pylist())


def staged_blobs(app_factory) -> list[str]:
    return [blob.name for blob in app_factory.container.list_blobs()]


def failure_text(result: dg.ExecuteInProcessResult) -> str:
    [failure] = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    return failure.event_specific_data.error.to_string()


def test_several_datasets_go_spec_to_factory_to_runs_to_deliveries_to_assets_to_checks(mgdc_app, factory_emulator):
    app = mgdc_app()
    first, last = DAYS[0].isoformat(), DAYS[-1].isoformat()
    for dataset in ("Message_v1", "Event_v1"):  # 3 days of one scope: one pipeline run each
        result = materialize(app, dataset, f"{first}|sales", f"{last}|sales")
        assert result.success, failure_text(result)
        checks = [c for c in result.get_asset_check_evaluations()]
        assert checks and all(c.passed for c in checks)
        for day in DAYS:
            ids = sorted(written(app, dataset, day, "sales")["id"].to_pylist())
            assert ids == expected_ids(app, dataset, day, "sales") and ids
    result = materialize(app, "User_v1", f"{first}|all", f"{DAYS[1].isoformat()}|all")  # snapshots: a run a day
    assert result.success, failure_text(result)

    runs = factory_emulator.runs()
    assert [r.pipeline for r in runs] == ["mgdc_demo_Message_v1", "mgdc_demo_Event_v1", "mgdc_demo_User_v1",
                                          "mgdc_demo_User_v1"]
    assert all(r.status == "Succeeded" for r in runs)
    assert set(factory_emulator.objects("pipelines")) == {f"mgdc_demo_{d}" for d in ("Message_v1", "Event_v1", "User_v1")}
    pipeline = factory_emulator.objects("pipelines")["mgdc_demo_Message_v1"]
    source = pipeline["activities"][0]["typeProperties"]["source"]
    assert [c["name"] for c in source["outputColumns"]] == list(app.dataset("Message_v1").selected_columns)
    assert runs[0].parameters["allowedGroups"] == list(app.scope("sales").group_ids)
    assert staged_blobs(mgdc_app) == [], "every delivery is deleted once committed"


# Entra knows the app by its certificate only: every token (ARM, Graph) proves the certificate works.
@pytest.mark.parametrize("factory_changes", [{"clients": {}, "certificates": {DEMO_CLIENT_ID: (CERTIFICATE.cert_pem,)}}])
def test_an_app_authenticating_with_a_certificate_hands_it_to_the_linked_services(mgdc_app, factory_emulator):
    app = mgdc_app(certificate=CERTIFICATE)
    result = materialize(app, "Message_v1", f"{DAYS[0].isoformat()}|sales")
    assert result.success, failure_text(result)
    assert sorted(written(app, "Message_v1", DAYS[0], "sales")["id"].to_pylist()) == expected_ids(
        app, "Message_v1", DAYS[0], "sales")

    services = factory_emulator.objects("linkedservices")
    office, staging = services["mgdc_demo_office365"]["typeProperties"], services["mgdc_demo_staging"]["typeProperties"]
    for properties in (office, staging):
        assert properties["servicePrincipalCredentialType"] == "ServicePrincipalCert"
        assert "servicePrincipalKey" not in properties
    assert office["servicePrincipalEmbeddedCert"]["type"] == "SecureString"
    assert services["mgdc_demo_keyvault"] == {"type": "AzureKeyVault", "typeProperties": {"baseUrl": KEY_VAULT_URL}}
    assert staging["servicePrincipalCredential"] == {  # ADF's Blob linked service takes a certificate from Key Vault only
        "type": "AzureKeyVaultSecret", "secretName": "mgdc-demo-certificate",
        "store": {"referenceName": "mgdc_demo_keyvault", "type": "LinkedServiceReference"}}


def test_each_materialization_records_its_pipeline_run_and_what_it_costs(mgdc_app, factory_emulator):
    app = mgdc_app()
    result = materialize(app, "Message_v1", f"{DAYS[0].isoformat()}|all", f"{DAYS[1].isoformat()}|all")
    assert result.success, failure_text(result)
    [run] = factory_emulator.runs()
    events = result.get_asset_materialization_events()
    assert len(events) == 2
    for event in events:
        metadata = {k: v.value for k, v in event.materialization.metadata.items()}
        assert metadata["mgdc/adf/run_id"] == run.run_id
        assert metadata["mgdc/adf/run_days"] == f"{DAYS[0].isoformat()}..{DAYS[1].isoformat()}"
        assert metadata["mgdc/adf/run_objects_delivered"] == run.rows > 0
        assert metadata["mgdc/adf/run_billable_units"] == math.ceil(run.rows / 1000)
        assert metadata["mgdc/adf/run_estimated_cost_usd"] == pytest.approx(0.75 * math.ceil(run.rows / 1000))
    user = materialize(app, "User_v1", f"{DAYS[0].isoformat()}|all")
    [event] = user.get_asset_materialization_events()
    assert event.materialization.metadata["mgdc/adf/run_billable_units"].value == 0  # a free dataset


def test_a_spec_change_updates_the_pipeline_and_nothing_else(mgdc_app, factory_emulator, admin_keys):
    app = mgdc_app()
    assert materialize(app, "Message_v1", f"{DAYS[0].isoformat()}|all").success
    before = {kind: factory_emulator.objects(kind) for kind in ("linkedservices", "datasets", "pipelines")}
    puts_before = len([r for r in factory_emulator.requests if r.method == "PUT"])

    def fewer_columns(raw: dict) -> None:
        [messages] = [d for d in raw["datasets"] if d["name"] == "Message_v1"]
        messages["columns"] = [c for c in messages["columns"] if c != "bodyPreview"]

    changed = mgdc_app(fewer_columns)  # re-approved by the fixture
    assert materialize(changed, "Message_v1", f"{DAYS[1].isoformat()}|all").success
    puts = [r for r in factory_emulator.requests if r.method == "PUT"][puts_before:]
    assert [r.path.rsplit("/", 2)[-2:] for r in puts] == [["pipelines", "mgdc_demo_Message_v1"]]
    pipeline = factory_emulator.objects("pipelines")["mgdc_demo_Message_v1"]
    columns = [c["name"] for c in pipeline["activities"][0]["typeProperties"]["source"]["outputColumns"]]
    assert "bodyPreview" not in columns and "subject" in columns
    assert factory_emulator.objects("linkedservices") == before["linkedservices"]
    assert factory_emulator.objects("datasets") == before["datasets"]


@pytest.mark.parametrize("break_it, expected", [
    (lambda emu: emu.set_pending(DEMO_CLIENT_ID), "What to do"),
    (lambda emu: emu.fail_next_run("UserErrorOffice365DataLoaderError", "Injected MGDC failure for the test"),
     "Injected MGDC failure for the test"),
], ids=["consent-pending", "adf-run-failed"])
def test_a_failed_mgdc_run_fails_the_step_with_its_message_and_commits_nothing(mgdc_app, factory_emulator,
                                                                               break_it, expected):
    app = mgdc_app()
    break_it(factory_emulator)
    result = materialize(app, "Message_v1", f"{DAYS[0].isoformat()}|all", f"{DAYS[1].isoformat()}|all")
    assert not result.success
    text = failure_text(result)
    [run] = factory_emulator.runs()
    assert run.status == "Failed" and run.error_message in text and expected in text
    assert "What to do" in text
    assert not (app.sink.resolved_path() / app.dataset("Message_v1").dataset.name).exists()
    assert staged_blobs(mgdc_app) == []


def test_a_retried_run_commits_each_partition_exactly_once(mgdc_app, factory_emulator):
    app = mgdc_app()
    factory_emulator.fail_next_run("UserErrorOffice365DataLoaderError", "Injected transient failure")
    key = f"{DAYS[0].isoformat()}|all"
    assert not materialize(app, "Message_v1", key).success
    retried = materialize(app, "Message_v1", key)  # what Dagster's run retry launches: the same partition
    assert retried.success, failure_text(retried)
    ids = written(app, "Message_v1", DAYS[0], "all")["id"].to_pylist()
    assert sorted(ids) == expected_ids(app, "Message_v1", DAYS[0], "all") and len(ids) == len(set(ids))
    commits = [r for r in ConsentStore.of(app).audit.entries() if r["event"] == "partition_committed"]
    assert len(commits) == 1
    assert [r.status for r in factory_emulator.runs()] == ["Failed", "Succeeded"]


def test_sharepoint_days_after_the_first_ask_mgdc_only_for_the_changes(mgdc_app, factory_emulator):
    app = mgdc_app()
    for day in DAYS[:2]:
        result = materialize(app, "SharePointSites_v1", day.isoformat())
        assert result.success, failure_text(result)
    full, delta = factory_emulator.runs()
    assert full.parameters["windowStart"] == full.parameters["windowEnd"] == DAYS[0].isoformat()
    assert (delta.parameters["windowStart"], delta.parameters["windowEnd"]) == (DAYS[0].isoformat(), DAYS[1].isoformat())
    state = written(app, "SharePointSites_v1", DAYS[1], None)
    assert sorted(state["Id"].to_pylist()) == expected_site_ids(app, DAYS[1])
    # Rows the delta changed say so; the others are carried over from the full snapshot.
    operations = set(state["Operation"].to_pylist())
    assert operations <= {"Full", "Created", "Updated"} and operations & {"Created", "Updated"}
    assert pc.all(pc.equal(pc.cast(state["SnapshotDate"], pa.date32()), pa.scalar(DAYS[1], pa.date32()))).as_py()


def expected_site_ids(app: AppSpec, day: dt.date) -> list[str]:
    item = app.dataset("SharePointSites_v1")
    request = request_for(app, item, PartitionRef(item.dataset.name, day, None))
    rows = pa.Table.from_batches(list(SyntheticSource(FACTORY_TENANT).extract(request)), request.output_schema)
    return sorted(rows["Id"].to_pylist())


TERMINATE = """mutation($runId: String!) { terminateRun(runId: $runId, terminatePolicy: SAFE_TERMINATE) {
  __typename ... on PythonError { message } } }"""


def test_terminating_the_dagster_run_cancels_the_adf_run_and_commits_nothing(mgdc_app, factory_emulator, tmp_path):
    """The UI's Terminate on a run waiting for MGDC: the run worker is interrupted, cancels its
    pipeline run in the factory and deletes whatever was staged."""
    app = mgdc_app(lambda raw: raw.update(datasets=[d for d in raw["datasets"] if d["name"] == "Message_v1"]))
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    with dg.DagsterInstance.from_config(str(home)) as instance:
        sync_scope_partitions(instance, app)
    factory_emulator.hold_runs()  # the pipeline run stays InProgress until cancelled
    key = f"{DAYS[0].isoformat()}|all"
    with LocalDagster(REPO / "workspace.yaml", home, cwd=tmp_path, env={"MGDC_SPEC": app.spec_path}) as dagster:
        run_id = launch_run(dagster, copy_job_name(app), {RANGE_START_TAG: key, RANGE_END_TAG: key})
        dagster.start_daemon()  # its run queue launches the run
        adf_run = wait_for(lambda: next((r for r in factory_emulator.runs() if r.status == "InProgress"), None),
                           why=lambda: f"{runs(dagster, [run_id])} {factory_emulator.runs()} {dagster.log_dir}")
        terminated = dagster.graphql(TERMINATE, runId=run_id)["terminateRun"]
        assert terminated["__typename"] == "TerminateRunSuccess", terminated
        [state] = wait_for(lambda: [s for s in runs(dagster, [run_id]) if s.finished] or None)
    assert state.status == "CANCELED"
    assert factory_emulator.wait_for_run(adf_run.run_id).status == "Cancelled"
    assert not (app.sink.resolved_path() / app.dataset("Message_v1").dataset.name).exists()
    assert staged_blobs(mgdc_app) == []


def wait_for(probe, timeout: float = 120.0, why=lambda: ""):
    deadline = time.monotonic() + timeout
    while (found := probe()) is None:
        assert time.monotonic() < deadline, f"timed out: {why()}"
        time.sleep(0.2)
    return found
