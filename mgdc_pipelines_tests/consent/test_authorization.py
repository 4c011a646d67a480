"""Signing and verifying the admin's decision: only the trusted public key makes it valid."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from mgdc_pipelines.consent.authorization import (
    APPROVAL_VALIDITY,
    decide,
    read_authorization,
    write_authorization,
)
from mgdc_pipelines.consent.errors import AuthorizationInvalid, ConsentError
from mgdc_pipelines.consent.keys import generate_keypair, key_id, load_private_key, load_public_key
from mgdc_pipelines.consent.registration import registration_for
from mgdc_pipelines_tests.consent.helpers import ADMIN, NOW, OWNER, SALES_GROUP


@pytest.fixture
def registration(make_spec):
    return registration_for(make_spec())


@pytest.fixture
def signed(tmp_path, registration, admin_keys):
    """A written approval and its path."""
    authorization = decide(registration, decision="approved", approver=ADMIN, private_key=admin_keys.private_pem, now=NOW)
    return authorization, write_authorization(tmp_path / "app.authorization.json", authorization, admin_keys.private_pem)


def test_round_trip_with_the_public_key(signed, admin_keys):
    authorization, path = signed
    assert read_authorization(path, admin_keys.public_path) == authorization
    assert authorization.decided_at == NOW and authorization.key_id == key_id(load_public_key(admin_keys.public_path))


def test_the_file_holds_payload_signature_and_key_id_but_no_key_material(signed, admin_keys):
    authorization, path = signed
    document = json.loads(path.read_text())
    assert set(document) == {"payload", "signature", "key_id"}
    assert document["payload"]["fingerprint"] == authorization.fingerprint
    assert document["payload"]["decision"] == "approved"
    assert "PRIVATE" not in path.read_text() and admin_keys.private_pem.decode() not in path.read_text()


def _edit(path, change) -> None:
    document = json.loads(path.read_text())
    change(document)
    path.write_text(json.dumps(document))


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d["payload"]["registration"]["datasets"][0]["columns"].append("body"),
        lambda d: d["payload"].update(expires_at="2099-01-01T00:00:00+00:00"),
        lambda d: d["payload"].update(approver="someone-else@contoso.example.com"),
        lambda d: d["payload"]["registration"]["scope"].update(everyone=False, group_ids=[SALES_GROUP]),
    ],
    ids=["column", "expiry", "approver", "scope"],
)
def test_an_edited_payload_is_invalid(signed, admin_keys, change):
    _, path = signed
    _edit(path, change)
    with pytest.raises(AuthorizationInvalid, match="edited after signing") as error:
        read_authorization(path, admin_keys.public_path)
    assert str(path) in str(error.value)


def test_a_stripped_signature_is_invalid(signed, admin_keys):
    _, path = signed
    _edit(path, lambda d: d.pop("signature"))
    with pytest.raises(AuthorizationInvalid, match="not signed"):
        read_authorization(path, admin_keys.public_path)


def test_a_garbled_signature_is_invalid(signed, admin_keys):
    _, path = signed
    _edit(path, lambda d: d.update(signature="not base64!"))
    with pytest.raises(AuthorizationInvalid, match="not base64"):
        read_authorization(path, admin_keys.public_path)


def test_signed_with_another_key_is_invalid(tmp_path, registration, admin_keys):
    other_private, _ = generate_keypair()
    authorization = decide(registration, decision="approved", approver=ADMIN, private_key=other_private, now=NOW)
    path = write_authorization(tmp_path / "other.json", authorization, other_private)
    with pytest.raises(AuthorizationInvalid, match="which this deployment does not trust") as error:
        read_authorization(path, admin_keys.public_path)
    assert authorization.key_id in str(error.value)
    assert key_id(load_public_key(admin_keys.public_path)) in str(error.value)


def test_another_key_claiming_the_trusted_key_id_is_still_invalid(tmp_path, registration, admin_keys):
    other_private, _ = generate_keypair()
    authorization = decide(registration, decision="approved", approver=ADMIN, private_key=other_private, now=NOW)
    path = write_authorization(tmp_path / "other.json", authorization, other_private)
    _edit(path, lambda d: d.update(key_id=key_id(load_public_key(admin_keys.public_path))))
    with pytest.raises(AuthorizationInvalid, match="signature does not match"):
        read_authorization(path, admin_keys.public_path)


def test_malformed_and_missing_files(tmp_path, admin_keys):
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    with pytest.raises(AuthorizationInvalid, match="not valid JSON") as error:
        read_authorization(broken, admin_keys.public_path)
    assert str(broken) in str(error.value)
    with pytest.raises(FileNotFoundError):
        read_authorization(tmp_path / "missing.json", admin_keys.public_path)


@pytest.mark.parametrize("approver", [OWNER, OWNER.upper()])
def test_the_owner_cannot_approve_their_own_app(registration, admin_keys, approver):
    with pytest.raises(ConsentError, match="App approver and owner cannot be the same user"):
        decide(registration, decision="approved", approver=approver, private_key=admin_keys.private_pem)


def test_the_approver_must_be_an_email(registration, admin_keys):
    with pytest.raises(ConsentError, match="email"):
        decide(registration, decision="approved", approver="admin", private_key=admin_keys.private_pem)


def test_an_approval_expires_exactly_180_days_after_the_decision(signed):
    authorization, _ = signed
    assert authorization.expires_at == NOW + APPROVAL_VALIDITY == NOW + dt.timedelta(days=180)
    assert not authorization.is_expired(NOW + dt.timedelta(days=180) - dt.timedelta(microseconds=1))
    assert authorization.is_expired(NOW + dt.timedelta(days=180))
    with pytest.raises(ValueError, match="timezone-aware"):
        authorization.is_expired(dt.datetime(2026, 11, 20))


def test_deny_list_applies_to_approvals_only_and_takes_group_ids(registration, admin_keys):
    approve = decide(registration, decision="approved", approver=ADMIN, private_key=admin_keys.private_pem,
                     deny_group_ids=(SALES_GROUP.upper(),))
    assert approve.deny_group_ids == (SALES_GROUP,)
    with pytest.raises(ConsentError, match="only applies to an approval"):
        decide(registration, decision="denied", approver=ADMIN, private_key=admin_keys.private_pem,
               deny_group_ids=(SALES_GROUP,))
    with pytest.raises(ConsentError, match=r"\(GUIDs\): sales"):
        decide(registration, decision="approved", approver=ADMIN, private_key=admin_keys.private_pem,
               deny_group_ids=("sales",))


def test_a_denial_round_trips(tmp_path, registration, admin_keys):
    denial = decide(registration, decision="denied", approver=ADMIN, private_key=admin_keys.private_pem, now=NOW)
    path = write_authorization(tmp_path / "denied.json", denial, admin_keys.private_pem)
    assert read_authorization(path, admin_keys.public_path).decision == "denied"


def test_signing_with_a_key_other_than_the_deciding_one_is_refused(tmp_path, signed):
    authorization, _ = signed
    other_private, _ = generate_keypair()
    with pytest.raises(ConsentError, match="signing key"):
        write_authorization(tmp_path / "x.json", authorization, other_private)


def test_key_errors_name_the_file_and_never_the_key(tmp_path, admin_keys):
    with pytest.raises(ConsentError, match="cannot read private key file .*missing.key"):
        load_private_key(tmp_path / "missing.key")
    with pytest.raises(ConsentError, match="is not a PEM private key"):
        load_private_key(admin_keys.public_path)
    with pytest.raises(ConsentError, match="<PEM data> is not a PEM public key") as error:
        load_public_key(admin_keys.private_pem)
    assert "PRIVATE KEY" not in str(error.value)
