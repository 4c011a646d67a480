"""Backfills are cut into bounded runs by the spec's backfill policy, as the daemon cuts them.

The run requests come from ``build_run_requests_with_backfill_policies``, the function Dagster's
backfill daemon calls on each iteration (dagster/_core/execution/asset_backfill.py).
"""

from __future__ import annotations

import datetime as dt
import math
import uuid

import dagster as dg
import pytest
from dagster._core.definitions.events import AssetKeyPartitionKey
from dagster._core.definitions.automation_tick_evaluation_context import build_run_requests_with_backfill_policies
from dagster._core.definitions.partitions.context import partition_loading_context
from dagster._core.storage.tags import ASSET_PARTITION_RANGE_END_TAG, ASSET_PARTITION_RANGE_START_TAG

from mgdc_pipelines.defs.build import build_defs
from mgdc_pipelines.defs.partitions import scope_partitions_name
from mgdc_pipelines_tests.defs.sensor_helpers import small_app

SCOPES = [f"team-{n:02d}" for n in range(20)]
FIRST_DAY = dt.date(2025, 11, 1)
DAYS = 365  # a year of closed days


def twenty_scopes(policy: str | None = None):
    def mutate(raw):
        small_app(raw, {name: [str(uuid.uuid5(uuid.NAMESPACE_DNS, name))] for name in SCOPES})
        raw["partitions"]["start_date"] = FIRST_DAY.isoformat()
        if policy:
            raw["dagster"]["backfill_policy"] = policy
    return mutate


def backfill_runs(app, instance) -> tuple[dg.Definitions, list[dg.RunRequest]]:
    """The runs a UI backfill of every dataset × a year × every scope becomes."""
    defs = build_defs(app)
    graph = defs.resolve_asset_graph()
    days = [(FIRST_DAY + dt.timedelta(days=n)).isoformat() for n in range(DAYS)]
    wanted = set()
    for key in graph.materializable_asset_keys:
        scoped = isinstance(graph.get(key).partitions_def, dg.MultiPartitionsDefinition)
        keys = [dg.MultiPartitionKey({"date": d, "scope": s}) for d in days for s in SCOPES] if scoped else days
        wanted |= {AssetKeyPartitionKey(key, k) for k in keys}
    with partition_loading_context(dynamic_partitions_store=instance):
        return defs, list(build_run_requests_with_backfill_policies(wanted, graph, instance))


def partitions_of(defs: dg.Definitions, request: dg.RunRequest) -> list[str]:
    asset = defs.resolve_assets_def(request.asset_selection[0])
    key_range = dg.PartitionKeyRange(request.tags[ASSET_PARTITION_RANGE_START_TAG], request.tags[ASSET_PARTITION_RANGE_END_TAG])
    return list(asset.partitions_def.get_partition_keys_in_range(key_range))


@pytest.fixture
def instance():
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions("demo_scopes", SCOPES)
        yield instance


def test_a_year_by_twenty_scopes_backfill_is_a_bounded_number_of_runs_of_at_most_n_partitions(small_spec_factory, instance):
    app = small_spec_factory(twenty_scopes())
    n = app.dagster.max_partitions_per_run
    assert scope_partitions_name(app) == "demo_scopes"
    with partition_loading_context(dynamic_partitions_store=instance):
        defs, runs = backfill_runs(app, instance)
        scoped = [r for r in runs if len(r.asset_selection) == 2]  # Message_v1 + User_v1 together
        tenant_wide = [r for r in runs if r.asset_selection == [dg.AssetKey(["mgdc", "SharePointSites_v1"])]]
        assert len(scoped) + len(tenant_wide) == len(runs)
        # One range per scope (the smaller dimension is held constant), cut into chunks of n days.
        assert len(scoped) == len(SCOPES) * math.ceil(DAYS / n)
        assert len(tenant_wide) == math.ceil(DAYS / n)
        covered = []
        for run in scoped:
            keys = partitions_of(defs, run)
            assert 1 <= len(keys) <= n
            assert len({k.keys_by_dimension["scope"] for k in keys}) == 1  # a run stays within one scope
            covered += keys
            # the blocking consent checks run in the same run as the copy
            assert {c.name for c in run.asset_check_keys} == {"consented_columns", "scope_compliance", "transforms_applied"}
    assert len(covered) == len(set(covered)) == DAYS * len(SCOPES)


def test_single_run_policy_is_one_run_per_scope(small_spec_factory, instance):
    app = small_spec_factory(twenty_scopes("single_run"))
    with partition_loading_context(dynamic_partitions_store=instance):
        defs, runs = backfill_runs(app, instance)
        scoped = [r for r in runs if len(r.asset_selection) == 2]
        assert len(scoped) == len(SCOPES)
        assert all(len(partitions_of(defs, run)) == DAYS for run in scoped)
