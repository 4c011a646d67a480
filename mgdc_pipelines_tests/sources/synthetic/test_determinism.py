"""Same config + same request → identical batches, whatever ran before and in any process."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from mgdc_pipelines.sources.synthetic import SyntheticSource, TenantConfig
from mgdc_pipelines_tests.sources.synthetic.helpers import DAY, SUPPORTED, extract, request

REPOSITORY_ROOT = Path(__file__).resolve().parents[3]
DATASETS = (
    "Message_v1",
    "Event_v1",
    "TeamChat_v1",
    "Contact_v1",
    "SharePointPermissions_v1",
    "GroupMembers_v0",
)


def parquet_bytes(table: pa.Table) -> bytes:
    sink = io.BytesIO()
    pq.write_table(table, sink)
    return sink.getvalue()


@pytest.mark.parametrize("name", DATASETS)
def test_same_seed_gives_identical_tables_and_parquet(config, name):
    first = extract(SyntheticSource(config), request(name))
    second = extract(SyntheticSource(TenantConfig(**vars(config))), request(name))
    assert first.num_rows > 0
    assert first.equals(second)
    assert parquet_bytes(first) == parquet_bytes(second)


def test_a_different_seed_gives_a_different_organization_and_rows(config):
    other = TenantConfig(**{**vars(config), "seed": config.seed + 1})
    first = extract(SyntheticSource(config), request("Message_v1"))
    second = extract(SyntheticSource(other), request("Message_v1"))
    assert not first.equals(second)
    assert set(first.column("internetMessageId").to_pylist()).isdisjoint(
        second.column("internetMessageId").to_pylist()
    )


@pytest.mark.parametrize("name", ("Message_v1", "SharePointPermissions_v1"))
def test_batch_size_does_not_change_the_rows(source, name):
    whole = extract(source, request(name, batch_rows=100_000))
    for batch_rows in (7, 500):
        assert extract(source, request(name, batch_rows=batch_rows)).equals(whole)


def test_rows_do_not_depend_on_what_was_extracted_before(config):
    warmed = SyntheticSource(config)
    for day_offset in range(-3, 4):  # fill the caches with neighbouring days and other datasets
        extract(warmed, request("Message_v1", DAY.fromordinal(DAY.toordinal() + day_offset)))
    extract(warmed, request("TeamChat_v1"))
    fresh = SyntheticSource(config)  # a source has its own activity caches
    assert extract(warmed, request("Message_v1")).equals(extract(fresh, request("Message_v1")))


def test_rows_do_not_depend_on_the_tenant_id(source):
    first = extract(source, request("Message_v1"))
    second = extract(source, dataclasses.replace(request("Message_v1"), tenant_id="other"))
    assert first.drop(["ptenant"]).equals(second.drop(["ptenant"]))
    assert set(second.column("ptenant").to_pylist()) == {"other"}


def test_rows_are_identical_across_processes(config):
    """No salted ``hash()`` anywhere: another interpreter (other PYTHONHASHSEED) agrees."""
    script = textwrap.dedent(f"""
        import datetime, hashlib, io, pyarrow.parquet as pq
        from mgdc_pipelines.sources.synthetic import SyntheticSource, TenantConfig
        from mgdc_pipelines_tests.sources.synthetic.helpers import extract, request
        source = SyntheticSource(TenantConfig(**{vars(config)!r}))
        for name in {SUPPORTED!r}:
            sink = io.BytesIO(); pq.write_table(extract(source, request(name)), sink)
            print(name, hashlib.sha256(sink.getvalue()).hexdigest())
    """)
    runs = [
        subprocess.Popen(
            [sys.executable, "-c", script],
            stdout=subprocess.PIPE,
            text=True,
            cwd=REPOSITORY_ROOT,
            env={**os.environ, "PYTHONHASHSEED": str(salt)},
        )
        for salt in (1, 2)
    ]
    outputs = [run.communicate(timeout=120)[0] for run in runs]
    assert all(run.returncode == 0 for run in runs)
    assert outputs[0] == outputs[1]
    source = SyntheticSource(config)
    for line in outputs[0].splitlines():
        name, digest = line.split()
        here = hashlib.sha256(parquet_bytes(extract(source, request(name)))).hexdigest()
        assert here == digest, name
