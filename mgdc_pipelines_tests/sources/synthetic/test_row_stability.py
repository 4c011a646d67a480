"""Version 1 of the synthetic tenant's rows: the same seed gives the same rows across releases.

Demos, emulators, benchmarks and users' own tests rely on a config producing exactly the rows it
produced before (values, order and batch boundaries). ``row_digests_v1.json`` records the digests
of version 1 for every dataset the source supports; a change that alters any of them must ship as
a new, documented version of the rows, never silently.
"""

from __future__ import annotations

import json

import pytest

from mgdc_pipelines.sources.synthetic import SyntheticSource
from mgdc_pipelines_tests.sources.synthetic.row_digests import CASES, ROW_DIGESTS_V1, case_digests

RECORDED = json.loads(ROW_DIGESTS_V1.read_text())


def test_version_1_covers_every_supported_dataset():
    for config_name, window_name in CASES:
        assert sorted(RECORDED[f"{config_name} {window_name}"]) == sorted(
            SyntheticSource.supported_datasets()
        )


@pytest.mark.parametrize(("config_name", "window_name"), CASES)
def test_rows_are_version_1_of_the_synthetic_tenant(config_name, window_name):
    recorded = RECORDED[f"{config_name} {window_name}"]
    changed = [
        dataset
        for dataset, digest in case_digests(config_name, window_name)
        if recorded.get(dataset) != digest
    ]
    assert changed == [], f"rows differ from version 1 ({config_name}, {window_name}): {changed}"
