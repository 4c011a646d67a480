"""The registration an admin approves: its fingerprint, its JSON form, and the destination rule."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mgdc_pipelines.consent.errors import ConsentError
from mgdc_pipelines.consent.registration import (
    DatasetGrant,
    Registration,
    ScopeGrant,
    destination_contains,
    destination_for,
    read_registration,
    registration_for,
    write_registration,
)
from mgdc_pipelines.sources.base import Scope
from mgdc_pipelines_tests.consent.helpers import (
    ENGINEERING_GROUP,
    OTHER_GROUP,
    SALES_GROUP,
    Mutation,
    add_column,
    dataset_entry,
    groups_only,
)


def _reorder_everything(raw: dict) -> None:
    raw["datasets"].reverse()
    for item in raw["datasets"]:
        if isinstance(item["columns"], list):
            item["columns"].reverse()
    raw["scopes"] = dict(reversed(list(raw["scopes"].items())))
    raw["scopes"]["sales"] = [SALES_GROUP.upper(), OTHER_GROUP]


def _two_groups(raw: dict) -> None:
    raw["scopes"]["sales"] = [OTHER_GROUP, SALES_GROUP]


def test_fingerprint_ignores_order_of_datasets_columns_scopes_and_group_id_case(make_spec):
    base = registration_for(make_spec(groups_only, _two_groups))
    reordered = registration_for(make_spec(groups_only, _reorder_everything))
    assert reordered.fingerprint == base.fingerprint
    assert reordered == base


def _set(path: tuple, value) -> Mutation:
    """Set a value at a path of the YAML dict; a name inside ``datasets`` picks that entry."""
    def mutate(raw: dict) -> None:
        target = raw
        for key in path[:-1]:
            target = next(i for i in target if i["name"] == key) if isinstance(target, list) else target[key]
        target[path[-1]] = value
    return mutate


CHANGES = {
    "new column": add_column("Message_v1", "body"),
    "removed column": lambda raw: dataset_entry(raw, "Message_v1")["columns"].remove("subject"),
    "removed dataset": lambda raw: raw["datasets"].remove(dataset_entry(raw, "User_v1")),
    "other group": _set(("scopes", "sales"), [OTHER_GROUP]),
    "extra group": _set(("scopes", "engineering"), [ENGINEERING_GROUP, OTHER_GROUP]),
    "whole organization": _set(("scopes", "everyone"), "all"),
    "destination": _set(("sink", "path"), "./other_data"),
    "hash transform": _set(("datasets", "Message_v1", "transforms"), {"subject": "hash"}),
    "drop transform": _set(("datasets", "Message_v1", "transforms"), {"subject": "drop"}),
    "app id": _set(("app", "app_id"), "11111111-2222-3333-4444-555555555555"),
    "tenant": _set(("app", "tenant_id"), "11111111-2222-3333-4444-555555555555"),
}


def test_every_change_an_admin_must_see_changes_the_fingerprint(make_spec):
    base = registration_for(make_spec(groups_only)).fingerprint
    fingerprints = {name: registration_for(make_spec(groups_only, change)).fingerprint for name, change in CHANGES.items()}
    assert base not in fingerprints.values()
    assert len(set(fingerprints.values())) == len(CHANGES), fingerprints


def test_names_and_descriptions_are_shown_but_not_granted(make_spec):
    base = registration_for(make_spec())
    renamed = registration_for(make_spec(_set(("app", "description"), "new words"), _set(("app", "owner"), "x@y.com")))
    assert renamed.fingerprint == base.fingerprint
    assert renamed.description == "new words" and renamed.owner == "x@y.com"


def test_registration_for_the_demo_spec(make_spec):
    spec = make_spec(_set(("datasets", "Message_v1", "transforms"), {"sender": "hash"}))
    registration = registration_for(spec)
    assert registration.scope == ScopeGrant(everyone=True)
    assert registration.destination == f"file:{Path.cwd() / 'mgdc_data'}"  # the demo's {{ cwd }}/mgdc_data
    message = registration.dataset("Message_v1")
    assert message is registration.dataset("BasicDataSet_v0.Message_v1")
    assert message.dataset == "BasicDataSet_v0.Message_v1"
    assert message.columns == tuple(sorted(spec.dataset("Message_v1").selected_columns))
    assert message.transform("sender") == "hash" and message.transform("subject") is None
    assert registration.dataset("Contact_v0") is None
    assert len(registration.datasets) == len(spec.datasets)


def test_scope_is_the_union_of_groups_without_an_everyone_scope(make_spec):
    registration = registration_for(make_spec(groups_only, _two_groups))
    assert registration.scope == ScopeGrant(everyone=False, group_ids=(ENGINEERING_GROUP, OTHER_GROUP, SALES_GROUP))


@pytest.mark.parametrize(
    ("declared", "destination"),
    [("./mgdc_data", "file:{spec_dir}/mgdc_data"), ("/data/mgdc/", "file:/data/mgdc"), ("a/./b/../c", "file:{spec_dir}/a/c")],
)
def test_destination_is_the_declared_path_pinned_to_the_spec_folder_and_normalized(make_spec, declared, destination):
    assert destination_for(make_spec(_set(("sink", "path"), declared))) == destination.format(spec_dir=make_spec.folder)


def test_dict_round_trip_and_strict_reading(make_spec):
    registration = registration_for(make_spec())
    assert Registration.from_dict(registration.to_dict()) == registration
    extra = {**registration.to_dict(), "justification": "x"}
    with pytest.raises(ConsentError, match="unknown keys: justification"):
        Registration.from_dict(extra)
    missing = registration.to_dict()
    del missing["scope"]
    with pytest.raises(ConsentError, match="missing keys: scope"):
        Registration.from_dict(missing)
    bad_dataset = registration.to_dict()
    bad_dataset["datasets"][0]["colums"] = bad_dataset["datasets"][0].pop("columns")
    with pytest.raises(ConsentError, match=r"datasets\[0\]: unknown keys: colums; missing keys: columns"):
        Registration.from_dict(bad_dataset)


def test_registration_file_round_trip_and_edits_are_detected(make_spec, tmp_path):
    registration = registration_for(make_spec())
    path = write_registration(tmp_path / "demo.registration.json", registration)
    assert read_registration(path) == registration
    path.write_text(path.read_text().replace('"subject"', '"body"', 1))
    with pytest.raises(ConsentError, match="edited after it was written"):
        read_registration(path)
    with pytest.raises(ConsentError, match="cannot read registration file"):
        read_registration(tmp_path / "missing.json")


def test_scope_grant_covers_any_subset_of_its_groups():
    groups = ScopeGrant(everyone=False, group_ids=(SALES_GROUP.upper(), ENGINEERING_GROUP))
    assert groups.group_ids == tuple(sorted((SALES_GROUP, ENGINEERING_GROUP)))
    assert groups.covers(Scope("sales", (SALES_GROUP,))) == ()
    assert groups.covers(Scope("both", (ENGINEERING_GROUP, SALES_GROUP.upper()))) == ()
    assert groups.covers(Scope("mixed", (SALES_GROUP, OTHER_GROUP))) == (OTHER_GROUP,)
    assert groups.covers(Scope.everyone()) == ("all",)
    everyone = ScopeGrant(everyone=True)
    assert everyone.covers(Scope.everyone()) == () and everyone.covers(Scope("x", (OTHER_GROUP,))) == ()
    with pytest.raises(ConsentError):
        ScopeGrant(everyone=True, group_ids=(SALES_GROUP,))


def test_dataset_grant_normalizes_and_checks_its_transforms():
    grant = DatasetGrant("Message_v1", ("subject", "id", "subject"), (("subject", "hash"),))
    assert grant.dataset == "BasicDataSet_v0.Message_v1" and grant.columns == ("id", "subject")
    with pytest.raises(ConsentError, match="unknown transform 'encrypt'"):
        DatasetGrant("Message_v1", ("subject",), (("subject", "encrypt"),))
    with pytest.raises(ConsentError, match="'body', which is not among its columns"):
        DatasetGrant("Message_v1", ("subject",), (("body", "drop"),))


# --- destination_contains -------------------------------------------------------------------


def _uri(path: Path) -> str:
    return path.as_uri()  # percent-encoded, RFC 3986


def test_partitions_inside_the_authorized_sink(tmp_path):
    root = tmp_path / "mgdc_data"
    partition = root / "BasicDataSet_v0.User_v1" / "date=2026-11-20" / "scope=all"
    assert destination_contains(f"file:{root}", _uri(partition))
    assert destination_contains(f"file:{root}", _uri(root))
    assert destination_contains(f"file:{root}/", "file://localhost" + _uri(partition).removeprefix("file://"))


def test_relative_destination_is_resolved_against_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert destination_contains("file:mgdc_data", _uri(tmp_path / "mgdc_data" / "x"))
    assert not destination_contains("file:mgdc_data", _uri(tmp_path / "elsewhere" / "x"))


def test_sibling_with_a_common_prefix_is_outside(tmp_path):
    assert not destination_contains(f"file:{tmp_path}/mgdc", _uri(tmp_path / "mgdc2" / "x"))
    assert not destination_contains(f"file:{tmp_path}/mgdc", _uri(tmp_path))


def test_dot_dot_traversal_is_outside_even_percent_encoded(tmp_path):
    root = f"file:{tmp_path}/mgdc"
    assert not destination_contains(root, f"file://{tmp_path}/mgdc/../etc")
    assert not destination_contains(root, f"file://{tmp_path}/mgdc/%2E%2E/etc")
    assert not destination_contains(root, f"file://{tmp_path}/mgdc/a/%2e%2e%2F..%2Fetc")
    assert destination_contains(root, f"file://{tmp_path}/mgdc/a/../b")


def test_percent_encoded_names_are_decoded(tmp_path):
    root = tmp_path / "my data"
    assert destination_contains(f"file:{root}", _uri(root / "scope=sales"))
    assert "%20" in _uri(root)
    assert not destination_contains(f"file:{tmp_path}/my%20data", _uri(root / "x"))


def test_a_symlink_out_of_the_sink_is_outside(tmp_path):
    root, outside = tmp_path / "mgdc", tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    os.symlink(outside, root / "link")
    assert not destination_contains(f"file:{root}", _uri(root / "link" / "x"))


@pytest.mark.parametrize(
    "uri",
    [
        "abfss://container@account.dfs.core.windows.net/mgdc",
        "https://example.com/mgdc",
        "file://otherhost/data/mgdc/x",
        "file:///data/mgdc/x?y=1",
        "file:///data/mgdc/x%00y",
        "/data/mgdc/x",
        "",
    ],
)
def test_other_schemes_hosts_and_oddities_are_outside(uri):
    assert not destination_contains("file:/data/mgdc", uri)


def test_an_authorized_destination_of_another_scheme_contains_nothing():
    assert not destination_contains("abfss://c@a.dfs.core.windows.net/x", "file:///x")
    assert not destination_contains("file:", "file:///x")
