"""`source: {type: graph}` in a spec: validation, the resource it builds, and a real materialization."""

from __future__ import annotations

import dagster as dg
import pyarrow.dataset as pads
import pytest

from mgdc_pipelines.defs import build_defs, build_mgdc_assets, resource_keys
from mgdc_pipelines.defs.resources import GraphSourceResource
from mgdc_pipelines.emulator import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET
from mgdc_pipelines.sinks.base import PartitionRef
from mgdc_pipelines.spec import SpecError, load_spec
from mgdc_pipelines.spec.loader import DEMO_SPEC_PATH
from mgdc_pipelines.transfer import request_for as spec_request_for
from mgdc_pipelines_tests.conftest import approve, scoped_instance
from mgdc_pipelines_tests.defs.test_consent_assets import LEGAL_GROUP
from mgdc_pipelines_tests.sources.graph.conftest import DAY, TENANT_ID, sorted_rows

DEMO_GRAPH_SPEC = DEMO_SPEC_PATH.with_name("demo-graph.yaml")
SECRET_ENV = "MGDC_TEST_GRAPH_SECRET"


def graph_source_block(emu) -> dict:
    return {
        "type": "graph", "client_id": DEMO_CLIENT_ID, "client_secret_env": SECRET_ENV,
        "authority_host": emu.base_url, "graph_url": emu.graph_url, "ca_bundle": str(emu.ca_pem_path),
        "max_concurrency": 8,
    }


def on_graph(emu, keep_sharepoint: bool = False):
    def mutate(raw: dict) -> None:
        raw["source"] = graph_source_block(emu)
        if not keep_sharepoint:
            raw["datasets"] = [d for d in raw["datasets"] if not d["name"].startswith("SharePoint")]
            raw["downstream"] = [
                d for d in raw.get("downstream", []) if not any(str(i).startswith("SharePoint") for i in d["inputs"].values())
            ]

    return mutate


def test_the_bundled_graph_demo_spec_loads_and_reads_its_secret_by_name(monkeypatch, tmp_path):
    monkeypatch.setenv("MGDC_GRAPH_CA_BUNDLE", str(tmp_path / "ca.pem"))
    monkeypatch.setenv("MGDC_GRAPH_CLIENT_SECRET", "a-demo-secret-value")
    app = load_spec(DEMO_GRAPH_SPEC)
    assert app.app.tenant_id == TENANT_ID and app.source.client_id == DEMO_CLIENT_ID
    resource = build_defs(app).resources[resource_keys(app).source]
    assert isinstance(resource, GraphSourceResource)
    assert resource.ca_bundle == str(tmp_path / "ca.pem") and resource.tenant_id == TENANT_ID
    assert "a-demo-secret-value" not in repr(resource) and "a-demo-secret-value" not in str(resource)
    assert not [d for d in app.datasets if d.dataset.short_name.startswith("SharePoint")]


NOT_ON_GRAPH = (
    "SharePointGroups_v1", "SharePointFiles_v1", "SharePointFileActions_v1", "OneDriveSyncHealth_v1",
    "OneDriveSyncErrors_v0",
)


def test_a_sharepoint_dataset_on_the_graph_source_is_refused_naming_it(small_spec_factory, emulator_session):
    def mutate(raw: dict) -> None:
        on_graph(emulator_session, keep_sharepoint=True)(raw)
        raw["datasets"] += [{"name": name, "columns": "all"} for name in NOT_ON_GRAPH]

    with pytest.raises(SpecError) as error:
        small_spec_factory(mutate, approved=False)
    message = str(error.value)
    assert "SharePointSites_v1 is not available from the Graph source; use the landing source" in message
    assert "SharePointPermissions_v1 is not available" in message
    for name in NOT_ON_GRAPH:
        assert f"{name} is not available from the Graph source" in message


def test_a_graph_source_needs_exactly_one_credential(small_spec_factory, emulator_session):
    def both(raw: dict) -> None:
        on_graph(emulator_session)(raw)
        raw["source"].update(certificate_path="app.pem", certificate_thumbprint="A" * 40)

    with pytest.raises(SpecError, match="exactly one of `client_secret_env`"):
        small_spec_factory(both, approved=False)


def test_materialize_a_message_partition_from_graph_through_dagster(small_spec_factory, emulator, monkeypatch, synthetic):
    monkeypatch.setenv(SECRET_ENV, DEMO_CLIENT_SECRET)
    app = small_spec_factory(on_graph(emulator))
    [messages] = [a for a in build_mgdc_assets(app) if a.key.path[-1] == "Message_v1"]
    key = f"{DAY.isoformat()}|sales"
    with scoped_instance(app) as instance:
        result = dg.materialize([messages], instance=instance, resources=dict(build_defs(app).resources), partition_key=key)
        assert result.success
        [event] = [e for e in result.get_asset_materialization_events()]
        metadata = event.event_specific_data.materialization.metadata
        assert metadata["graph/pages"].value > 0 and metadata["graph/units_done"].value == metadata["graph/units_total"].value

    item = app.dataset("Message_v1")
    partition = PartitionRef(item.dataset.name, DAY, "sales")
    request = spec_request_for(app, item, partition)
    folder = app.sink.resolved_path() / partition.relative_path
    written = pads.dataset(folder, format="parquet").to_table().select(request.output_schema.names)
    expected = sorted_rows(synthetic.extract(request), request.output_schema)
    assert written.num_rows == len(expected) > 0
    assert sorted_rows(written.to_batches(), request.output_schema) == expected
    assert [r for r in emulator.requests if r.service == "identity" and r.path.endswith("/token")]


def test_the_mailboxes_of_deny_listed_people_are_never_requested(
    small_spec_factory, admin_keys, emulator, monkeypatch, tenant
):
    """Every row of a deny-listed person's mailbox would be scrubbed, so the Graph source does
    not read it at all: no request touches their mailbox (only the directory lookup of their
    addresses, which scrubbing needs), and the partition's metadata counts them."""
    monkeypatch.setenv(SECRET_ENV, DEMO_CLIENT_SECRET)
    app = small_spec_factory(on_graph(emulator), approved=False)
    approve(app, admin_keys, deny_group_ids=[LEGAL_GROUP])
    denied = {tenant.users[i].id.lower() for i in tenant.valid_member_indices(LEGAL_GROUP)}
    [messages] = [a for a in build_mgdc_assets(app) if a.key.path[-1] == "Message_v1"]
    with scoped_instance(app) as instance:
        result = dg.materialize([messages], instance=instance, resources=dict(build_defs(app).resources),
                                partition_key=f"{DAY.isoformat()}|all")
    assert result.success and all(c.passed for c in result.get_asset_check_evaluations())
    read = {r.mailbox.lower() for r in emulator.requests if r.mailbox}
    assert read and not read & denied
    [event] = result.get_asset_materialization_events()
    metadata = event.event_specific_data.materialization.metadata
    assert metadata["graph/owners_not_read"].value == len(denied) > 0
    assert metadata["graph/units_done"].value == metadata["graph/units_total"].value == len(read)
