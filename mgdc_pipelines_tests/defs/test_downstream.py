"""Downstream assets are first-class: owners, tags, one weekly job and an automation condition
that builds a week once every day (× every scope) it reads is materialized."""

from __future__ import annotations

import datetime as dt

import dagster as dg

from mgdc_pipelines.defs import build_defs
from mgdc_pipelines.defs.partitions import scope_partitions_name
from mgdc_pipelines.examples.collaboration import with_collaboration_example
from mgdc_pipelines.spec import load_spec
from mgdc_pipelines_tests.conftest import demo_spec_dict, write_spec

WEEK = "2026-11-22"
WEEKLY = {"demo/collaboration_edges", "demo/weekly_user_features", "demo/sharepoint_oversharing",
          "demo/collaboration_personas"}


def demo_defs(tmp_path, downstream: bool = True):
    app = load_spec(write_spec(tmp_path, demo_spec_dict(downstream=downstream)))
    return app, with_collaboration_example(app, build_defs(app))


def test_downstream_assets_carry_the_apps_owner_tags_and_an_eager_automation_condition(tmp_path):
    app, defs = demo_defs(tmp_path)
    specs = {spec.key.to_user_string(): spec for spec in defs.resolve_all_asset_specs()}
    for key in WEEKLY:
        assert specs[key].owners == [app.app.owner], key
        assert specs[key].tags["mgdc/downstream_of"] == "demo" and specs[key].tags["mgdc/partitions"] == "weekly"
        assert specs[key].automation_condition is not None, key
    assert specs["mgdc/Message_v1"].automation_condition is None  # copies follow the sensor, not this


def test_one_job_builds_a_week_of_every_weekly_downstream_asset_and_one_sensor_automates_them(tmp_path):
    _, defs = demo_defs(tmp_path)
    job = defs.resolve_job_def("demo_downstream_weekly")
    assert {key.to_user_string() for key in job.asset_layer.selected_asset_keys} == WEEKLY
    sensor = next(sensor for sensor in defs.sensors if sensor.name == "demo_downstream_automation")
    assert sensor.default_status == dg.DefaultSensorStatus.STOPPED  # the demo spec's sensor setting


def test_an_app_without_downstream_entries_has_no_downstream_job_or_sensor(tmp_path):
    _, defs = demo_defs(tmp_path, downstream=False)
    assert [job.name for job in defs.jobs] == ["demo_copy", "demo_sharepoint_copy"]
    assert [sensor.name for sensor in defs.sensors] == ["demo_availability"]


def test_the_week_is_requested_once_every_day_and_scope_it_reads_is_materialized(tmp_path):
    app, defs = demo_defs(tmp_path)
    evaluation_time = dt.datetime(2026, 12, 2, 8, tzinfo=dt.timezone.utc)
    days = [dt.date(2026, 11, 22) + dt.timedelta(days=offset) for offset in range(7)]
    copies = [spec for spec in defs.resolve_all_asset_specs() if spec.key.path[0] == "mgdc"]
    with dg.DagsterInstance.ephemeral() as instance:
        instance.add_dynamic_partitions(scope_partitions_name(app), list(app.scope_keys))

        def materialize(skip: tuple[str, str] | None = None) -> None:
            for spec in copies:
                scoped = isinstance(spec.partitions_def, dg.MultiPartitionsDefinition)
                for day in days:
                    for scope in (app.scope_keys if scoped else [None]):
                        key = f"{day}|{scope}" if scoped else day.isoformat()
                        if (spec.key.path[-1], key) != skip:
                            instance.report_runless_asset_event(dg.AssetMaterialization(spec.key, partition=key))

        before = dg.evaluate_automation_conditions(defs, instance, evaluation_time=evaluation_time)
        assert before.total_requested == 0  # nothing copied yet
        materialize(skip=("Message_v1", "2026-11-25|sales"))  # one (day, scope) of one input missing
        waiting = dg.evaluate_automation_conditions(defs, instance, evaluation_time=evaluation_time, cursor=before.cursor)
        assert requested(waiting, "demo/collaboration_edges") == set()
        assert requested(waiting, "demo/weekly_user_features") == set()
        assert requested(waiting, "demo/sharepoint_oversharing") == {WEEK}  # its SharePoint inputs are all there

        materialize()
        ready = dg.evaluate_automation_conditions(defs, instance, evaluation_time=evaluation_time, cursor=waiting.cursor)
        assert requested(ready, "demo/collaboration_edges") == {WEEK}
        assert requested(ready, "demo/weekly_user_features") == {WEEK}  # its inputs are requested in the same tick
        assert requested(ready, "demo/collaboration_personas") == {WEEK}


def requested(result, key: str) -> set:
    return set(result.get_requested_partitions(dg.AssetKey.from_user_string(key)))


def test_a_downstream_result_describes_its_columns_in_the_schema_the_ui_shows():
    import pandas as pd

    from mgdc_pipelines.defs.downstream import result_metadata
    from mgdc_pipelines.features.columns import described

    frame = described(pd.DataFrame({"address": ["a@contoso.example"], "mails_sent": [3], "extra": [1]}),
                      {"address": "The user's e-mail address.", "mails_sent": "Mails sent."})
    frame.attrs["unknown_senders"] = 2
    metadata = result_metadata(frame)
    columns = {c.name: c.description for c in metadata["dagster/column_schema"].columns}
    assert columns == {"address": "The user's e-mail address.", "mails_sent": "Mails sent.", "extra": None}
    assert metadata["counts/unknown_senders"] == 2 and "counts/column_descriptions" not in metadata


def test_every_column_of_the_bundled_feature_tables_is_described():
    from mgdc_pipelines.features.collaboration import EDGE_COLUMNS, EDGE_DESCRIPTIONS
    from mgdc_pipelines.features.oversharing import REPORT_COLUMNS, REPORT_DESCRIPTIONS
    from mgdc_pipelines.features.workload import FEATURE_COLUMNS, FEATURE_DESCRIPTIONS

    assert list(EDGE_DESCRIPTIONS) == EDGE_COLUMNS
    assert list(REPORT_DESCRIPTIONS) == REPORT_COLUMNS
    assert list(FEATURE_DESCRIPTIONS) == ["week", "address", *FEATURE_COLUMNS]
