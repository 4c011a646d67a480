"""Several apps in one code location: each binds and names its own things, and collisions are named."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path

import dagster as dg
import pytest

from mgdc_pipelines.defs import AppsCollide, build_apps_defs, build_defs, check_apps_apart, copy_job_name, resource_keys
from mgdc_pipelines.defs.scopes import sync_scope_partitions
from mgdc_pipelines.spec import DEMO_SPEC_PATH, AppSpec, load_spec
from mgdc_pipelines_tests.conftest import SMALL_TENANT_USERS, approve, consent_block, demo_spec_dict, write_spec
from mgdc_pipelines_tests.defs.test_assets_landing import DAY, deliver_messages

DEMO_GRAPH_SPEC = DEMO_SPEC_PATH.with_name("demo-graph.yaml")
PARTITION = f"{DAY.isoformat()}|all"


@pytest.fixture
def app_in(tmp_path: Path, admin_keys) -> Callable[..., AppSpec]:
    """An approved app named ``name`` in its own folder (sink, consent), with its own app id and
    no `dagster.key_prefix` (so its keys start with its name)."""

    def make(name: str, mutate: Callable[[dict], None] = lambda raw: None) -> AppSpec:
        folder = tmp_path / name
        folder.mkdir()
        raw = demo_spec_dict()
        raw["app"].update(name=name, app_id=str(uuid.uuid5(uuid.NAMESPACE_URL, name)))
        raw["source"]["users"] = SMALL_TENANT_USERS
        raw["sink"]["path"] = str(folder / "data")
        raw["consent"] = consent_block(folder)
        raw["dagster"].pop("key_prefix")
        mutate(raw)
        spec = load_spec(write_spec(folder, raw))
        approve(spec, admin_keys)
        return spec

    return make


def on_landing(folder: Path) -> Callable[[dict], None]:
    def mutate(raw: dict) -> None:
        raw["source"] = {"type": "landing", "path": str(folder / "landing"), "quarantine_dir": str(folder / "quarantine")}
        raw["scopes"] = {"all": "all"}

    return mutate


@pytest.fixture
def graph_demo(tmp_path, monkeypatch) -> AppSpec:
    """The bundled Graph demo spec, validated without a server (nothing is requested at load)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MGDC_GRAPH_CA_BUNDLE", str(tmp_path / "ca.pem"))
    return load_spec(DEMO_GRAPH_SPEC)


def test_three_apps_on_three_sources_load_side_by_side_and_copy_on_one_instance(app_in, graph_demo, tmp_path):
    people = app_in("people")
    deliveries = app_in("deliveries", on_landing(tmp_path / "deliveries"))
    deliver_messages(deliveries, tmp_path / "deliveries")
    apps = [people, deliveries, graph_demo]

    defs = dg.Definitions.merge(*(build_defs(app) for app in apps))
    dg.Definitions.validate_loadable(defs)
    check_apps_apart(apps)
    assert set(defs.resources) == {key for app in apps for key in vars(resource_keys(app)).values()}
    assert {job.name for job in defs.jobs} == {
        "people_copy", "people_sharepoint_copy", "deliveries_copy", "deliveries_sharepoint_copy", "demo_graph_copy",
    }
    assert {s.name for s in defs.sensors} == {
        "people_availability", "deliveries_availability", "demo_graph_availability", "demo_graph_changes",
    }
    users, messages = dg.AssetKey(["people", "User_v1"]), dg.AssetKey(["deliveries", "Message_v1"])
    assert dg.AssetKey(["mgdc_graph", "User_v1"]) in defs.resolve_all_asset_keys()

    with dg.instance_for_test() as instance:
        for app in (people, deliveries):
            assert sync_scope_partitions(instance, app).added == tuple(app.scope_keys)
        for app, key in ((people, users), (deliveries, messages)):
            job = defs.resolve_job_def(copy_job_name(app))
            assert job.execute_in_process(instance=instance, partition_key=PARTITION, asset_selection=[key]).success
        for key in (users, messages):
            assert instance.get_materialized_partitions(key) == {PARTITION}
    day = f"date={DAY.isoformat()}"
    assert (tmp_path / "people" / "data" / "BasicDataSet_v0.User_v1" / day / "scope=all").is_dir()
    assert (tmp_path / "deliveries" / "data" / "BasicDataSet_v0.Message_v1" / day / "scope=all").is_dir()
    assert not (tmp_path / "people" / "data" / "BasicDataSet_v0.Message_v1").exists()
    assert not (tmp_path / "deliveries" / "data" / "BasicDataSet_v0.User_v1").exists()


def test_the_bundled_demos_keep_their_own_keys_and_sink_folders(graph_demo, tmp_path):
    demo = load_spec(DEMO_SPEC_PATH)
    defs = build_apps_defs([demo, graph_demo])
    dg.Definitions.validate_loadable(defs)
    keys = set(defs.resolve_all_asset_keys())
    assert {dg.AssetKey(["mgdc", "User_v1"]), dg.AssetKey(["mgdc_graph", "User_v1"])} <= keys
    assert (demo.sink.resolved_path(), graph_demo.sink.resolved_path()) == (tmp_path / "mgdc_data", tmp_path / "mgdc_data_graph")


def test_two_apps_on_one_key_prefix_and_sink_are_refused_naming_both(app_in, tmp_path):
    shared = {"sink": {"type": "local", "path": str(tmp_path / "shared")}, "dagster": {"key_prefix": ["m365"]}}
    first = app_in("first", lambda raw: raw.update(shared))
    second = app_in("second", lambda raw: raw.update(shared))
    with pytest.raises(AppsCollide) as error:
        build_apps_defs([first, second])
    message = str(error.value)
    assert message.startswith("apps first and second cannot share one code location:")
    assert "both produce asset keys m365/CalendarView_v0, m365/Contact_v1, m365/DirectReport_v0 and 11 more" in message
    assert f"both write to the sink folder file:{tmp_path / 'shared'}" in message
    assert "registration" not in message  # each has its own app id


def test_a_sink_inside_another_apps_sink_and_clashing_job_names_are_refused(app_in, tmp_path):
    hr = app_in("hr")
    hr_sharepoint = app_in("hr_sharepoint", lambda raw: raw["sink"].update(path=str(tmp_path / "hr" / "data" / "sp")))
    with pytest.raises(AppsCollide) as error:
        check_apps_apart([hr, hr_sharepoint])
    message = str(error.value)
    assert "both define job hr_sharepoint_copy, schedule hr_sharepoint_daily: rename one of them (`app.name`)" in message
    assert f"both write to file:{tmp_path / 'hr' / 'data' / 'sp'}, inside the other's file:{tmp_path / 'hr' / 'data'}" in message


def test_one_app_twice_is_refused_before_dagster_reports_a_resource_key(app_in):
    people = app_in("people")
    with pytest.raises(AppsCollide, match=r"both define job people_copy, job people_sharepoint_copy, resource people_mgdc_consent and \d+ more"):
        build_apps_defs([people, people])


def test_the_default_key_prefix_is_the_apps_name_and_downstream_entries_read_those_keys(app_in):
    people = app_in("people", lambda raw: raw.update(downstream=demo_spec_dict(downstream=True)["downstream"]))
    defs = build_defs(people)
    dg.Definitions.validate_loadable(defs)  # every downstream input resolves to an asset of the app
    features = defs.resolve_assets_def(dg.AssetKey(["people", "weekly_user_features"]))
    assert dg.AssetKey(["people", "Message_v1"]) in features.dependency_keys
