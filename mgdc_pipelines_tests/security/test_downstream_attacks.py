"""Attack 9: downstream assets outside the grant.

On main before this suite, `downstream:` entries were not part of the registration, and their
outputs (with clear addresses, in the demo) were pickled by Dagster's default IO manager under
`.dagster_home/storage/`, outside the authorized sink, without any approval. Now an entry is part
of what the admin approves, and its output goes to the app's sink.
"""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as pads
import pytest

from mgdc_pipelines.consent.transforms import is_hash
from mgdc_pipelines.defs import build_defs
from mgdc_pipelines.defs.partitions import scope_partitions_name
from mgdc_pipelines.spec import load_spec
from mgdc_pipelines_tests.security.attacker import DAY, deployment, edit_spec

EDGES = {"name": "edges", "function": "mgdc_pipelines.features:collaboration_edges",
         "inputs": {"messages": "Message_v1"}, "partitions": "daily"}
HASHED = {"sender": "hash", "from": "hash", "toRecipients": "hash", "ccRecipients": "hash", "bccRecipients": "hash"}


def _mail(downstream: list[dict]):
    def mutate(raw: dict) -> None:
        raw["scopes"] = {"all": "all"}
        raw["datasets"] = [d for d in raw["datasets"] if d["name"] == "Message_v1"]
        raw["datasets"][0]["transforms"] = HASHED
        raw["downstream"] = downstream
    return mutate


@pytest.fixture(autouse=True)
def hash_key(monkeypatch):
    monkeypatch.setenv("MGDC_HASH_KEY", "a-test-key-of-at-least-16-bytes")


def _materialize(app, instance, keys: list[dg.AssetKey], partition: str) -> dg.ExecuteInProcessResult:
    defs = build_defs(app)
    instance.add_dynamic_partitions(scope_partitions_name(app), list(app.scope_keys))
    return dg.materialize(list(defs.assets), instance=instance, resources=dict(defs.resources),
                          selection=keys, partition_key=partition, raise_on_error=False)


def _copy_the_day(app, instance) -> None:
    copied = _materialize(app, instance, [dg.AssetKey(["mgdc", "Message_v1"])], f"{DAY}|all")
    assert copied.success


def _failure(result: dg.ExecuteInProcessResult) -> str:
    failure = next((e for e in result.all_events if e.is_step_failure), None)
    return failure.step_failure_data.error.to_string() if failure else ""


def test_an_approved_entry_is_stored_in_the_sink_hashed_and_never_pickled(small_spec_factory):
    app = small_spec_factory(_mail([EDGES]))
    with deployment() as instance:
        _copy_the_day(app, instance)
        result = _materialize(app, instance, [dg.AssetKey(["demo", "edges"])], DAY.isoformat())
        storage = Path(instance.storage_directory())
        assert result.success, _failure(result)
        assert not (storage / "demo" / "edges").exists(), "no pickle in Dagster's storage"
    stored = pads.dataset(app.sink.resolved_path() / "demo.edges" / f"date={DAY}", format="parquet").to_table()
    assert stored.num_rows > 0
    people = pc.unique(pa.concat_arrays([c for column in ("sender", "recipient") for c in stored.column(column).chunks]))
    assert all(is_hash(value) for value in people.to_pylist() if value), "hashed inputs give hashed outputs"


def test_an_entry_added_after_approval_reads_and_writes_nothing(small_spec_factory):
    approved = small_spec_factory(_mail([]))
    with deployment() as instance:
        _copy_the_day(approved, instance)
        grown = edit_spec(approved, lambda raw: raw.update(downstream=[EDGES]))
        result = _materialize(grown, instance, [dg.AssetKey(["demo", "edges"])], DAY.isoformat())
    assert not result.success
    assert "consent check 'downstream' refused downstream entry edges: it is not in the approved registration" in _failure(result)
    assert not (approved.sink.resolved_path() / "demo.edges").exists()


def test_an_approved_entry_changed_by_the_author_is_refused(small_spec_factory):
    approved = small_spec_factory(_mail([EDGES]))
    with deployment() as instance:
        _copy_the_day(approved, instance)
        changed = edit_spec(approved, lambda raw: raw["downstream"][0].update(function="mgdc_pipelines.features:message_edges"))
        result = _materialize(changed, instance, [dg.AssetKey(["demo", "edges"])], DAY.isoformat())
    assert not result.success
    assert "it differs from the approved entry (function)" in _failure(result)
    assert not (approved.sink.resolved_path() / "demo.edges").exists()


def test_the_registration_an_admin_approves_lists_the_entries(small_spec_factory, capsys):
    from mgdc_pipelines.cli import main

    app = small_spec_factory(_mail([EDGES]), approved=False)
    assert main(["consent", "request", "--spec", app.spec_path, "--out", str(Path(app.spec_path).parent / "r.json")]) == 0
    out = capsys.readouterr().out
    assert "downstream assets computed from them (1)" in out
    assert "edges = mgdc_pipelines.features:collaboration_edges(messages=Message_v1), daily" in out
    assert load_spec(app.spec_path).downstream[0].name == "edges"
