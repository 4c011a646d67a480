"""Versions 1, 2 and 3 of the synthetic tenant's rows: the same seed gives the same rows across
releases.

Demos, emulators, benchmarks and users' own tests rely on a config producing exactly the rows it
produced before (values, order and batch boundaries). ``row_digests_v1.json``,
``row_digests_v2.json`` and ``row_digests_v3.json`` record the digests of each version (the
config's ``rows_version``) for every dataset the source supports; a change that alters any of
them must ship as a new, documented version of the rows, never silently. Version 2 lists
user-scoped datasets' users team by team: its rows are version 1's, in another order. Version 3
makes the message datasets as arrays (other mail): every other dataset keeps version 2's rows.
"""

from __future__ import annotations

import json

import pytest

from mgdc_pipelines.sources.synthetic import SyntheticSource
from mgdc_pipelines.sources.synthetic.people import org_chart_order
from mgdc_pipelines_tests.sources.synthetic.row_digests import (
    CASES,
    CONFIGS,
    ROW_DIGESTS,
    case_digests,
    window_request,
)

RECORDED = {version: json.loads(path.read_text()) for version, path in ROW_DIGESTS.items()}
VERSIONED_CASES = [(version, *case) for version in RECORDED for case in CASES]


def test_every_version_covers_every_supported_dataset():
    for version, config_name, window_name in VERSIONED_CASES:
        assert sorted(RECORDED[version][f"{config_name} {window_name}"]) == sorted(
            SyntheticSource.supported_datasets()
        )


@pytest.mark.parametrize(("version", "config_name", "window_name"), VERSIONED_CASES)
def test_rows_are_the_recorded_version_of_the_synthetic_tenant(version, config_name, window_name):
    recorded = RECORDED[version][f"{config_name} {window_name}"]
    changed = [
        dataset
        for dataset, digest in case_digests(config_name, window_name, version)
        if recorded.get(dataset) != digest
    ]
    where = f"{config_name}, {window_name}"
    assert changed == [], f"rows differ from version {version} ({where}): {changed}"


def test_version_3_changes_only_the_message_datasets_rows():
    v3_datasets = {"Message_v1", "SentItem_v1", "Inbox_v1", "Message_v0", "SentItem_v0"}
    for case, digests in RECORDED[3].items():
        changed = {name for name, digest in digests.items() if RECORDED[2][case][name] != digest}
        assert "Message_v1" in changed and changed <= v3_datasets, case


def extracted_rows(source: SyntheticSource, dataset: str, window_name: str) -> list[dict]:
    request = window_request(dataset, window_name)
    return [row for batch in source.extract(request) for row in batch.to_pylist()]


def canonical(rows: list[dict]) -> list[str]:
    return sorted(json.dumps(row, sort_keys=True, default=str) for row in rows)


def test_version_2_has_version_1s_rows_in_another_order():
    window_name = "thursday"
    config = CONFIGS["users=80,seed=7"]
    first, second = SyntheticSource(config), SyntheticSource(config.replace(rows_version=2))
    reordered = []
    for dataset in SyntheticSource.supported_datasets():
        old = extracted_rows(first, dataset, window_name)
        new = extracted_rows(second, dataset, window_name)
        assert canonical(new) == canonical(old), dataset
        reordered += [dataset] if new != old else []
    assert "Message_v1" in reordered and "User_v1" in reordered


def test_version_2_lists_users_team_by_team():
    config = CONFIGS["users=80,seed=7"].replace(rows_version=2)
    source = SyntheticSource(config)
    owners = [row["puser"] for row in extracted_rows(source, "Message_v1", "thursday")]
    order = [source.tenant.users[i].id for i in org_chart_order(source.tenant.users)]

    first_appearances = list(dict.fromkeys(owners))
    assert first_appearances == [user for user in order if user in set(owners)]
    directory = [user.id for user in source.tenant.users]
    assert first_appearances != sorted(first_appearances, key=directory.index)
