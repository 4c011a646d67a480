"""Attacks 2 and 3: lifting a suspension without an admin, and dates trusted as signed.

On main before this suite: changing `consent.state_dir` (not in the fingerprint) or deleting
`<state_dir>/<app>.suspension.json` put a suspended app back to `approved`; an authorization signed
for 3,650 days was honoured; one dated 30 days ahead was accepted and disabled every suspension.
Now approval and suspension are derived from a hash-chained audit log anchored in the Dagster
instance, and dates are bounded by the runtime.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil


from mgdc_pipelines.cli import main
from mgdc_pipelines.consent.authorization import Authorization, decide, write_authorization
from mgdc_pipelines.consent.registration import registration_for
from mgdc_pipelines.consent.store import ConsentStore
from mgdc_pipelines.defs.ledger_anchor import InstanceLedgerAnchor
from mgdc_pipelines_tests.conftest import TEST_APPROVER, approve
from mgdc_pipelines_tests.defs.test_consent_assets import first_withdrawal_fails
from mgdc_pipelines_tests.security.attacker import ALL_SCOPE, copy, deployment, edit_spec, partition_folder, tampering_sink

NOW = dt.datetime.now(dt.timezone.utc)
USERS = "BasicDataSet_v0.User_v1"


def _suspend_by_a_failed_check(app, instance) -> str:
    """A sink that adds an unauthorized column after commit: the blocking check suspends the app."""
    outcome = copy(app, "User_v1", instance, resources=tampering_sink(app))
    assert not outcome.success and outcome.checks["consented_columns"] is False
    [suspension] = ConsentStore.of(app).view().suspensions
    return suspension.id


def _refused_before_io(app, instance, match: str) -> None:
    outcome = copy(app, "Message_v1", instance)
    assert not outcome.success
    assert match in outcome.failure, outcome.failure[-2000:]
    assert not partition_folder(app, "Message_v1").exists(), "nothing was copied"


def test_moving_state_dir_does_not_lift_a_suspension(small_spec, tmp_path):
    with deployment() as instance:
        _suspend_by_a_failed_check(small_spec, instance)
        moved = edit_spec(small_spec, lambda raw: raw["consent"].update(state_dir=str(tmp_path / "fresh-state")))
        _refused_before_io(moved, instance, "the log is missing, but the Dagster instance anchors")
    # Even on an instance that never saw the app, an approved app needs its audit log.
    with deployment() as fresh:
        _refused_before_io(moved, fresh, "no audit log for an approved app")


def test_deleting_every_state_file_but_the_authorization_does_not_lift_it(small_spec):
    with deployment() as instance:
        _suspend_by_a_failed_check(small_spec, instance)
        store = ConsentStore.of(small_spec)
        for path in store.state_dir.iterdir():
            if path != store.authorization_path:
                path.unlink()
        _refused_before_io(small_spec, instance, "the log is missing, but the Dagster instance anchors")


def test_cutting_the_suspension_off_the_log_is_found(small_spec):
    with deployment() as instance:
        _suspend_by_a_failed_check(small_spec, instance)
        log = ConsentStore.of(small_spec).audit
        lines = log.path.read_text().splitlines()
        suspended_at = next(i for i, line in enumerate(lines) if json.loads(line)["event"] == "suspended")
        log.path.write_text("".join(line + "\n" for line in lines[:suspended_at]))
        assert log.verify().seq == suspended_at, "what is left is a valid, shorter chain"
        _refused_before_io(small_spec, instance, "is not the one the Dagster instance anchored")


def test_a_freshly_computed_log_without_the_suspension_is_found(small_spec):
    with deployment() as instance:
        _suspend_by_a_failed_check(small_spec, instance)
        store = ConsentStore.of(small_spec)
        store.audit.path.unlink()
        store.record_decision()  # the attacker rebuilds a valid chain holding just the approval
        assert store.audit.verify().seq == 1
        _refused_before_io(small_spec, instance, "not the one the Dagster instance anchored")


def test_an_edited_suspension_record_breaks_the_chain(small_spec, capsys):
    with deployment() as instance:
        _suspend_by_a_failed_check(small_spec, instance)
        log = ConsentStore.of(small_spec).audit
        log.path.write_text(log.path.read_text().replace('"event": "suspended"', '"event": "noted"'))
        _refused_before_io(small_spec, instance, "is not the one the Dagster instance anchored")
        assert main(["audit", "verify", "--spec", small_spec.spec_path]) == 1
        assert "its content does not match its hash" in capsys.readouterr().err


def test_a_new_approval_lifts_only_the_suspension_it_names(small_spec, admin_keys, tmp_path, capsys):
    with deployment() as instance:
        suspension = _suspend_by_a_failed_check(small_spec, instance)
        approve(small_spec, admin_keys)  # re-approved, naming nothing
        _refused_before_io(small_spec, instance, "consent check 'not_suspended' refused")

        registration = tmp_path / "reg.json"
        main(["consent", "request", "--spec", small_spec.spec_path, "--out", str(registration)])
        private = tmp_path / "admin.key"
        private.write_bytes(admin_keys.private_pem)
        assert main(["consent", "approve", "--registration", str(registration), "--approver", TEST_APPROVER,
                     "--key", str(private), "--spec", small_spec.spec_path, "--lift", suspension[:12]]) == 0
        assert copy(small_spec, "Message_v1", instance).success


def test_an_approval_signed_for_ten_years_lasts_180_days(small_spec_factory, admin_keys):
    app = small_spec_factory(approved=False)
    decided = NOW - dt.timedelta(days=200)
    registration = registration_for(app)
    ten_years = Authorization(registration, "approved", TEST_APPROVER, decided, decided + dt.timedelta(days=3650),
                              (), admin_keys.key_id)  # signed by a trusted admin's (non-standard) tool
    write_authorization(app.consent.authorization_path(), ten_years, admin_keys.private_pem)
    ConsentStore.of(app).record_decision(decided)
    with deployment() as instance:
        outcome = copy(app, "Message_v1", instance)
    assert not outcome.success
    assert f"expired on {(decided + dt.timedelta(days=180)):%Y-%m-%d}" in outcome.failure
    assert not partition_folder(app, "Message_v1").exists()


def test_a_decision_dated_in_the_future_is_refused_and_cannot_outdate_a_suspension(small_spec, admin_keys, capsys):
    with deployment() as instance:
        _suspend_by_a_failed_check(small_spec, instance)
        future = decide(registration_for(small_spec), decision="approved", approver=TEST_APPROVER,
                        private_key=admin_keys.private_pem, now=NOW + dt.timedelta(days=30))
        write_authorization(small_spec.consent.authorization_path(), future, admin_keys.private_pem)
        assert main(["consent", "record", "--spec", small_spec.spec_path]) == 1
        assert "more than 5 minutes after now" in capsys.readouterr().err
        _refused_before_io(small_spec, instance, "more than 5 minutes after now")


def test_an_older_authorization_put_back_after_a_denial_is_refused(small_spec_factory, admin_keys):
    app = small_spec_factory(approved=False)
    approve(app, admin_keys, now=NOW - dt.timedelta(days=2))
    approved_file = app.consent.authorization_path().read_bytes()
    approve(app, admin_keys, decision="denied", now=NOW - dt.timedelta(days=1))
    app.consent.authorization_path().write_bytes(approved_file)  # the attacker kept a copy
    with deployment() as instance:
        _refused_before_io(app, instance, "is older than the decision the audit log holds")


def test_a_log_of_another_app_cannot_stand_in(small_spec_factory, admin_keys, tmp_path):
    victim = small_spec_factory()
    def another_app(raw: dict) -> None:
        raw["app"]["app_id"] = "11111111-2222-3333-4444-555555555555"
        raw["consent"]["state_dir"] = str(tmp_path / "other")

    other = small_spec_factory(another_app)
    shutil.copyfile(ConsentStore.of(other).audit.path, ConsentStore.of(victim).audit.path)
    with deployment() as instance:
        _refused_before_io(victim, instance, "another app's log")


def _last_decision(store: ConsentStore) -> dict:
    return next(r for r in reversed(store.audit.entries()) if r["event"] in ("approved", "denied"))


def _append_decision(store: ConsentStore, **changes) -> None:
    """What anyone who can write the state folder can do: append a well-chained record."""
    chained = ("seq", "at", "event", "prev", "hash")
    decision = {k: v for k, v in _last_decision(store).items() if k not in chained}
    store.audit.append("approved", **{**decision, **changes})


def test_an_appended_record_naming_a_suspension_does_not_lift_it(small_spec):
    """The chain has no key: anyone who can write it can append an `approved` record that
    copies the last decision and names the suspension in `lifts`. Lifts are taken from the
    admin's signature, so the forged record breaks the log instead of lifting anything."""
    with deployment() as instance:
        suspension = _suspend_by_a_failed_check(small_spec, instance)
        store = ConsentStore.of(small_spec)
        _append_decision(store, lifts=[suspension])
        _refused_before_io(small_spec, instance, "the record does not say what its signed authorization says")

        _append_decision(store, lifts=[suspension], signed=None)  # nor can a record without one
        _refused_before_io(small_spec, instance, "broken at record")


def test_an_unsigned_decision_appended_is_refused(small_spec):
    with deployment() as instance:
        store = ConsentStore.of(small_spec)
        chained = ("seq", "at", "event", "prev", "hash", "signed")
        decision = {k: v for k, v in _last_decision(store).items() if k not in chained}
        store.audit.append("approved", **decision)
        _refused_before_io(small_spec, instance, "signed authorization, so nothing proves an admin made it")


def test_an_older_approval_appended_after_a_denial_is_a_replay(small_spec_factory, admin_keys):
    """The admin approved the app (with message bodies), then denied it. The attacker kept the
    approval file, puts it back and appends a record carrying it, signed and chained: the
    decision is older than the denial before it, so the log is broken, not reopened."""
    app = small_spec_factory(approved=False)
    approve(app, admin_keys, now=NOW - dt.timedelta(days=2))
    store = ConsentStore.of(app)
    approval = _last_decision(store)
    approved_file = app.consent.authorization_path().read_bytes()
    approve(app, admin_keys, decision="denied", now=NOW - dt.timedelta(days=1))
    app.consent.authorization_path().write_bytes(approved_file)
    chained = ("seq", "at", "event", "prev", "hash")
    store.audit.append("approved", **{k: v for k, v in approval.items() if k not in chained})
    with deployment() as instance:
        _refused_before_io(app, instance, "an older authorization was appended again (a replay)")


def test_a_commit_record_appended_past_the_runtime_releases_no_withheld_partition(small_spec, monkeypatch, capsys):
    """A withdrawal failed, so the flagged partition's files are still in the sink: it stays
    withheld, and each refused run withdraws it again. The attacker appends a well-chained
    `partition_committed` for it, as if a copy had replaced it, which before released it (no
    retry, and loaders read it after a re-approval). The Dagster instance never witnessed that
    record, so the partition stays withheld, the next run withdraws it, and verify reports it."""
    attempts = first_withdrawal_fails(monkeypatch)
    folder = partition_folder(small_spec, "User_v1")
    with deployment() as instance:
        _suspend_by_a_failed_check(small_spec, instance)
        assert any(folder.rglob("*.parquet")), "the failed withdrawal left the flagged files"
        store = ConsentStore.of(small_spec, anchor=InstanceLedgerAnchor(instance))
        [flagged] = store.withheld_partitions(USERS)
        store.audit.append("partition_committed", dataset=USERS, partition=flagged, rows=1)

        assert list(store.withheld_partitions(USERS)) == [flagged]
        assert not copy(small_spec, "User_v1", instance).success  # refused: suspended ...
        assert len(attempts) == 2 and not any(folder.rglob("*.parquet"))  # ... but withdrawn first

        capsys.readouterr()  # the CLI reads the instance's anchor: DAGSTER_HOME is the instance's
        assert main(["audit", "verify", "--spec", small_spec.spec_path]) == 1
        err = capsys.readouterr().err
        assert "1 record(s) the Dagster instance did not witness" in err


def test_a_suspension_appended_past_the_runtime_stops_the_app_but_deletes_nothing(small_spec, capsys):
    """Anyone who can write `state_dir` can append a well-chained `suspended` record naming a
    partition the app copied. Before, each later run then withdrew it from the sink: the app's
    data deleted by whoever can edit the spec's folder. The Dagster instance never witnessed
    that record, so the app stops (which only keeps data from flowing) but nothing is deleted,
    and status and verify say why."""
    folder = partition_folder(small_spec, "User_v1")
    with deployment() as instance:
        assert copy(small_spec, "User_v1", instance).success
        store = ConsentStore.of(small_spec, anchor=InstanceLedgerAnchor(instance))
        [path] = [chained.record["partition"] for chained in store.audit.records()
                  if chained.record["event"] == "partition_committed"]
        files = sorted(folder.rglob("*.parquet"))
        store.audit.append("suspended", reason="by hand", dataset=USERS, partitions=[ALL_SCOPE],
                           paths=[path], fingerprint="f" * 64)

        outcome = copy(small_spec, "User_v1", instance)

        assert not outcome.success and "suspended" in outcome.failure
        assert files and sorted(folder.rglob("*.parquet")) == files  # nothing withdrawn
        assert "The Dagster instance did not witness this suspension" in outcome.failure
        capsys.readouterr()
        main(["consent", "status", "--spec", small_spec.spec_path])
        status = " ".join(capsys.readouterr().out.split())  # the text is wrapped
        assert "not withdrawn: the Dagster instance did not witness the suspension" in status
        main(["consent", "status", "--spec", small_spec.spec_path, "--json"])
        document = json.loads(capsys.readouterr().out)
        assert document["suspension"]["witnessed"] is False
        assert [w["withdrawn"] for w in document["withheld"]] == [False]
        assert main(["audit", "verify", "--spec", small_spec.spec_path]) == 1
        assert "1 record(s) the Dagster instance did not witness" in capsys.readouterr().err


def test_a_copy_the_runtime_commits_releases_its_partition(small_spec, admin_keys):
    """The witness does not get in the way: after a re-approval, copying the flagged partition
    again releases it (its commit record was witnessed), and verify finds nothing to report."""
    with deployment() as instance:
        suspension = _suspend_by_a_failed_check(small_spec, instance)
        store = ConsentStore.of(small_spec, anchor=InstanceLedgerAnchor(instance))
        assert store.withheld_partitions(USERS)
        approve(small_spec, admin_keys, lifts=[suspension])
        assert copy(small_spec, "User_v1", instance).success
        state = store.ledger.state()
        assert store.withheld_partitions(USERS) == {} and state.unwitnessed == 0
