"""The demo's example ML project end to end: the spec's `downstream:` features and the persona
model, materialized for the last complete week on the synthetic tenant through a real instance."""

from __future__ import annotations

import base64
import re

import dagster as dg
import pandas as pd
import pytest

from mgdc_pipelines.defs import build_defs
from mgdc_pipelines.spec import load_spec
from mgdc_pipelines.examples.collaboration import SILHOUETTE_CHECK, collaboration_example
from mgdc_pipelines.features import FEATURE_COLUMNS
from mgdc_pipelines.runner import downstream_summary, run_downstream_week
from mgdc_pipelines_tests.conftest import SMALL_TENANT_USERS, approve, consent_block, demo_spec_dict, write_spec

NEEDED = {"Message_v1", "TeamChat_v1", "CalendarView_v0", "User_v1", "Manager_v0", "SharePointSites_v1", "SharePointPermissions_v1"}
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PERSONAS_KEY = dg.AssetKey(["demo", "collaboration_personas"])


@pytest.fixture(scope="module")
def example_app(tmp_path_factory, admin_keys):
    """The demo on a small tenant, only the datasets the example reads, two overlapping scopes."""
    folder = tmp_path_factory.mktemp("example")
    raw = demo_spec_dict(downstream=True)
    raw["source"]["users"] = SMALL_TENANT_USERS
    raw["sink"]["path"] = str(folder / "data")
    raw["consent"] = consent_block(folder, admin_keys)
    raw["datasets"] = [d for d in raw["datasets"] if d["name"] in NEEDED]
    raw["scopes"] = {name: raw["scopes"][name] for name in ("all", "sales")}
    app = load_spec(write_spec(folder, raw))
    approve(app, admin_keys)
    return app


@pytest.fixture(scope="module")
def built(example_app):
    """The example materialized once for the last complete week: (instance, first outcome, second copies)."""
    defs = dg.Definitions.merge(build_defs(example_app), collaboration_example(example_app))
    with dg.instance_for_test() as instance:
        copies, outcome = run_downstream_week(example_app, defs, instance)
        again, _ = run_downstream_week(example_app, defs, instance)
        yield instance, copies, outcome, again


def value_of(app, key: dg.AssetKey, partition: str) -> pd.DataFrame:
    """What ``key`` stored for ``partition``: a table in the app's own sink (never a pickle)."""
    import pyarrow.dataset as pads

    folder = app.sink.resolved_path() / ".".join(key.path) / f"date={partition}"
    return pads.dataset(folder, format="parquet").to_table().to_pandas()


def latest(instance: dg.DagsterInstance, key: dg.AssetKey) -> dg.AssetMaterialization:
    return instance.fetch_materializations(key, limit=1).records[0].asset_materialization


def test_the_example_is_built_for_the_last_complete_week_from_every_scope(example_app, built):
    instance, copies, outcome, again = built
    assert copies and all(run.success for run in copies)
    assert outcome is not None and outcome.success, downstream_summary(outcome)
    week = outcome.week
    assert set(outcome.built) == {
        "demo/collaboration_edges", "demo/weekly_user_features", "demo/sharepoint_oversharing", "demo/collaboration_personas"
    }
    assert outcome.checks == {SILHOUETTE_CHECK: True}
    assert again == [], "a second call copies nothing: the week's MGDC partitions are all there"

    edges = value_of(example_app, dg.AssetKey(["demo", "collaboration_edges"]), week)
    features = value_of(example_app, dg.AssetKey(["demo", "weekly_user_features"]), week)
    oversharing = value_of(example_app, dg.AssetKey(["demo", "sharepoint_oversharing"]), week)
    personas = latest(instance, PERSONAS_KEY)
    edge_metadata = latest(instance, dg.AssetKey(["demo", "collaboration_edges"])).metadata

    # Edges: both channels, the whole week, and every mail counted once although it sits in
    # several mailboxes and in both scopes' partitions.
    assert set(edges["channel"]) == {"mail", "chat"}
    days = pd.to_datetime(edges["day"]).dt.strftime("%Y-%m-%d")
    assert days.min() >= week and len(set(days)) == 7
    assert edge_metadata["counts/duplicate_copies"].value > 0
    assert edge_metadata["dagster/row_count"].value == len(edges)
    assert not edges.duplicated(["day", "sender", "recipient", "channel"]).any()

    # Weekly features: one row per user for this week, all features present and plausible.
    assert set(features["week"].dt.strftime("%Y-%m-%d")) == {week}
    assert not features["address"].duplicated().any() and len(features) >= 20
    assert list(features.columns) == ["week", "address", *FEATURE_COLUMNS]
    assert features["after_hours_share"].between(0, 1).all()
    assert (features["meeting_hours"] > 0).sum() > len(features) / 2
    assert (features["manager_one_on_one_hours"] > 0).any()
    assert (features["network_size"] > 0).all()

    # Oversharing: per site, counts consistent with each other.
    assert len(oversharing) > 0
    assert (oversharing["overshared_items"] <= oversharing["items_shared"]).all()
    assert oversharing[["items_everyone", "items_anonymous_links", "items_external_users"]].to_numpy().sum() > 0

    # The model: metrics and a plot that decodes as a PNG.
    metadata = personas.metadata
    assert metadata["model/silhouette"].value >= 0.2
    assert metadata["model/users"].value == len(features)
    plot = metadata["plot"].value
    encoded = re.fullmatch(r"!\[[^\]]*\]\(data:image/png;base64,([A-Za-z0-9+/=]+)\)", plot)
    assert encoded, plot[:80]
    assert base64.b64decode(encoded.group(1)).startswith(PNG_SIGNATURE)


def test_every_output_is_stored_in_the_apps_sink_not_in_dagsters_storage(example_app, built):
    """The outputs hold people's addresses: they stay where the admin authorized the app to write."""
    from pathlib import Path

    instance, _, outcome, _ = built
    for name in ("collaboration_edges", "weekly_user_features", "sharepoint_oversharing", "collaboration_personas"):
        key = dg.AssetKey(["demo", name])
        assert len(value_of(example_app, key, outcome.week)) > 0, name
        assert latest(instance, key).metadata["mgdc/stored_in_sink"].value is True
        assert not Path(instance.storage_directory()).joinpath(*key.path).exists(), f"{name} was pickled"


@pytest.mark.parametrize("threshold, passed", [(0.99, False), (0.01, True)])
def test_the_silhouette_check_follows_its_threshold(example_app, built, threshold, passed):
    instance, _, outcome, _ = built
    personas = collaboration_example(example_app, min_silhouette=threshold)
    mgdc = build_defs(example_app)
    result = dg.materialize(
        [*mgdc.assets, *personas.assets],
        selection=[PERSONAS_KEY],
        instance=instance,
        resources=dict(mgdc.resources),
        partition_key=outcome.week,
    )
    assert result.success  # a failed check is reported, it does not fail the run
    (evaluation,) = result.get_asset_check_evaluations()
    assert evaluation.check_name == SILHOUETTE_CHECK and evaluation.passed is passed
    assert evaluation.metadata["threshold"].value == threshold
