"""The `mgdc-pipelines` helper commands a user meets while writing a spec."""

from __future__ import annotations

from mgdc_pipelines.catalog import list_datasets
from mgdc_pipelines.cli import main
from mgdc_pipelines.spec import DEMO_SPEC_PATH, load_spec


def test_datasets_lists_every_catalog_dataset_with_its_date_filters(capsys):
    assert main(["datasets"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(list_datasets()) >= 14
    message = next(line for line in lines if line.startswith("BasicDataSet_v0.Message_v1 "))
    assert "mail" in message and "receivedDateTime" in message


def test_tenant_groups_prints_the_ids_a_scope_refers_to(capsys):
    assert main(["tenant", "groups", "--spec", str(DEMO_SPEC_PATH)]) == 0
    groups = dict(line.split()[1::-1] for line in capsys.readouterr().out.splitlines())
    spec = load_spec(DEMO_SPEC_PATH)
    assert groups["sales"] == spec.scope("sales").group_ids[0]
    assert groups["engineering"] == spec.scope("engineering").group_ids[0]


def test_a_bad_spec_exits_1_with_the_problem_on_stderr(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("app: {name: x}\n")
    assert main(["validate", "--spec", str(bad)]) == 1
    err = capsys.readouterr().err
    assert str(bad) in err and "app.app_id: required field is missing" in err
