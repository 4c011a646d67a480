"""Attack: the developer commits a `.env` that replaces the deployment's secrets or instance.

Every Dagster CLI entry point (`dagster dev`, `asset materialize`, the webserver, the daemon, a
code server, a run worker) loads `.env` from its working directory into the environment,
overriding what the operator exported; `dg dev` also loads each project folder's `.env`
(``DAGSTER_PROJECT_ENV_FILE_PATHS``). On main before this suite, a `.env` setting the approved
hash key's variable made the copy hash addresses under a key the developer knows (so they could
reverse them by hashing a directory of guesses), and one setting ``DAGSTER_HOME`` moved the run to
an instance the developer controls, where the audit log has no anchor. Each test sets the
variable in the environment as Dagster's loader would, and the copy must refuse before any I/O.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from mgdc_pipelines.consent.trust import DEPLOYMENT_SETTINGS, TrustAnchors, TrustError
from mgdc_pipelines_tests.security.attacker import copy, deployment, edit_spec, partition_folder

REPO = Path(__file__).resolve().parents[2]
OPERATOR_KEY = "the-operator's-secret-key-0123456789"
DEVELOPER_KEY = "developer-chosen-key-0123456789"


def _hash_senders(hash_key_env: str = "MGDC_HASH_KEY"):
    def mutate(raw: dict) -> None:
        message = next(d for d in raw["datasets"] if d["name"] == "Message_v1")
        message["transforms"] = {"sender": "hash"}
        raw["consent"]["hash_key_env"] = hash_key_env

    return mutate


def _developer_writes(folder: Path, monkeypatch, **variables: str) -> None:
    """The developer's `.env` in ``folder``, and the environment once Dagster loaded it."""
    (folder / ".env").write_text("".join(f"{name}={value}\n" for name, value in variables.items()))
    for name, value in variables.items():
        monkeypatch.setenv(name, value)


@pytest.mark.parametrize("where", ["working directory", "spec folder"])
@pytest.mark.parametrize("hash_key_env", ["MGDC_HASH_KEY", "MGDC_APP_HASH_KEY"])
def test_a_dotenv_setting_the_hash_key_refuses_the_copy_before_any_io(
    small_spec_factory, tmp_path_factory, monkeypatch, where, hash_key_env
):
    monkeypatch.setenv(hash_key_env, OPERATOR_KEY)
    app = small_spec_factory(_hash_senders(hash_key_env))  # approved: the key is $hash_key_env's
    workdir = tmp_path_factory.mktemp("workdir")
    monkeypatch.chdir(workdir)
    folder = workdir if where == "working directory" else Path(app.spec_path).parent
    _developer_writes(folder, monkeypatch, **{hash_key_env: DEVELOPER_KEY})
    with deployment() as instance:
        outcome = copy(app, "Message_v1", instance)
    assert not outcome.success
    assert f"{folder / '.env'} sets {hash_key_env}" in outcome.failure
    assert DEVELOPER_KEY not in outcome.failure and OPERATOR_KEY not in outcome.failure
    assert not partition_folder(app, "Message_v1").exists(), "nothing was written"


def test_a_dotenv_setting_dagster_home_refuses_the_copy(small_spec, tmp_path_factory, monkeypatch):
    """The developer's instance would hold no anchor of the audit log, so a log they cut or
    replaced would verify there."""
    workdir = tmp_path_factory.mktemp("workdir")
    monkeypatch.chdir(workdir)
    _developer_writes(workdir, monkeypatch, DAGSTER_HOME=str(workdir / "my-dagster-home"))
    with deployment() as instance:
        outcome = copy(small_spec, "User_v1", instance)
    assert not outcome.success
    assert f"{workdir / '.env'} sets DAGSTER_HOME" in outcome.failure
    assert not partition_folder(small_spec, "User_v1").exists()


@pytest.mark.parametrize(
    "name", ["MGDC_PG_HOST", "MGDC_PG_PASSWORD", "DAGSTER_PROJECT_ENV_FILE_PATHS"]
)
def test_a_dotenv_cannot_move_the_dagster_instance_or_load_another_dotenv(
    tmp_path, monkeypatch, name
):
    """deploy/production/dagster.yaml reads the instance's PostgreSQL from MGDC_PG_*; the last
    names which further `.env` files Dagster loads."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text(f"{name}=chosen-by-the-developer\n")
    with pytest.raises(TrustError, match=rf"\.env sets {name}"):
        TrustAnchors.from_environment()


def test_every_variable_the_production_instance_configuration_reads_is_refused_in_a_dotenv():
    """Whichever of them a `.env` set would move the instance, and the audit log's anchor."""
    config = (REPO / "deploy" / "production" / "dagster.yaml").read_text()
    read = set(re.findall(r"\{env: (\w+)\}", config))
    assert read and read <= set(DEPLOYMENT_SETTINGS), read - set(DEPLOYMENT_SETTINGS)


def test_the_dotenv_of_a_dg_project_folder_is_checked_too(
    small_spec_factory, tmp_path_factory, monkeypatch
):
    """`dg dev` in a workspace loads each project's `.env` into its code server and runs: that
    folder is neither the working directory nor, in general, the spec's folder."""
    monkeypatch.setenv("MGDC_HASH_KEY", OPERATOR_KEY)
    app = small_spec_factory(_hash_senders())
    project = tmp_path_factory.mktemp("project")
    monkeypatch.chdir(tmp_path_factory.mktemp("workspace"))
    monkeypatch.setenv("DAGSTER_PROJECT_ENV_FILE_PATHS", json.dumps({"my_project": str(project)}))
    _developer_writes(project, monkeypatch, MGDC_HASH_KEY=DEVELOPER_KEY)
    with deployment() as instance:
        outcome = copy(app, "Message_v1", instance)
    assert not outcome.success
    assert f"{project / '.env'} sets MGDC_HASH_KEY" in outcome.failure
    assert DEVELOPER_KEY not in outcome.failure
    assert not partition_folder(app, "Message_v1").exists()


def test_an_unreadable_list_of_project_dotenv_folders_is_refused(tmp_path, monkeypatch):
    """Unread, the `.env` files it names could not be checked."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DAGSTER_PROJECT_ENV_FILE_PATHS", "not json")
    with pytest.raises(TrustError, match="DAGSTER_PROJECT_ENV_FILE_PATHS must be a JSON object"):
        TrustAnchors.from_environment()


def test_a_dotenv_with_unrelated_variables_still_copies(
    small_spec_factory, tmp_path_factory, monkeypatch
):
    """A `.env` may keep the developer's own settings: the source's and the sink's variables, the
    samples folder."""
    monkeypatch.setenv("MGDC_HASH_KEY", OPERATOR_KEY)
    app = small_spec_factory(_hash_senders())
    workdir = tmp_path_factory.mktemp("workdir")
    monkeypatch.chdir(workdir)
    unrelated = {"MGDC_GRAPH_CLIENT_ID": "11111111-2222-3333-4444-555555555555",
                 "MGDC_STORAGE_SAS": "sv=2024-11-04&sig=not-a-real-signature",
                 "MGDC_SAMPLES_DIR": str(workdir / "samples")}
    _developer_writes(workdir, monkeypatch, **unrelated)
    _developer_writes(Path(app.spec_path).parent, monkeypatch, **unrelated)
    with deployment() as instance:
        outcome = copy(app, "Message_v1", instance)
    assert outcome.success, outcome.failure
    assert partition_folder(app, "Message_v1").exists()


def test_renaming_the_hash_key_variable_does_not_let_a_dotenv_set_the_approved_one(
    small_spec_factory, tmp_path_factory, monkeypatch
):
    """The `.env` check protects the variable the spec names; the gate refuses a spec naming
    another than the approved one, so the approved variable's `.env` value is never used."""
    monkeypatch.setenv("MGDC_HASH_KEY", OPERATOR_KEY)
    monkeypatch.setenv("KNOWN_TO_THE_AUTHOR", DEVELOPER_KEY)
    app = small_spec_factory(_hash_senders())
    switched = edit_spec(app, _hash_senders("KNOWN_TO_THE_AUTHOR"))
    workdir = tmp_path_factory.mktemp("workdir")
    monkeypatch.chdir(workdir)
    _developer_writes(workdir, monkeypatch, MGDC_HASH_KEY=DEVELOPER_KEY)
    with deployment() as instance:
        outcome = copy(switched, "Message_v1", instance)
    assert not outcome.success
    assert "consent check 'hash_key' refused BasicDataSet_v0.Message_v1" in outcome.failure
    assert not partition_folder(switched, "Message_v1").exists()
