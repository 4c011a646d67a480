"""MGDC's app states, computed from the spec, the signed authorization and any suspension."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
from pathlib import Path

import pytest

from mgdc_pipelines.consent.authorization import decide, write_authorization
from mgdc_pipelines.consent.errors import AuthorizationInvalid, ConsentError
from mgdc_pipelines.consent.registration import registration_for
from mgdc_pipelines.consent.status import ConsentState, consent_status
from mgdc_pipelines.consent.store import ConsentStore
from mgdc_pipelines_tests.consent.helpers import (
    ADMIN,
    NOW,
    SALES_GROUP,
    add_column,
    dataset_entry,
    groups_only,
    sign,
)

LATER = NOW + dt.timedelta(days=1)


def _without(name: str):
    def mutate(raw: dict) -> None:
        raw["datasets"].remove(dataset_entry(raw, name))
    return mutate


def _states(status) -> dict[str, str]:
    return {d.dataset.split(".")[-1]: d.state for d in status.datasets}


def test_pending_without_a_consent_block(make_spec):
    status = consent_status(make_spec(lambda raw: raw.pop("consent")), now=LATER)
    assert status.state is ConsentState.PENDING and "no `consent:` block" in status.reason
    assert set(_states(status).values()) == {"refused"}


def test_pending_without_an_authorization_file(make_spec):
    spec = make_spec()
    status = consent_status(spec, now=LATER)
    assert status.state is ConsentState.PENDING and status.authorization is None
    assert str(spec.consent.authorization_path()) in status.reason
    assert status.fingerprint == registration_for(spec).fingerprint


def test_approved_when_the_spec_is_exactly_what_was_signed(make_spec, admin_keys):
    spec = make_spec()
    authorization = sign(spec, admin_keys)
    status = consent_status(spec, now=LATER)
    assert status.state is ConsentState.APPROVED and status.approved
    assert status.fingerprint == authorization.fingerprint and status.authorization == authorization
    assert ADMIN in status.reason and "2027-05-19" in status.reason
    assert set(_states(status).values()) == {"authorized"}


def test_denied(make_spec, admin_keys):
    spec = make_spec()
    sign(spec, admin_keys, decision="denied")
    status = consent_status(spec, now=LATER)
    assert status.state is ConsentState.DENIED and f"denied by {ADMIN}" in status.reason


def test_expired_after_180_days(make_spec, admin_keys):
    spec = make_spec()
    sign(spec, admin_keys)
    assert consent_status(spec, now=NOW + dt.timedelta(days=179)).state is ConsentState.APPROVED
    status = consent_status(spec, now=NOW + dt.timedelta(days=180))
    assert status.state is ConsentState.EXPIRED and "expired on 2027-05-19" in status.reason


def test_a_new_column_is_update_available_and_partly_authorized(make_spec, admin_keys):
    sign(make_spec(), admin_keys)
    status = consent_status(make_spec(add_column("Message_v1", "body")), now=LATER)
    assert status.state is ConsentState.UPDATE_AVAILABLE and not status.approved
    message = next(d for d in status.datasets if d.dataset.endswith("Message_v1"))
    assert (message.state, message.refused_columns) == ("partly authorized", ("body",))
    assert "body" in message.message and "body" in status.reason
    assert {s for name, s in _states(status).items() if name != "Message_v1"} == {"authorized"}
    assert status.fingerprint != status.authorization.fingerprint


def test_a_new_dataset_is_refused_while_the_rest_keeps_working(make_spec, admin_keys):
    sign(make_spec(_without("User_v1")), admin_keys)
    status = consent_status(make_spec(), now=LATER)
    assert status.state is ConsentState.UPDATE_AVAILABLE
    states = _states(status)
    assert states.pop("User_v1") == "refused" and set(states.values()) == {"authorized"}
    assert "User_v1 refused" in status.reason


def test_asking_for_less_is_still_an_update(make_spec, admin_keys):
    sign(make_spec(), admin_keys)
    status = consent_status(make_spec(_without("User_v1")), now=LATER)
    assert status.state is ConsentState.UPDATE_AVAILABLE and "asks for less" in status.reason
    assert set(_states(status).values()) == {"authorized"}


def test_a_moved_sink_refuses_every_dataset(make_spec, admin_keys, tmp_path):
    sign(make_spec(), admin_keys)
    status = consent_status(make_spec(lambda raw: raw["sink"].update(path=str(tmp_path / "elsewhere"))), now=LATER)
    signed = f"file:{os.path.realpath(Path.cwd() / 'mgdc_data')}"  # the demo's {{ cwd }}/mgdc_data
    assert status.state is ConsentState.UPDATE_AVAILABLE and f"outside the authorized {signed}" in status.reason
    assert set(_states(status).values()) == {"refused"}


def test_a_weakened_transform_is_reported_with_the_grants_transform(make_spec, admin_keys):
    def hash_subject(raw: dict) -> None:
        dataset_entry(raw, "Message_v1")["transforms"] = {"subject": "hash"}

    sign(make_spec(hash_subject), admin_keys)
    status = consent_status(make_spec(), now=LATER)
    message = next(d for d in status.datasets if d.dataset.endswith("Message_v1"))
    assert message.state == "authorized" and "subject hash (spec: none)" in message.message


def test_a_scope_beyond_the_granted_groups_is_named(make_spec, admin_keys):
    sign(make_spec(groups_only), admin_keys)
    status = consent_status(make_spec(), now=LATER)
    assert status.state is ConsentState.UPDATE_AVAILABLE and "scope all asks for the whole organization, beyond the grant" in status.reason


def test_suspended_until_an_approval_names_the_suspension(make_spec, admin_keys):
    spec = make_spec()
    authorization = sign(spec, admin_keys)
    store = ConsentStore.of(spec)
    suspension = store.suspend("column body found in written data", dataset="BasicDataSet_v0.Message_v1",
                               partitions=[("2026-11-20|all", "BasicDataSet_v0.Message_v1/date=2026-11-20/scope=all")],
                               fingerprint=authorization.fingerprint, now=NOW + dt.timedelta(hours=1))
    status = consent_status(spec, now=NOW + dt.timedelta(hours=2))
    assert status.state is ConsentState.SUSPENDED and "column body found in written data" in status.reason
    assert status.suspension == suspension and suspension.short_id in status.reason

    sign(spec, admin_keys, now=NOW + dt.timedelta(hours=3))  # a later approval that does not name it
    assert consent_status(spec, now=NOW + dt.timedelta(hours=4)).state is ConsentState.SUSPENDED

    sign(spec, admin_keys, now=NOW + dt.timedelta(hours=5), lifts=(suspension.id,))
    lifted = consent_status(spec, now=NOW + dt.timedelta(hours=6))
    assert lifted.state is ConsentState.APPROVED and lifted.suspension is None
    assert [s.id for s in store.view().suspensions] == []
    withheld = store.withheld_partitions("BasicDataSet_v0.Message_v1")
    assert list(withheld) == ["BasicDataSet_v0.Message_v1/date=2026-11-20/scope=all"], "its data stays out until copied again"


def test_a_decision_dated_before_the_suspension_cannot_lift_it(make_spec, admin_keys):
    """Chain order decides, not clocks: a suspension recorded after the latest decision stays."""
    spec = make_spec()
    authorization = sign(spec, admin_keys, now=NOW)
    ConsentStore.of(spec).suspend("hashed column in clear", dataset="BasicDataSet_v0.User_v1", partitions=[],
                                  fingerprint=authorization.fingerprint, now=NOW - dt.timedelta(days=3))
    assert consent_status(spec, now=LATER).state is ConsentState.SUSPENDED


def test_a_tampered_authorization_raises(make_spec, admin_keys):
    spec = make_spec()
    sign(spec, admin_keys)
    path = spec.consent.authorization_path()
    document = json.loads(path.read_text())
    document["payload"]["approver"] = "mallory@contoso.example.com"
    path.write_text(json.dumps(document))
    with pytest.raises(AuthorizationInvalid, match="edited after signing"):
        consent_status(spec, now=LATER)


def test_an_authorization_for_another_app_is_pending(make_spec, admin_keys, tmp_path):
    other = make_spec(lambda raw: raw["app"].update(app_id="11111111-2222-3333-4444-555555555555"),
                      lambda raw: raw["consent"].update(state_dir=str(tmp_path / "other-state")))
    sign(other, admin_keys)
    status = consent_status(make_spec(), now=LATER)
    assert status.state is ConsentState.PENDING and "11111111-2222-3333-4444-555555555555" in status.reason


def test_another_apps_audit_log_is_refused(make_spec, admin_keys):
    sign(make_spec(lambda raw: raw["app"].update(app_id="11111111-2222-3333-4444-555555555555")), admin_keys)
    with pytest.raises(ConsentError, match="another app's log"):
        consent_status(make_spec(), now=LATER)


def test_a_deny_list_the_grant_cannot_enforce_refuses_its_dataset(make_spec, admin_keys):
    """A grant with a deny list that does not read every address column (signed elsewhere:
    `consent approve` refuses to make one) is refused at run time, and status says why."""
    def without_from(raw: dict) -> None:
        entry = dataset_entry(raw, "Message_v1")
        entry["columns"] = [c for c in entry["columns"] if c != "from"]

    spec = make_spec(without_from)
    approval = decide(registration_for(spec), decision="approved", approver=ADMIN,
                      private_key=admin_keys.private_pem, now=NOW)
    partial = dataclasses.replace(approval, deny_group_ids=(SALES_GROUP,))
    write_authorization(spec.consent.authorization_path(), partial, admin_keys.private_pem)
    ConsentStore.of(spec).record_decision(partial.decided_at)

    status = consent_status(spec, now=LATER)
    message = next(d.message for d in status.datasets if d.dataset.endswith(".Message_v1"))
    assert _states(status)["Message_v1"] == "refused"
    assert "deny list cannot be enforced without from" in message
    assert {name for name, state in _states(status).items() if state != "authorized"} == {"Message_v1"}
    assert status.state is ConsentState.APPROVED and not status.approved  # `consent status` exits 1
    assert "deny list cannot be enforced on Message_v1" in status.reason
