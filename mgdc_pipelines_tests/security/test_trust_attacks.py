"""Attack 1: the spec's author approves their own app.

On main before this suite, the trust root was whatever key file the spec named: the author ran
`consent keygen`, pointed the spec at the new key, approved their own registration and copied
message bodies with every blocking check passing. The bundled demo key was accepted anywhere.
Now the deployment's operator alone says which admin keys are trusted.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from mgdc_pipelines.cli import main
from mgdc_pipelines.consent.authorization import decide, write_authorization
from mgdc_pipelines.consent.demo import DEMO_PRIVATE_KEY_PATH, ensure_demo_authorization
from mgdc_pipelines.consent.errors import AuthorizationInvalid
from mgdc_pipelines.consent.keys import key_id, load_public_key
from mgdc_pipelines.consent.registration import registration_for
from mgdc_pipelines.consent.status import consent_status
from mgdc_pipelines.consent.trust import DEMO_MODE_ENV, DEMO_MODE_NOTICE, TRUSTED_KEYS_ENV, TrustAnchors, TrustError
from mgdc_pipelines.defs.component import starter_attributes
from mgdc_pipelines.spec import SpecError
from mgdc_pipelines.state import STATE_DATABASE_ENV
from mgdc_pipelines.spec.loader import _parse_cached
from mgdc_pipelines_tests.conftest import approve
from mgdc_pipelines_tests.security.attacker import copy, deployment, edit_spec, partition_folder

ATTACKER = "dev@contoso.example.com"


def _with_bodies(raw: dict) -> None:
    message = next(item for item in raw["datasets"] if item["name"] == "Message_v1")
    message["columns"] = [*message["columns"], "body", "uniqueBody"]


def _attacker_keys(folder: Path) -> tuple[Path, Path]:
    private, public = folder / "me.key", folder / "me.pub"
    assert main(["consent", "keygen", "--out-private", str(private), "--out-public", str(public)]) == 0
    return private, public


def test_self_approval_with_the_authors_own_key_copies_nothing(small_spec_factory, tmp_path, monkeypatch, capsys):
    app = small_spec_factory(_with_bodies, approved=False)
    monkeypatch.chdir(tmp_path)  # the attacker works next to the spec
    private, public = _attacker_keys(tmp_path / "mine")
    mine = key_id(load_public_key(public))
    app = edit_spec(app, lambda raw: raw["consent"].update(admin_key=mine))  # "trust my key"
    assert main(["consent", "request", "--spec", app.spec_path, "--out", str(tmp_path / "reg.json")]) == 0
    capsys.readouterr()

    assert main(["consent", "approve", "--registration", str(tmp_path / "reg.json"), "--approver",
                 "accomplice@contoso.example.com", "--key", str(private), "--spec", app.spec_path]) == 1
    error = capsys.readouterr().err
    assert f"signed with key {mine}, which this deployment does not trust" in error

    with deployment() as instance:
        outcome = copy(app, "Message_v1", instance)
    assert not outcome.success
    assert f"signed with key {mine}, which this deployment does not trust" in outcome.failure
    assert not partition_folder(app, "Message_v1").exists(), "nothing was written"


def test_pointing_the_trust_configuration_at_a_folder_the_author_writes_is_refused(small_spec_factory, tmp_path, monkeypatch):
    app = small_spec_factory(approved=False)
    spec_folder = Path(app.spec_path).parent
    _, public = _attacker_keys(spec_folder / "keys")
    monkeypatch.setenv(TRUSTED_KEYS_ENV, str(public.parent))  # if the author could reach the env
    with pytest.raises(TrustError, match="lies inside .* which the app's developer can write"):
        TrustAnchors.from_environment(spec_dir=spec_folder)
    monkeypatch.chdir(spec_folder)
    with pytest.raises(TrustError, match="which the app's developer can write"):
        TrustAnchors.from_environment()


def test_a_dotenv_file_in_the_working_directory_cannot_configure_trust(small_spec_factory, tmp_path, tmp_path_factory, monkeypatch):
    """Dagster's CLI loads ./.env into the environment: a developer could commit one."""
    app = small_spec_factory()
    outside = tmp_path_factory.mktemp("attacker-elsewhere")
    _, public = _attacker_keys(outside)
    monkeypatch.chdir(tmp_path)
    Path(".env").write_text(
        f"{TRUSTED_KEYS_ENV}={public.parent}\n{DEMO_MODE_ENV}=1\n"
        f"{STATE_DATABASE_ENV}=postgresql://dev@dev-laptop/a-consent-history-of-my-choosing\n"
    )
    with deployment() as instance:
        outcome = copy(app, "User_v1", instance)
    assert not outcome.success
    assert ".env sets MGDC_DEMO_MODE, MGDC_STATE_DATABASE, MGDC_TRUSTED_ADMIN_KEYS" in outcome.failure
    assert not partition_folder(app, "User_v1").exists()


def test_a_trusted_key_file_others_could_replace_is_not_trusted(tmp_path_factory, monkeypatch):
    folder = tmp_path_factory.mktemp("loose")
    _, public = _attacker_keys(folder)
    public.chmod(0o666)
    monkeypatch.setenv(TRUSTED_KEYS_ENV, str(folder))
    with pytest.raises(TrustError, match=r"writable by group or others .*chmod go-w"):
        TrustAnchors.from_environment()
    public.chmod(0o644)
    folder.chmod(0o777)
    with pytest.raises(TrustError, match="writable by group or others"):
        TrustAnchors.from_environment()
    folder.chmod(0o755)
    assert len(TrustAnchors.from_environment().keys) == 1


def test_the_public_demo_key_approves_nothing_outside_demo_mode(small_spec_factory, capsys):
    app = small_spec_factory(_with_bodies, approved=False)
    # The attacker signs with the demo key, whose private half ships with the package.
    authorization = decide(registration_for(app), decision="approved", approver="demo-admin@contoso.example.com",
                           private_key=DEMO_PRIVATE_KEY_PATH.read_bytes())
    write_authorization(app.consent.authorization_path(), authorization, DEMO_PRIVATE_KEY_PATH.read_bytes())
    assert main(["consent", "record", "--spec", app.spec_path]) == 1
    assert "signed with the bundled DEMO key" in capsys.readouterr().err
    assert ensure_demo_authorization(app) is None, "no demo approval outside demo mode"
    with deployment() as instance:
        outcome = copy(app, "Message_v1", instance)
    assert not outcome.success and "which is trusted only in demo mode (MGDC_DEMO_MODE=1" in outcome.failure
    assert not partition_folder(app, "Message_v1").exists()


def test_demo_mode_says_so_in_status_run_log_and_partition_metadata(small_spec_factory, monkeypatch):
    monkeypatch.setenv(DEMO_MODE_ENV, "1")  # what `make demo` and `make ui` set
    app = small_spec_factory(approved=False)
    assert ensure_demo_authorization(app) is not None
    status = consent_status(app)
    assert status.approved and status.trust_note == DEMO_MODE_NOTICE
    with deployment() as instance:
        outcome = copy(app, "User_v1", instance)
        logs = [entry.user_message for entry in instance.all_logs(instance.get_runs()[0].run_id)]
    assert outcome.success
    assert outcome.metadata["User_v1"]["consent/signed_by"].value == DEMO_MODE_NOTICE
    assert any(DEMO_MODE_NOTICE in message for message in logs)


def test_a_spec_can_no_longer_name_a_public_key(small_spec_factory, tmp_path):
    with pytest.raises(SpecError, match="consent.public_key: .*MGDC_TRUSTED_ADMIN_KEYS"):
        small_spec_factory(lambda raw: raw["consent"].update(public_key=str(tmp_path / "mine.pub")), approved=False)


def test_the_scaffolded_starter_app_trusts_no_key():
    consent = starter_attributes()["consent"]
    assert "public_key" not in consent and "admin_key" not in consent
    assert "demo-admin" not in json.dumps(starter_attributes(), default=str)


def test_a_pinned_key_must_be_the_one_that_signed(small_spec_factory, admin_keys, tmp_path_factory, monkeypatch):
    """A spec may pin the key it expects; a second trusted admin key does not satisfy the pin."""
    other_folder = tmp_path_factory.mktemp("second-admin")
    _, other_public = _attacker_keys(other_folder)
    monkeypatch.setenv(TRUSTED_KEYS_ENV, f"{admin_keys.public_path.parent}{os.pathsep}{other_folder}")
    pinned = key_id(load_public_key(other_public))
    app = small_spec_factory(lambda raw: raw["consent"].update(admin_key=pinned), approved=False)
    with pytest.raises(AuthorizationInvalid, match=f"signed with key {admin_keys.key_id}, but the spec expects key {pinned}"):
        approve(app, admin_keys)


def test_the_admins_tools_never_run_the_spec_authors_code(small_spec_factory, admin_keys, tmp_path, monkeypatch):
    """A `downstream:` function is the author's code; importing it in the admin's process (which
    can read the private key) would hand the author the key. Approving never imports it."""
    trap = tmp_path / "trap_package"
    trap.mkdir()
    stolen = tmp_path / "stolen-key"
    (trap / "evil_features.py").write_text(
        f"open({str(stolen)!r}, 'w').write('ran in the admin process')\n"
        "def features(messages):\n    return messages\n"
    )
    monkeypatch.syspath_prepend(str(trap))  # importable, as a module of the code location is
    entry = {"name": "f", "function": "evil_features:features", "inputs": {"messages": "Message_v1"}}
    app = small_spec_factory(lambda raw: raw.update(downstream=[entry]), approved=False)
    assert main(["consent", "request", "--spec", app.spec_path, "--out", str(tmp_path / "reg.json")]) == 0
    # The developer's own tools import it, in the developer's process; the admin's never do.
    # (The admin runs in a process of their own: nothing imported or parsed before.)
    stolen.unlink(missing_ok=True)
    monkeypatch.delitem(sys.modules, "evil_features", raising=False)
    _parse_cached.cache_clear()

    private = tmp_path / "admin.key"
    private.write_bytes(admin_keys.private_pem)
    for command in (["consent", "approve", "--registration", str(tmp_path / "reg.json"), "--approver",
                     "admin@contoso.example.com", "--key", str(private), "--spec", app.spec_path],
                    ["consent", "status", "--spec", app.spec_path],
                    ["audit", "verify", "--spec", app.spec_path]):
        main(command)
        assert not stolen.exists(), command
    assert "evil_features" not in sys.modules


def test_switching_the_hash_key_to_a_variable_the_author_knows_is_refused(small_spec_factory, monkeypatch):
    """Hashes made with a key the author knows are pseudonyms the author can reverse by guessing
    addresses: the grant names where the key comes from, and a spec cannot change it."""
    monkeypatch.setenv("MGDC_HASH_KEY", "the-operator's-secret-key-0123456789")
    monkeypatch.setenv("KNOWN_TO_THE_AUTHOR", "a-value-the-author-chose-0123456789")

    def hash_senders(raw: dict) -> None:
        next(d for d in raw["datasets"] if d["name"] == "Message_v1")["transforms"] = {"sender": "hash"}

    app = small_spec_factory(hash_senders)  # approved: the key comes from $MGDC_HASH_KEY
    switched = edit_spec(app, lambda raw: raw["consent"].update(hash_key_env="KNOWN_TO_THE_AUTHOR"))
    status = consent_status(switched)
    assert "the spec reads the hash key from $KNOWN_TO_THE_AUTHOR, the grant from $MGDC_HASH_KEY" in status.reason
    with deployment() as instance:
        outcome = copy(switched, "Message_v1", instance)
    assert not outcome.success
    assert "consent check 'hash_key' refused BasicDataSet_v0.Message_v1" in outcome.failure
    assert not partition_folder(switched, "Message_v1").exists()
