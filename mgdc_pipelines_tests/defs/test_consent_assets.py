"""Consent through the Dagster assets: refusal before I/O, enforcement, blocking checks, suspension."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import io
import json
from collections.abc import Callable, Iterator
from typing import Any

import dagster as dg
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as pads
import pyarrow.fs as pafs
import pyarrow.parquet as pq
import pytest

from mgdc_pipelines.catalog import get_dataset
from mgdc_pipelines.consent.authorization import decide, write_authorization
from mgdc_pipelines.consent.registration import registration_for
from mgdc_pipelines.consent.store import ConsentStore
from mgdc_pipelines.consent.transforms import hash_value, is_hash
from mgdc_pipelines.defs import build_defs, build_mgdc_assets, resource_keys
from mgdc_pipelines.sinks.base import PartitionRef
from mgdc_pipelines.sinks.delta import DeltaSink
from mgdc_pipelines.sinks.local import LocalSink
from mgdc_pipelines.sources.base import ExtractRequest, Scope, TimeWindow
from mgdc_pipelines.sources.synthetic import SyntheticSource, SyntheticTenant, TenantConfig
from mgdc_pipelines_tests.conftest import TEST_APPROVER, approve, scoped_instance

DAY = "2026-11-20"
LEGAL_GROUP = "23227d8d-93e7-51bc-9c2d-53be48d6f7cb"

CALLS: dict[str, int] = {"extract": 0, "open_partition": 0}


class CountingSource(dg.ConfigurableResource):
    """The real synthetic tenant; counts extractions so tests can prove there were none."""

    options: dict[str, Any]
    inject_column: bool = False

    def get_source(self):
        real = SyntheticSource(TenantConfig(**self.options))
        inject = self.inject_column

        class _Source:
            def extract(self, request: ExtractRequest) -> Iterator[pa.RecordBatch]:
                CALLS["extract"] += 1
                for batch in real.extract(request):
                    if inject:  # schema drift: a column nobody asked for, e.g. message bodies
                        batch = batch.append_column("body", pa.array(["secret"] * batch.num_rows))
                    yield batch

            def member_ids(self, group_ids):
                return real.member_ids(group_ids)

            def addresses(self, user_ids):
                return real.addresses(user_ids)

        return _Source()


class CountingSink(dg.ConfigurableResource):
    """The real local sink (Parquet folders, or Delta tables with ``format="delta"``); counts
    opened partitions, optionally corrupts them after commit."""

    path: str
    corrupt_after_commit: bool = False
    format: str = "parquet"
    # After commit, add a copy of a committed row as this user's (Parquet folders only): a
    # row of someone the enforcer removed, as a tampered sink could hold it.
    add_row_of: str = ""
    # Likewise, a copy whose `sender` address is this (in a hashed column: a hash).
    add_row_from: str = ""
    # After commit, plant a part file in the partition that is a link to this file.
    plant_link_to: str = ""

    def get_sink(self):
        sink = DeltaSink.local(self.path) if self.format == "delta" else LocalSink(self.path)
        corrupt = self.corrupt_after_commit
        added_row = _owned_by(self.add_row_of) if self.add_row_of else None
        added_row = _sent_by(self.add_row_from) if self.add_row_from else added_row
        link_to = self.plant_link_to

        class _Sink:
            def __getattr__(self, name):
                return getattr(sink, name)

            def open_partition(self, partition: PartitionRef, schema: pa.Schema):
                CALLS["open_partition"] += 1
                writer = sink.open_partition(partition, schema)
                if added_row:
                    return _adding_a_row_after_commit(sink, partition, writer, added_row)
                if link_to:
                    return _planting_a_link_after_commit(sink, partition, writer, link_to)
                if not corrupt:
                    return writer
                original_commit = writer.commit

                def commit_then_corrupt():
                    info = original_commit()
                    if isinstance(sink, DeltaSink):
                        leak_into_committed_file(info.files[0])
                        return info
                    folder = sink.partition_path(partition)
                    extra = pa.table({"ptenant": ["x"], "body": ["leaked"]})
                    pq.write_table(extra, folder / "part-99999-extra.parquet")
                    return info

                writer.commit = commit_then_corrupt
                return writer

        return _Sink()


def leak_into_committed_file(uri: str) -> None:
    """Rewrite a committed file with a column nobody asked for (a file in a Delta table's log:
    a file added next to it would be in no version, so no reader would see it)."""
    files, path = pafs.FileSystem.from_uri(uri)
    table = pq.read_table(path, filesystem=files)
    pq.write_table(table.append_column("body", pa.array(["leaked"] * table.num_rows)), path, filesystem=files)


@pytest.fixture(autouse=True)
def reset_calls():
    CALLS.update(extract=0, open_partition=0)


def counting_resources(app, **source_options) -> dict:
    return {
        **build_defs(app).resources,
        resource_keys(app).source: CountingSource(options=app.source.options, **source_options),
        resource_keys(app).sink: CountingSink(path=str(app.sink.resolved_path())),
    }


def _owned_by(user_id: str) -> Callable[[pa.Table], pa.Table]:
    def changed(row: pa.Table) -> pa.Table:
        owner = pa.array([user_id], row.schema.field("puser").type)
        return row.set_column(row.schema.get_field_index("puser"), "puser", owner)
    return changed


def _sent_by(address: str) -> Callable[[pa.Table], pa.Table]:
    def changed(row: pa.Table) -> pa.Table:
        sender = pa.array([{"emailAddress": {"name": None, "address": address}}],
                          row.schema.field("sender").type)
        return row.set_column(row.schema.get_field_index("sender"), "sender", sender)
    return changed


def _adding_a_row_after_commit(
    sink: LocalSink, partition: PartitionRef, writer, changed: Callable[[pa.Table], pa.Table]
):
    """``writer``, whose commit then adds ``changed`` (a committed row) to the partition."""
    original_commit = writer.commit

    def commit_then_add():
        info = original_commit()
        folder = sink.partition_path(partition)
        first = pq.read_table(next(iter(sorted(folder.glob("*.parquet"))))).slice(0, 1)
        pq.write_table(changed(first), folder / "part-99999-added.parquet")
        return info

    writer.commit = commit_then_add
    return writer


def _planting_a_link_after_commit(sink: LocalSink, partition: PartitionRef, writer, target: str):
    """``writer``, whose commit then plants a part file in the partition: a link to ``target``."""
    original_commit = writer.commit

    def commit_then_plant():
        info = original_commit()
        (sink.partition_path(partition) / "part-99999-0123456789ab.parquet").symlink_to(target)
        return info

    writer.commit = commit_then_plant
    return writer


def asset(app, name: str) -> dg.AssetsDefinition:
    return next(a for a in build_mgdc_assets(app) if a.key.path[-1] == name)


def run(app, name: str, partition: str = f"{DAY}|all", resources=None, extra_assets=(), instance=None):
    """Materialize ``name`` in ``instance`` (default: a fresh one, as a new deployment)."""
    with contextlib.nullcontext(instance) if instance else scoped_instance(app) as instance:
        result = dg.materialize(
            [asset(app, name), *extra_assets],
            instance=instance,
            resources=resources or counting_resources(app),
            partition_key=partition,
            raise_on_error=False,
        )
        events = {e.asset_key.path[-1]: e for e in result.get_asset_materialization_events()}
        checks = {e.asset_check_key.name: e for e in result.get_asset_check_evaluations()}
        failure = next((e for e in result.all_events if e.is_step_failure), None)
    return result, events, checks, failure


def failure_message(failure) -> str:
    return failure.step_failure_data.error.to_string() if failure else ""


def written(app, dataset: str, partition: str = f"{DAY}/scope=all") -> pa.Table:
    folder = app.sink.resolved_path() / f"BasicDataSet_v0.{dataset}" / f"date={partition}"
    return pads.dataset(folder, format="parquet").to_table()


def test_an_app_without_authorization_is_refused_before_any_io(small_spec_factory):
    app = small_spec_factory(approved=False)
    result, _, _, failure = run(app, "Message_v1")
    assert not result.success
    assert "consent check 'approved' refused BasicDataSet_v0.Message_v1: pending" in failure_message(failure)
    assert CALLS == {"extract": 0, "open_partition": 0}
    assert not app.sink.resolved_path().exists()


def test_a_denied_app_is_refused_before_any_io(small_spec_factory, admin_keys):
    app = small_spec_factory(approved=False)
    approve(app, admin_keys, decision="denied")
    result, _, _, failure = run(app, "User_v1")
    assert "consent check 'approved' refused BasicDataSet_v0.User_v1: denied" in failure_message(failure)
    assert CALLS == {"extract": 0, "open_partition": 0}


def test_an_expired_grant_is_refused(small_spec_factory, admin_keys):
    app = small_spec_factory(approved=False)
    approve(app, admin_keys, now=dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=181))
    _, _, _, failure = run(app, "User_v1")
    assert "consent check 'not_expired' refused" in failure_message(failure)
    assert CALLS == {"extract": 0, "open_partition": 0}


def test_a_tampered_authorization_is_refused(small_spec):
    path = small_spec.consent.authorization_path()
    document = json.loads(path.read_text())
    document["payload"]["registration"]["datasets"][0]["columns"].append("body")
    path.write_text(json.dumps(document))
    result, _, _, failure = run(small_spec, "Message_v1")
    assert not result.success
    assert str(path) in failure_message(failure)
    assert CALLS == {"extract": 0, "open_partition": 0}


def test_an_approved_app_copies_and_all_blocking_checks_pass(small_spec):
    result, events, checks, _ = run(small_spec, "Message_v1")
    assert result.success
    assert {name: check.passed for name, check in checks.items()} == {
        "consented_columns": True,
        "scope_compliance": True,
        "transforms_applied": True,
    }
    metadata = events["Message_v1"].materialization.metadata
    assert metadata["consent/rows_written"].value == metadata["dagster/row_count"].value > 0
    entries = ConsentStore.of(small_spec).audit.entries()
    [commit] = [e for e in entries if e["event"] == "partition_committed"]
    assert commit["dataset"] == "BasicDataSet_v0.Message_v1" and commit["rows"] == metadata["dagster/row_count"].value


def test_spec_grown_beyond_the_grant_keeps_old_columns_and_refuses_the_new_one(small_spec_factory, admin_keys):
    approved = small_spec_factory()  # approved with the demo's Message_v1 columns
    grown = small_spec_factory(
        lambda raw: raw["datasets"][0]["columns"].append("uniqueBody"), approved=False
    )
    assert grown.consent.authorization_path() == approved.consent.authorization_path()
    result, events, _, _ = run(grown, "Message_v1")
    assert result.success
    assert events["Message_v1"].materialization.metadata["consent/refused_columns"].value == ["uniqueBody"]
    table = written(grown, "Message_v1")
    assert "uniqueBody" not in table.column_names and "subject" in table.column_names


def test_a_dataset_added_after_approval_is_refused_by_name(small_spec_factory):
    small_spec_factory(lambda raw: raw["datasets"].pop())  # approved without SharePointPermissions_v1
    grown = small_spec_factory(approved=False)
    result, _, _, failure = run(grown, "SharePointPermissions_v1", partition=DAY)
    assert "consent check 'dataset' refused BasicDataSet_v0.SharePointPermissions_v1" in failure_message(failure)
    assert CALLS == {"extract": 0, "open_partition": 0}


def test_a_scope_outside_the_grant_is_refused_naming_the_group(small_spec_factory):
    small_spec_factory(lambda raw: raw["scopes"].pop("all"))  # approved for sales + engineering only
    grown = small_spec_factory(lambda raw: raw["scopes"].update(legal=[LEGAL_GROUP]), approved=False)
    result, _, _, failure = run(grown, "User_v1", partition=f"{DAY}|legal")
    assert "consent check 'scope' refused BasicDataSet_v0.User_v1" in failure_message(failure)
    assert LEGAL_GROUP in failure_message(failure)
    assert CALLS == {"extract": 0, "open_partition": 0}


def test_an_unrequested_column_from_the_source_is_dropped_and_counted(small_spec):
    resources = {**counting_resources(small_spec), resource_keys(small_spec).source: CountingSource(options=small_spec.source.options, inject_column=True)}
    result, events, checks, _ = run(small_spec, "User_v1", resources=resources)
    assert result.success and all(check.passed for check in checks.values())
    metadata = events["User_v1"].materialization.metadata
    assert metadata["consent/unauthorized_columns_dropped"].value == {"body": metadata["consent/rows_in"].value}
    assert "body" not in written(small_spec, "User_v1").column_names


def test_a_sink_corrupted_after_commit_fails_the_blocking_check_suspends_and_refuses(small_spec):
    downstream_ran = []

    users = asset(small_spec, "User_v1")

    @dg.asset(deps=[users.key], partitions_def=users.partitions_def, backfill_policy=users.backfill_policy)
    def user_features() -> None:
        downstream_ran.append(True)

    resources = {**counting_resources(small_spec), resource_keys(small_spec).sink: CountingSink(path=str(small_spec.sink.resolved_path()), corrupt_after_commit=True)}
    result, _, checks, _ = run(small_spec, "User_v1", resources=resources, extra_assets=[user_features])
    assert not result.success
    assert not checks["consented_columns"].passed
    assert "'body' is not authorized" in json.dumps(checks["consented_columns"].metadata["problems"].value)
    assert downstream_ran == [], "a failed blocking check must stop downstream assets"

    suspension = ConsentStore.of(small_spec).view().suspension
    assert suspension is not None and "consented_columns" in suspension.reason

    CALLS.update(extract=0, open_partition=0)
    _, _, _, failure = run(small_spec, "Message_v1")
    assert "consent check 'not_suspended' refused" in failure_message(failure)
    assert CALLS == {"extract": 0, "open_partition": 0}


def test_a_link_planted_in_a_committed_partition_fails_every_blocking_check_and_is_withdrawn(
    small_spec, tmp_path
):
    """The checks read what was written, not a file a link planted in the partition points to
    (here a clean one, that would pass): every check fails naming the link, the app is
    suspended and the partition withdrawn; the link's target is neither read nor touched."""
    target = tmp_path / "clean.parquet"
    pq.write_table(pa.table({"id": ["felix.baker.sentinel"]}), target)
    content = target.read_bytes()
    sink = CountingSink(path=str(small_spec.sink.resolved_path()), plant_link_to=str(target))
    resources = {**counting_resources(small_spec), resource_keys(small_spec).sink: sink}

    result, events, checks, _ = run(small_spec, "User_v1", resources=resources)

    assert not result.success
    for check in checks.values():
        problems = json.dumps(check.metadata["problems"].value)
        assert not check.passed and "refusing to read through" in problems, check
        assert f"part-99999-0123456789ab.parquet: it really points to {target}" in problems
        assert "sentinel" not in problems
    suspension = ConsentStore.of(small_spec).view().suspension
    assert suspension is not None and "cannot be read back" in suspension.reason
    folder = small_spec.sink.resolved_path() / "BasicDataSet_v0.User_v1" / f"date={DAY}"
    assert not (folder / "scope=all").exists()
    assert target.read_bytes() == content
    # The audit record counts the rows the sink wrote and withdrew, and the planted link apart.
    audit = ConsentStore.of(small_spec).audit.entries()
    [withdrawn] = [entry for entry in audit if entry["event"] == "partition_withdrawn"]
    rows_written = events["User_v1"].materialization.metadata["dagster/row_count"].value
    assert withdrawn["rows"] == rows_written > 0 and withdrawn["planted"] == 1
    assert withdrawn["files"] == 2


def test_hashing_is_stable_across_runs_and_the_check_proves_it(small_spec_factory, monkeypatch):
    monkeypatch.setenv("MGDC_HASH_KEY", "a-test-key-of-at-least-16-bytes")
    app = small_spec_factory(lambda raw: raw["datasets"][0].update(transforms={"sender": "hash", "toRecipients": "hash", "bodyPreview": "drop"}))
    first, events, checks, _ = run(app, "Message_v1")
    assert first.success and checks["transforms_applied"].passed
    table = written(app, "Message_v1")
    assert "bodyPreview" not in table.column_names
    senders = pc.struct_field(pc.struct_field(table.column("sender"), "emailAddress"), "address").to_pylist()
    assert senders and all(is_hash(address) for address in senders)
    assert events["Message_v1"].materialization.metadata["consent/values_hashed"].value["sender"] == table.num_rows

    second, _, _, _ = run(app, "Message_v1")
    assert second.success
    assert written(app, "Message_v1").column("sender").equals(table.column("sender"))


def test_deny_listed_people_are_scrubbed_from_mail(small_spec_factory, admin_keys):
    app = small_spec_factory(approved=False)
    approve(app, admin_keys, deny_group_ids=[LEGAL_GROUP])
    result, events, checks, _ = run(app, "Message_v1")
    assert result.success and all(check.passed for check in checks.values())
    assert events["Message_v1"].materialization.metadata["consent/rows_deny_listed"].value > 0

    tenant = SyntheticTenant(TenantConfig(**app.source.options))
    legal = {u.mail.lower() for u in tenant.members_of(LEGAL_GROUP)} | {u.id for u in tenant.members_of(LEGAL_GROUP)}
    rows = written(app, "Message_v1").to_pylist()
    for row in rows:
        people = {row["puser"]}
        for column in ("sender", "from"):
            if row[column]:
                people.add(row[column]["emailAddress"]["address"].lower())
        for column in ("toRecipients", "ccRecipients", "bccRecipients"):
            people.update(r["emailAddress"]["address"].lower() for r in row[column] or [])
        assert not people & legal


def _without_message_columns(*columns: str):
    def mutate(raw: dict) -> None:
        entry = next(item for item in raw["datasets"] if item["name"] == "Message_v1")
        entry["columns"] = [c for c in entry["columns"] if c not in columns]
    return mutate


def test_a_deny_list_granted_without_every_address_column_is_refused_before_any_io(
    small_spec_factory, admin_keys
):
    """An approval names a deny group, but the grant does not read `from` (signed before
    approvals had to cover every address column, or by other tooling): a message from a
    deny-listed person would be copied, so the copy is refused, not scrubbed on some columns."""
    app = small_spec_factory(_without_message_columns("from"), approved=False)
    approval = decide(registration_for(app), decision="approved", approver=TEST_APPROVER,
                      private_key=admin_keys.private_pem)
    partial = dataclasses.replace(approval, deny_group_ids=(LEGAL_GROUP,))
    write_authorization(app.consent.authorization_path(), partial, admin_keys.private_pem)
    ConsentStore.of(app).record_decision(partial.decided_at)

    result, _, _, failure = run(app, "Message_v1")
    assert not result.success
    message = failure_message(failure)
    assert "consent check 'deny_list' refused BasicDataSet_v0.Message_v1" in message
    assert "(Message_v1: from)" in message
    assert CALLS == {"extract": 0, "open_partition": 0}


def test_address_columns_the_spec_stops_asking_for_are_still_read_to_scrub_and_never_written(
    small_spec_factory, admin_keys
):
    """After the approval the spec drops `from`, `ccRecipients` and `bccRecipients`: the old
    grant keeps working for the rest (update available), and the deny list is still enforced on
    every address column, so exactly the same rows are kept, without the dropped columns."""
    app = small_spec_factory(approved=False)
    approve(app, admin_keys, deny_group_ids=[LEGAL_GROUP])
    assert run(app, "Message_v1")[0].success
    kept_with_every_column = set(written(app, "Message_v1").column("id").to_pylist())

    narrowed = small_spec_factory(
        _without_message_columns("from", "ccRecipients", "bccRecipients"), approved=False
    )
    result, events, checks, _ = run(narrowed, "Message_v1")
    assert result.success and checks and all(check.passed for check in checks.values())
    table = written(narrowed, "Message_v1")
    assert not {"from", "ccRecipients", "bccRecipients"} & set(table.column_names)
    assert set(table.column("id").to_pylist()) == kept_with_every_column
    assert events["Message_v1"].materialization.metadata["consent/refused_columns"].value == []

    # The test has teeth: some copies involve a deny-listed person only through the dropped
    # columns, and they are among the rows removed.
    only_there = _ids_involving_only_through(app, {"from", "ccRecipients", "bccRecipients"})
    assert only_there and not only_there & set(table.column("id").to_pylist())


def _ids_involving_only_through(app, columns: set[str]) -> set[str]:
    """Ids of the day's Message_v1 copies that involve a deny-listed person only in ``columns``
    (not as sender, recipient or mailbox owner)."""
    tenant = SyntheticTenant(TenantConfig(**app.source.options))
    legal = {u.mail.lower() for u in tenant.members_of(LEGAL_GROUP)}
    legal_ids = {u.id for u in tenant.members_of(LEGAL_GROUP)}
    message = get_dataset("Message_v1")
    day = TimeWindow.for_day(dt.date.fromisoformat(DAY))
    request = ExtractRequest(
        message, message.column_names, "receivedDateTime", day, Scope.everyone(), app.app.tenant_id
    )

    def legal_people(row: dict, names: set[str]) -> set[str]:
        values = [row[name] for name in names if row[name]]
        items = [item for v in values for item in (v if isinstance(v, list) else [v])]
        return {item["emailAddress"]["address"].lower() for item in items} & legal

    rows = (row for batch in SyntheticSource(TenantConfig(**app.source.options)).extract(request)
            for row in batch.to_pylist())
    return {
        row["id"] for row in rows
        if legal_people(row, columns)
        and not legal_people(row, {"sender", "toRecipients"}) and row["puser"] not in legal_ids
    }


def test_a_deny_listed_persons_row_in_the_written_data_fails_the_blocking_check(
    small_spec_factory, admin_keys
):
    """The deny list is proven on what was written, not trusted to the enforcer: a committed
    partition that holds a row of a deny-listed mailbox owner fails scope_compliance and
    suspends the app."""
    app = small_spec_factory(approved=False)
    approve(app, admin_keys, deny_group_ids=[LEGAL_GROUP])
    tenant = SyntheticTenant(TenantConfig(**app.source.options))
    member = next(u.id for u in tenant.members_of(LEGAL_GROUP))
    resources = {
        **counting_resources(app),
        resource_keys(app).sink: CountingSink(path=str(app.sink.resolved_path()), add_row_of=member),
    }
    result, _, checks, _ = run(app, "Message_v1", resources=resources)
    assert not result.success and not checks["scope_compliance"].passed
    problems = json.dumps(checks["scope_compliance"].metadata["problems"].value)
    assert "1 row(s) involve a member of the deny list" in problems and member not in problems
    suspension = ConsentStore.of(app).view().suspension
    assert suspension is not None and "scope_compliance" in suspension.reason


def test_a_deny_listed_person_in_a_hashed_column_fails_the_blocking_check(
    small_spec_factory, admin_keys, monkeypatch
):
    """Hashing does not hide a deny-listed person from the check: with `sender` hashed, a clean
    copy passes, and a committed row whose hashed sender is a member's address (the enforcer
    scrubs before hashing, so only a tampered sink or a bug could write one) fails
    scope_compliance, named by column and count, never by the address or its hash."""
    key = "a-test-key-of-at-least-16-bytes"
    monkeypatch.setenv("MGDC_HASH_KEY", key)
    app = small_spec_factory(
        lambda raw: raw["datasets"][0].update(transforms={"sender": "hash"}), approved=False
    )
    approve(app, admin_keys, deny_group_ids=[LEGAL_GROUP])
    clean, _, checks, _ = run(app, "Message_v1")
    assert clean.success and all(check.passed for check in checks.values())

    tenant = SyntheticTenant(TenantConfig(**app.source.options))
    member = next(iter(tenant.members_of(LEGAL_GROUP))).mail.lower()
    digest = hash_value(key.encode(), member, address=True)
    resources = {
        **counting_resources(app),
        resource_keys(app).sink: CountingSink(path=str(app.sink.resolved_path()), add_row_from=digest),
    }
    result, _, checks, _ = run(app, "Message_v1", resources=resources)
    assert not result.success and not checks["scope_compliance"].passed
    problems = json.dumps(checks["scope_compliance"].metadata["problems"].value)
    assert "1 row(s) involve a member of the deny list" in problems and "hashed: sender" in problems
    assert member not in problems and digest not in problems
    suspension = ConsentStore.of(app).view().suspension
    assert suspension is not None and "scope_compliance" in suspension.reason


def withheld_in_status(app) -> list[dict]:
    """What `consent status --json` says is withheld, and its text says the same."""
    from mgdc_pipelines.cli import main
    from mgdc_pipelines.cli_json import WITHHELD_KEYS

    with contextlib.redirect_stdout(io.StringIO()) as printed:
        main(["consent", "status", "--spec", app.spec_path, "--json"])
    withheld = json.loads(printed.getvalue())["withheld"]
    assert all(tuple(entry) == WITHHELD_KEYS for entry in withheld)
    with contextlib.redirect_stdout(io.StringIO()) as printed:
        main(["consent", "status", "--spec", app.spec_path])
    text = " ".join(printed.getvalue().split())
    for entry in withheld:
        assert f"{entry['dataset']} {entry['partition']}, flagged by suspension {entry['suspension'][:12]}" in text
        assert ("withdrawn from the sink" in text) == (entry["withdrawn"] is True)
    return withheld


def first_withdrawal_fails(monkeypatch) -> list[str]:
    """Make the local sink's first withdrawal fail on a storage error; the partition keys of
    every withdrawal tried, in order."""
    real_withdraw, attempts = LocalSink.withdraw, []

    def failing_once(self, partition):
        attempts.append(partition.key)
        if len(attempts) == 1:
            raise OSError(5, "Input/output error")
        return real_withdraw(self, partition)

    monkeypatch.setattr(LocalSink, "withdraw", failing_once)
    return attempts


def test_a_withdrawal_that_failed_is_finished_by_the_next_run(small_spec, monkeypatch):
    """A storage error while withdrawing leaves the flagged partition readable by anyone who
    lists the sink. The next run of the dataset, refused while the app is suspended, withdraws
    it first: flagged data does not stay published until someone notices."""
    attempts = first_withdrawal_fails(monkeypatch)
    sink = CountingSink(path=str(small_spec.sink.resolved_path()), corrupt_after_commit=True)
    resources = {**counting_resources(small_spec), resource_keys(small_spec).sink: sink}
    with scoped_instance(small_spec) as instance:  # one deployment: it witnessed the suspension
        result, events, checks, _ = run(small_spec, "User_v1", resources=resources, instance=instance)
        assert not result.success and not checks["consented_columns"].passed
        assert events["User_v1"].materialization.metadata["consent/withdrawn"].value is False
        folder = small_spec.sink.resolved_path() / "BasicDataSet_v0.User_v1"

        def readable_rows() -> int:
            return pads.dataset(folder, format="parquet", partitioning="hive").count_rows() if folder.exists() else 0

        assert readable_rows() > 0, "the failed withdrawal left the flagged partition readable"
        [withheld] = withheld_in_status(small_spec)
        assert (withheld["dataset"], withheld["partition"], withheld["withdrawn"]) == (
            "BasicDataSet_v0.User_v1", f"{DAY}|all", False)

        _, _, _, failure = run(small_spec, "User_v1", instance=instance)
        assert "consent check 'not_suspended' refused" in failure_message(failure)
        assert readable_rows() == 0 and attempts == [f"{DAY}|all"] * 2
        assert [w["withdrawn"] for w in withheld_in_status(small_spec)] == [True]
        audit = ConsentStore.of(small_spec).audit.entries()
        [withdrawn] = [entry for entry in audit if entry["event"] == "partition_withdrawn"]
        assert withdrawn["rows"] > 0

        run(small_spec, "User_v1", instance=instance)  # withdrawing again removes nothing, and records nothing
        audit = ConsentStore.of(small_spec).audit.entries()
        assert len([entry for entry in audit if entry["event"] == "partition_withdrawn"]) == 1


def test_a_withdrawal_that_finds_the_partition_gone_is_recorded_as_finished(
    small_spec, monkeypatch
):
    """A withdrawal that deleted the files but failed before its record (a storage error, a lost
    pod) leaves the next run nothing to delete: it must still record the partition withdrawn,
    or `consent status` and `consent approve --lift` would wait for it forever."""
    real_withdraw, attempts = LocalSink.withdraw, []

    def deleting_then_failing(self, partition):
        attempts.append(real_withdraw(self, partition))
        if len(attempts) == 1:
            raise OSError(5, "Input/output error")
        return attempts[-1]

    monkeypatch.setattr(LocalSink, "withdraw", deleting_then_failing)
    sink = CountingSink(path=str(small_spec.sink.resolved_path()), corrupt_after_commit=True)
    resources = {**counting_resources(small_spec), resource_keys(small_spec).sink: sink}
    with scoped_instance(small_spec) as instance:
        run(small_spec, "User_v1", resources=resources, instance=instance)
        assert [w["withdrawn"] for w in withheld_in_status(small_spec)] == [False]

        run(small_spec, "User_v1", instance=instance)  # refused; finds nothing left to delete
        run(small_spec, "User_v1", instance=instance)  # and records it once
        assert [w["withdrawn"] for w in withheld_in_status(small_spec)] == [True]

    assert attempts[0] is not None and attempts[1:] == [None, None]
    audit = ConsentStore.of(small_spec).audit.entries()
    [withdrawn] = [entry for entry in audit if entry["event"] == "partition_withdrawn"]
    assert (withdrawn["files"], withdrawn["rows"]) == (0, 0)


def _suspended_with_a_failed_withdrawal(app, monkeypatch, instance) -> str:
    """Suspend ``app`` by a failed check whose withdrawal fails; the suspension's short id."""
    first_withdrawal_fails(monkeypatch)
    sink = CountingSink(path=str(app.sink.resolved_path()), corrupt_after_commit=True)
    resources = {**counting_resources(app), resource_keys(app).sink: sink}
    run(app, "User_v1", resources=resources, instance=instance)
    [suspension] = ConsentStore.of(app).view().suspensions
    return suspension.short_id


def _lift_command(app, keys, folder, suspension: str) -> list[str]:
    from mgdc_pipelines.cli import main

    registration, private = folder / "registration.json", folder / "admin.key"
    main(["consent", "request", "--spec", app.spec_path, "--out", str(registration)])
    private.write_bytes(keys.private_pem)
    return ["consent", "approve", "--registration", str(registration), "--approver", TEST_APPROVER,
            "--key", str(private), "--spec", app.spec_path, "--lift", suspension]


def test_a_suspension_is_lifted_only_once_its_withdrawal_finished(
    small_spec, admin_keys, monkeypatch, tmp_path, capsys
):
    """After the lift no run withdraws again, so a lift while flagged data is still in the sink
    would leave it readable: the admin is told to let a run finish the withdrawal first."""
    from mgdc_pipelines.cli import main

    with scoped_instance(small_spec) as instance:
        lift = _lift_command(small_spec, admin_keys, tmp_path, _suspended_with_a_failed_withdrawal(
            small_spec, monkeypatch, instance))
        capsys.readouterr()

        assert main(lift) == 1
        refused = capsys.readouterr().err
        assert f"not withdrawn from the sink yet (BasicDataSet_v0.User_v1 {DAY}|all)" in refused
        assert ConsentStore.of(small_spec).view().suspensions, "still suspended"
        run(small_spec, "User_v1", instance=instance)  # refused, but it withdraws first
        assert main(lift) == 0
        assert not ConsentStore.of(small_spec).view().suspensions


def test_a_lift_without_the_dagster_instance_takes_no_withdrawal_as_finished(
    small_spec, admin_keys, monkeypatch, tmp_path, capsys
):
    """Without DAGSTER_HOME, nothing tells a withdrawal record a run wrote from one appended by
    hand (the instance witnesses them): every flagged partition counts as not withdrawn."""
    from mgdc_pipelines.cli import main

    with scoped_instance(small_spec) as instance:
        suspension = _suspended_with_a_failed_withdrawal(small_spec, monkeypatch, instance)
    store = ConsentStore.of(small_spec)
    [withheld] = store.withheld()
    store.audit.append("partition_withdrawn", dataset=withheld.dataset, partition=withheld.path)
    lift = _lift_command(small_spec, admin_keys, tmp_path, suspension)
    capsys.readouterr()

    assert main(lift) == 1  # the conftest leaves DAGSTER_HOME unset outside an instance
    refused = capsys.readouterr().err
    assert f"not withdrawn from the sink yet (BasicDataSet_v0.User_v1 {DAY}|all)" in refused
    assert "DAGSTER_HOME" in refused
    assert main([*lift, "--allow-unwithdrawn"]) == 0


def test_status_without_the_dagster_instance_claims_no_withdrawal_and_no_witness(
    small_spec, monkeypatch
):
    """Without DAGSTER_HOME, a withdrawal record appended by hand cannot be told from a run's,
    nor a suspension a run recorded from one appended by hand: `consent status` says so, and its
    JSON claims neither (null), while with the instance it says what the instance witnessed."""
    from mgdc_pipelines.cli import main

    with scoped_instance(small_spec) as instance:
        _suspended_with_a_failed_withdrawal(small_spec, monkeypatch, instance)
    store = ConsentStore.of(small_spec)
    [withheld] = store.withheld()
    store.audit.append("partition_withdrawn", dataset=withheld.dataset, partition=withheld.path)

    assert [w["withdrawn"] for w in withheld_in_status(small_spec)] == [None]
    with contextlib.redirect_stdout(io.StringIO()) as printed:
        main(["consent", "status", "--spec", small_spec.spec_path, "--json"])
    assert json.loads(printed.getvalue())["suspension"]["witnessed"] is None
    with contextlib.redirect_stdout(io.StringIO()) as printed:
        main(["consent", "status", "--spec", small_spec.spec_path])
    text = " ".join(printed.getvalue().split())
    assert "withdrawal recorded, not verified: set DAGSTER_HOME" in text
    assert "Whether the Dagster instance witnessed this suspension" in text
    with scoped_instance(small_spec):  # another instance: it witnessed none of it
        [entry] = withheld_in_status(small_spec)
    assert entry["withdrawn"] is False


def test_a_copy_record_appended_by_hand_releases_no_flagged_partition_with_or_without_the_instance(
    small_spec, admin_keys, monkeypatch, tmp_path, capsys
):
    """A `partition_committed` record appended by hand for a flagged partition that was never
    copied again: the instance did not witness it, so the partition stays withheld; without
    DAGSTER_HOME nothing tells it from a run's copy, so `consent status` still lists it (its
    copy not verified) and `consent approve --lift` still waits for its withdrawal."""
    from mgdc_pipelines.cli import main

    with scoped_instance(small_spec) as instance:
        suspension = _suspended_with_a_failed_withdrawal(small_spec, monkeypatch, instance)
        store = ConsentStore.of(small_spec)
        [withheld] = store.withheld()
        store.audit.append("partition_committed", dataset=withheld.dataset, partition=withheld.path)
        [entry] = withheld_in_status(small_spec)
        assert (entry["withdrawn"], entry["copied_again"]) == (False, False)

    [entry] = withheld_in_status(small_spec)  # the conftest leaves DAGSTER_HOME unset here
    assert entry["partition"] == f"{DAY}|all"
    assert (entry["withdrawn"], entry["copied_again"]) == (False, None)
    with contextlib.redirect_stdout(io.StringIO()) as printed:
        main(["consent", "status", "--spec", small_spec.spec_path])
    text = " ".join(printed.getvalue().split())
    assert "a copy that replaced it is recorded, not verified" in text
    assert "set DAGSTER_HOME" in text

    lift = _lift_command(small_spec, admin_keys, tmp_path, suspension)
    capsys.readouterr()
    assert main(lift) == 1
    refused = capsys.readouterr().err
    assert f"not withdrawn from the sink yet (BasicDataSet_v0.User_v1 {DAY}|all)" in refused
    assert "no withdrawal or copy can be told from a record appended by hand" in refused
    assert main([*lift, "--allow-unwithdrawn"]) == 0
    [entry] = withheld_in_status(small_spec)  # lifted, but not copied again as far as is known
    assert entry["copied_again"] is None


def test_an_admin_may_lift_before_the_withdrawal_finished_by_saying_so(
    small_spec, admin_keys, monkeypatch, tmp_path, capsys
):
    from mgdc_pipelines.cli import main

    with scoped_instance(small_spec) as instance:
        lift = _lift_command(small_spec, admin_keys, tmp_path, _suspended_with_a_failed_withdrawal(
            small_spec, monkeypatch, instance))
        capsys.readouterr()

        assert main([*lift, "--allow-unwithdrawn"]) == 0
        assert "1 flagged partition(s) not withdrawn from the sink" in capsys.readouterr().err
        assert not ConsentStore.of(small_spec).view().suspensions
