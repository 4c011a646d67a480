"""The consent workflow from the command line: keygen → request → approve → status → audit.

The admin's key pair lives outside the working directory, and the "deployment" trusts its public
half (``MGDC_TRUSTED_ADMIN_KEYS``), as an operator would configure it.
"""

from __future__ import annotations

import copy
import json
import os
import stat
from pathlib import Path

import pytest

from mgdc_pipelines.cli import main
from mgdc_pipelines_tests.conftest import demo_spec_dict, write_spec
from mgdc_pipelines_tests.consent.helpers import ADMIN, OWNER, SALES_GROUP, add_column


class Workspace:
    """A temp working directory, and an admin key pair from `consent keygen` kept elsewhere."""

    def __init__(self, folder: Path, admin_folder: Path) -> None:
        self.folder = folder
        self.private_key = admin_folder / "admin.key"
        self.public_key = admin_folder / "admin.pub"
        self.authorization = folder / "consent" / "demo.authorization.json"

    @property
    def audit_log(self) -> Path:
        return self.authorization.parent / "demo.audit-chain.jsonl"

    def spec(self, name: str, *mutations) -> str:
        """A demo-spec variant (a new file each time)."""
        raw = copy.deepcopy(demo_spec_dict())
        raw["consent"] = {"authorization": str(self.authorization)}
        for mutate in mutations:
            mutate(raw)
        return str(write_spec(self.folder, raw, name))

    def decide(self, action: str, *extra: str, approver: str = ADMIN) -> int:
        return main(["consent", action, "--registration", "demo.registration.json", "--approver", approver,
                     "--key", str(self.private_key), *extra])


@pytest.fixture
def ws(tmp_path, tmp_path_factory, monkeypatch, capsys) -> Workspace:
    monkeypatch.chdir(tmp_path)
    workspace = Workspace(tmp_path, tmp_path_factory.mktemp("admin-keys"))
    assert main(["consent", "keygen", "--out-private", str(workspace.private_key),
                 "--out-public", str(workspace.public_key)]) == 0
    monkeypatch.setenv("MGDC_TRUSTED_ADMIN_KEYS", str(workspace.public_key))  # the operator's setting
    capsys.readouterr()
    return workspace


def test_keygen_makes_a_private_key_only_its_owner_can_read_and_never_overwrites(ws, capsys):
    assert stat.S_IMODE(ws.private_key.stat().st_mode) == 0o600
    assert b"PUBLIC KEY" in ws.public_key.read_bytes()
    assert main(["consent", "keygen", "--out-private", str(ws.private_key), "--out-public", "other.pub"]) == 1
    err = capsys.readouterr().err
    assert "already exists" in err and str(ws.private_key) in err and "Traceback" not in err
    assert not Path("other.pub").exists()


def test_request_approve_status_and_a_spec_that_grew(ws, capsys):
    spec = ws.spec("app.yaml")
    assert main(["consent", "request", "--spec", spec]) == 0
    out = capsys.readouterr().out
    document = json.loads(Path("demo.registration.json").read_text())
    assert document["fingerprint"] in out and OWNER in out
    assert f"file:{os.path.realpath(ws.folder)}/mgdc_data" in out  # absolute, as signed
    assert "BasicDataSet_v0.Message_v1" in out and "bodyPreview" in out and "the whole organization" in out

    assert ws.decide("approve", "--spec", spec) == 0
    assert f"approved by {ADMIN}" in capsys.readouterr().out
    assert json.loads(ws.authorization.read_text())["payload"]["fingerprint"] == document["fingerprint"]

    assert main(["consent", "status", "--spec", spec]) == 0
    out = capsys.readouterr().out
    assert out.startswith("demo: approved") and document["fingerprint"] in out and "expires" in out

    grown = ws.spec("grown.yaml", add_column("Message_v1", "body"))
    assert main(["consent", "status", "--spec", grown]) == 1
    out = capsys.readouterr().out
    assert out.startswith("demo: update_available")
    assert "Message_v1" in out and "partly authorized — columns not in the grant are refused: body" in out


def test_approval_is_audited_next_to_the_authorization(ws, capsys):
    spec = ws.spec("app.yaml")
    main(["consent", "request", "--spec", spec])
    ws.decide("approve", "--spec", spec, "--deny-group", SALES_GROUP)
    (event,) = [json.loads(line) for line in ws.audit_log.read_text().splitlines()]
    assert event["event"] == "approved" and event["approver"] == ADMIN and event["seq"] == 1
    assert event["deny_group_ids"] == [SALES_GROUP] and "Message_v1" in event["datasets"]
    capsys.readouterr()
    assert main(["audit", "--spec", spec]) == 0
    report = capsys.readouterr().out
    assert "approved" in report and f"approver={ADMIN}" in report
    assert main(["audit", "--spec", spec, "--since", "2999-01-01"]) == 0
    assert capsys.readouterr().out.strip() == "no audit events"
    main(["consent", "status", "--spec", spec])
    assert f"deny list: {SALES_GROUP}" in capsys.readouterr().out


def test_deny(ws, capsys):
    spec = ws.spec("app.yaml")
    main(["consent", "request", "--spec", spec])
    assert ws.decide("deny", "--spec", spec) == 0
    capsys.readouterr()
    assert main(["consent", "status", "--spec", spec]) == 1
    out = capsys.readouterr().out
    assert out.startswith("demo: denied") and f"denied by {ADMIN}" in out
    with pytest.raises(SystemExit):  # a deny list belongs to an approval only
        ws.decide("deny", "--deny-group", SALES_GROUP)


def test_the_owner_cannot_approve(ws, capsys):
    main(["consent", "request", "--spec", ws.spec("app.yaml")])
    capsys.readouterr()
    assert ws.decide("approve", approver=OWNER) == 1
    err = capsys.readouterr().err
    assert "App approver and owner cannot be the same user" in err and "Traceback" not in err
    assert not Path("demo.authorization.json").exists()


def test_a_decision_signed_elsewhere_takes_effect_once_recorded(ws, capsys):
    spec = ws.spec("app.yaml")
    main(["consent", "request", "--spec", spec, "--out", "reg.json"])
    Path("reg.json").rename("demo.registration.json")
    assert ws.decide("approve", "--out", "signed/auth.json") == 0
    assert "consent record --spec SPEC --authorization signed/auth.json" in capsys.readouterr().out
    assert not ws.audit_log.exists()
    assert main(["consent", "record", "--spec", spec, "--authorization", "signed/auth.json"]) == 0
    assert "recorded in" in capsys.readouterr().out
    assert ws.authorization.read_bytes() == Path("signed/auth.json").read_bytes()
    assert main(["consent", "status", "--spec", spec]) == 0
    assert main(["consent", "record", "--spec", spec]) == 0
    assert "already recorded" in capsys.readouterr().out


def test_a_decision_signed_with_an_untrusted_key_is_never_recorded(ws, capsys, tmp_path_factory):
    rogue = tmp_path_factory.mktemp("rogue")
    main(["consent", "keygen", "--out-private", str(rogue / "k"), "--out-public", str(rogue / "k.pub")])
    spec = ws.spec("app.yaml")
    main(["consent", "request", "--spec", spec])
    capsys.readouterr()
    assert main(["consent", "approve", "--registration", "demo.registration.json", "--approver", ADMIN,
                 "--key", str(rogue / "k"), "--spec", spec]) == 1
    err = capsys.readouterr().err
    assert "which this deployment does not trust" in err and "Traceback" not in err
    assert not ws.audit_log.exists()


def test_audit_verify_reports_an_intact_chain_and_names_a_broken_record(ws, capsys):
    spec = ws.spec("app.yaml")
    main(["consent", "request", "--spec", spec])
    ws.decide("approve", "--spec", spec)
    capsys.readouterr()
    assert main(["audit", "verify", "--spec", spec]) == 0
    assert "1 records, chain intact" in capsys.readouterr().out
    ws.audit_log.write_text(ws.audit_log.read_text().replace(ADMIN, "mallory@contoso.example.com"))
    assert main(["audit", "verify", "--spec", spec]) == 1
    err = capsys.readouterr().err
    assert "broken at record 1: its content does not match its hash" in err and "Traceback" not in err


def test_status_and_errors_exit_1_without_a_traceback(ws, capsys):
    spec = ws.spec("app.yaml")
    assert main(["consent", "status", "--spec", spec]) == 1
    assert capsys.readouterr().out.startswith("demo: pending")
    main(["consent", "request", "--spec", spec])
    ws.decide("approve", "--spec", spec)
    ws.authorization.write_text(ws.authorization.read_text().replace(ADMIN, "mallory@contoso.example.com"))
    capsys.readouterr()
    assert main(["consent", "status", "--spec", spec]) == 1
    err = capsys.readouterr().err
    assert f"authorization {ws.authorization} is invalid" in err and "Traceback" not in err
    assert main(["consent", "approve", "--registration", "missing.json", "--approver", ADMIN,
                 "--key", str(ws.private_key)]) == 1
    assert "cannot read registration file missing.json" in capsys.readouterr().err


def test_with_the_deployments_instance_the_cli_anchors_and_verify_checks_the_anchor(ws, capsys, tmp_path_factory, monkeypatch):
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path_factory.mktemp("dagster_home")))
    spec = ws.spec("app.yaml")
    main(["consent", "request", "--spec", spec])
    assert ws.decide("approve", "--spec", spec) == 0
    capsys.readouterr()
    assert main(["audit", "verify", "--spec", spec]) == 0
    assert "matches the Dagster instance's anchor at record 1" in capsys.readouterr().out
    ws.audit_log.unlink()  # deleted: the instance still knows the app had a log
    assert main(["audit", "verify", "--spec", spec]) == 1
    assert "is missing, but the Dagster instance anchors 1 records" in capsys.readouterr().err


def test_status_json_has_the_documented_keys_and_the_same_exit_code(ws, capsys):
    from mgdc_pipelines.cli_json import AUTHORIZATION_KEYS, DATASET_STATUS_KEYS, STATUS_KEYS

    spec = ws.spec("app.yaml")
    assert main(["consent", "status", "--spec", spec, "--json"]) == 1
    pending = json.loads(capsys.readouterr().out)
    assert tuple(pending) == STATUS_KEYS
    assert (pending["state"], pending["approved"], pending["authorization"]) == ("pending", False, None)
    main(["consent", "request", "--spec", spec])
    ws.decide("approve", "--spec", spec, "--deny-group", SALES_GROUP)
    capsys.readouterr()
    assert main(["consent", "status", "--spec", spec, "--json"]) == 0
    approved = json.loads(capsys.readouterr().out)
    assert (approved["app"], approved["state"], approved["approved"]) == ("demo", "approved", True)
    assert tuple(approved["authorization"]) == AUTHORIZATION_KEYS
    assert approved["authorization"]["approver"] == ADMIN and approved["authorization"]["deny_group_ids"] == [SALES_GROUP]
    assert approved["authorization"]["fingerprint"] == approved["spec_fingerprint"]
    assert approved["suspension"] is None
    message = next(d for d in approved["datasets"] if d["dataset"].endswith("Message_v1"))
    assert tuple(message) == DATASET_STATUS_KEYS and message["state"] == "authorized"


def committed(spec: str, partition: str, rows: int) -> None:
    """A `partition_committed` record, as a copy writes it."""
    from mgdc_pipelines.consent.store import ConsentStore
    from mgdc_pipelines.spec import load_spec

    app = load_spec(spec)
    folder = f"BasicDataSet_v0.Message_v1/date={partition}/scope=all"
    ConsentStore.of(app).record(
        "partition_committed", app="demo", dataset="BasicDataSet_v0.Message_v1", partition=folder, rows=rows,
        columns=[f"column_{n}" for n in range(40)], scope="all", scope_groups=["all"],
        destination=f"{app.sink.root_uri()}/{folder}", fingerprint="f" * 64, note="x" * 300,
    )


def test_audit_lines_stay_within_the_width_and_json_has_every_record_whole(ws, capsys):
    from mgdc_pipelines.cli_json import AUDIT_RECORD_KEYS
    from mgdc_pipelines.consent.audit_report import DEFAULT_WIDTH

    spec = ws.spec("app.yaml")
    main(["consent", "request", "--spec", spec])
    ws.decide("approve", "--spec", spec, "--deny-group", SALES_GROUP)
    committed(spec, "2026-11-20", 1234)
    capsys.readouterr()
    assert main(["audit", "--spec", spec]) == 0
    header, _, approved, copied = capsys.readouterr().out.splitlines()
    assert max(map(len, (header, approved, copied))) <= DEFAULT_WIDTH
    assert f"approver={ADMIN}" in approved and "…" in copied  # the 300-character note is cut
    assert "2026-11-20|all" in copied and "1234" in copied and "40: column" in copied

    assert main(["audit", "--spec", spec, "--json"]) == 0
    records = json.loads(capsys.readouterr().out)
    assert [record["event"] for record in records] == ["approved", "partition_committed"]
    assert all(set(AUDIT_RECORD_KEYS) <= set(record) for record in records)
    assert records[1]["note"] == "x" * 300 and len(records[1]["columns"]) == 40
    assert records[0]["deny_group_ids"] == [SALES_GROUP]
    assert main(["audit", "--spec", spec, "--since", "2999-01-01", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []


def test_an_approval_with_a_deny_list_must_cover_every_address_column(ws, capsys):
    """Scrubbing removes rows by every address column (sender, from, recipients; organizer and
    attendees): an admin is told which ones the registration lacks before anything is signed,
    and a column registered as `drop` serves, read for scrubbing and never written."""
    def narrowed(raw: dict) -> None:
        for item in raw["datasets"]:
            if item["name"] in ("Message_v1", "Event_v1"):
                item["columns"] = [c for c in item["columns"] if c not in ("from", "attendees")]

    spec = ws.spec("narrow.yaml", narrowed)
    main(["consent", "request", "--spec", spec])
    capsys.readouterr()
    assert ws.decide("approve", "--spec", spec, "--deny-group", SALES_GROUP) == 1
    error = capsys.readouterr().err
    assert "cannot approve with a deny list" in error
    assert "Event_v1: attendees" in error and "Message_v1: from" in error
    assert not ws.authorization.exists() and not ws.audit_log.exists()
    assert ws.decide("approve", "--spec", spec) == 0  # without a deny list nothing is scrubbed

    def from_read_only(raw: dict) -> None:
        entry = next(item for item in raw["datasets"] if item["name"] == "Message_v1")
        entry["transforms"] = {"from": "drop", "bccRecipients": "drop"}

    spec = ws.spec("drop.yaml", from_read_only)
    main(["consent", "request", "--spec", spec])
    assert ws.decide("approve", "--spec", spec, "--deny-group", SALES_GROUP) == 0
