"""The demo runner plans range runs like a backfill and copies only what is missing."""

from __future__ import annotations

from mgdc_pipelines.defs import build_defs
from mgdc_pipelines.defs.build import copy_job_name
from mgdc_pipelines.runner import run_planned, still_missing
from mgdc_pipelines_tests.conftest import scoped_instance


def only_messages(raw: dict) -> None:
    raw["datasets"] = [d for d in raw["datasets"] if d["name"] == "Message_v1"]
    raw["scopes"] = {"all": "all"}


def test_a_planned_range_shrinks_to_the_days_not_materialized_yet(small_spec_factory):
    app = small_spec_factory(only_messages)
    defs, job = build_defs(app), copy_job_name(app)
    week = (job, "2026-11-15|all", "2026-11-21|all")
    with scoped_instance(app) as instance:
        assert still_missing(defs, instance, week) == week  # nothing copied yet

        outcomes, _ = run_planned(defs, instance, [(job, "2026-11-19|all", "2026-11-21|all")])
        assert all(outcome.success for outcome in outcomes)
        assert still_missing(defs, instance, week) == (job, "2026-11-15|all", "2026-11-18|all")

        run_planned(defs, instance, [(job, "2026-11-15|all", "2026-11-15|all")])
        assert still_missing(defs, instance, week) == (job, "2026-11-16|all", "2026-11-18|all")

        run_planned(defs, instance, [still_missing(defs, instance, week)])
        assert still_missing(defs, instance, week) is None
