"""Spec loading and validation: good specs load, bad ones say where, what and what is allowed."""

from __future__ import annotations

import copy
import datetime as dt
import subprocess
import sys

import pytest
import yaml

from mgdc_pipelines.spec import DEMO_SPEC_PATH, SpecError, load_spec, parse_spec

DEMO = yaml.safe_load(DEMO_SPEC_PATH.read_text())


def spec_text(mutate=None) -> str:
    raw = copy.deepcopy(DEMO)
    if mutate:
        mutate(raw)
    return yaml.safe_dump(raw, sort_keys=False)


def problems_of(text: str, source: str = "my.yaml") -> list[str]:
    with pytest.raises(SpecError) as caught:
        parse_spec(text, source=source)
    assert caught.value.source == source
    assert source in str(caught.value)
    return [str(problem) for problem in caught.value.problems]


def test_demo_spec_loads_with_every_required_category():
    spec = load_spec(DEMO_SPEC_PATH)
    assert spec.name == "demo"
    categories = {item.dataset.category.value for item in spec.datasets}
    assert {"mail", "calendar", "directory", "groups", "teams", "sharepoint"} <= categories
    assert len(spec.datasets) >= 10
    assert spec.scope_keys == ("all", "sales", "engineering")
    assert spec.scope("all").is_everyone
    assert spec.scope("sales").group_ids == ("3af3fdfe-f047-5c2e-87b2-226f88aba79e",)
    assert spec.partitions.start_date == dt.date(2026, 1, 1)


def test_columns_all_expands_to_catalog_order_and_lists_keep_catalog_order():
    spec = parse_spec(spec_text(lambda raw: raw["datasets"][0].update(columns=["id", "subject"])))
    assert spec.dataset("Message_v1").selected_columns == ("subject", "id")  # catalog order
    user = spec.dataset("BasicDataSet_v0.User_v1")
    assert user.selected_columns == user.dataset.column_names


def test_unknown_column_names_the_field_and_suggests_close_matches():
    problems = problems_of(spec_text(lambda raw: raw["datasets"][0].update(columns=["id", "subjcet"])))
    assert problems == ["datasets[0].columns[1]: Message_v1 has no column 'subjcet'; did you mean 'subject'?"]


def test_metadata_columns_are_not_requested_by_name():
    problems = problems_of(spec_text(lambda raw: raw["datasets"][0].update(columns=["id", "puser"])))
    assert "datasets[0].columns[1]: 'puser' is a metadata column" in problems[0]


def test_unknown_dataset_suggests_the_catalog_name():
    problems = problems_of(spec_text(lambda raw: raw["datasets"][0].update(name="Mesage_v1")))
    assert problems[0].startswith("datasets[0].name: unknown MGDC dataset 'Mesage_v1'; did you mean 'Message_v1'")


def test_range_dataset_needs_a_date_filter_column_from_its_own_list():
    def drop_filter(raw):
        del raw["datasets"][0]["date_filter_column"]

    [missing] = problems_of(spec_text(drop_filter))
    assert missing.startswith("datasets[0].date_filter_column: Message_v1 is filtered by date: choose one of")
    assert "receivedDateTime" in missing

    [wrong] = problems_of(spec_text(lambda raw: raw["datasets"][0].update(date_filter_column="sentDatetime")))
    assert "'sentDatetime' is not a date-filter column of Message_v1; did you mean 'sentDateTime'" in wrong


def test_snapshot_dataset_rejects_a_date_filter_column():
    def add_filter(raw):
        user = next(d for d in raw["datasets"] if d["name"] == "User_v1")
        user["date_filter_column"] = "createdDateTime"

    [problem] = problems_of(spec_text(add_filter))
    assert "User_v1 has no date-filter column (MGDC copies it as a snapshot); remove it" in problem


def test_every_shape_problem_is_reported_at_once():
    def break_two_things(raw):
        raw["app"]["name"] = "Demo App"
        raw["sink"]["compression"] = "lz5"

    problems = problems_of(spec_text(break_two_things))
    assert len(problems) == 2
    assert any(p.startswith("app.name: 'Demo App' is not allowed: use lower-case letters") for p in problems)
    assert any(p.startswith("sink.compression:") and "'zstd'" in p and "lz5" in p for p in problems)


def test_unknown_field_lists_close_allowed_fields():
    [problem] = problems_of(spec_text(lambda raw: raw["app"].update(tenantid="x")))
    assert problem.startswith("app.tenantid: unknown field 'tenantid'; did you mean 'tenant_id'")


def test_group_ids_must_be_guids():
    [problem] = problems_of(spec_text(lambda raw: raw["scopes"].update(sales=["not-a-guid"])))
    assert problem.startswith("scopes.sales[0]: 'not-a-guid' is not allowed: use a GUID")


def test_more_than_ten_groups_per_scope_is_refused():
    def big_scope(raw):
        raw["scopes"]["big"] = [f"00000000-0000-0000-0000-{i:012d}" for i in range(11)]

    [problem] = problems_of(spec_text(big_scope))
    assert problem == "scopes.big: 11 groups; MGDC allows at most 10 per scope"


def test_scope_alias_must_be_a_valid_partition_key():
    [problem] = problems_of(spec_text(lambda raw: raw["scopes"].update({"Sales|EU": "all"})))
    assert problem.startswith("scopes.Sales|EU: 'Sales|EU' is not allowed: use lower-case letters, digits, _ and -")


def test_duplicate_yaml_keys_are_an_error_not_a_silent_overwrite():
    text = spec_text() + "\nscopes:\n  all: all\n"
    [problem] = problems_of(text)
    assert "duplicate key 'scopes'" in problem


def test_duplicate_dataset_is_refused():
    [problem] = problems_of(spec_text(lambda raw: raw["datasets"].append({"name": "User_v1"})))
    assert "User_v1 is already declared at datasets[" in problem


def test_unknown_synthetic_option_suggests_the_right_one():
    [problem] = problems_of(spec_text(lambda raw: raw["source"].update(user=10)))
    assert problem.startswith("source.user: unknown synthetic tenant option; did you mean 'users'")


def test_env_templates_are_substituted_and_unset_ones_name_the_field(monkeypatch):
    monkeypatch.setenv("MGDC_TEST_TENANT", "11111111-2222-3333-4444-555555555555")
    spec = parse_spec(spec_text(lambda raw: raw["app"].update(tenant_id="{{ env.MGDC_TEST_TENANT }}")))
    assert spec.app.tenant_id == "11111111-2222-3333-4444-555555555555"

    monkeypatch.delenv("MGDC_TEST_TENANT")
    [problem] = problems_of(spec_text(lambda raw: raw["app"].update(tenant_id="{{ env.MGDC_TEST_TENANT }}")))
    assert problem == "app.tenant_id: environment variable MGDC_TEST_TENANT is not set"


def test_missing_file_is_a_spec_error(tmp_path):
    with pytest.raises(SpecError, match="cannot read spec file"):
        load_spec(tmp_path / "missing.yaml")


def test_not_a_mapping_is_a_spec_error():
    [problem] = problems_of("- just\n- a list\n")
    assert "must be a YAML mapping" in problem


def run_cli(*args: str, env=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "mgdc_pipelines.cli", *args], capture_output=True, text=True, env=env
    )


def test_validate_command_exits_0_for_a_good_spec_and_1_listing_problems(tmp_path):
    ok = run_cli("validate", "--spec", str(DEMO_SPEC_PATH))
    assert ok.returncode == 0, ok.stderr
    assert "ok — app 'demo'" in ok.stdout

    bad = tmp_path / "bad.yaml"
    bad.write_text(spec_text(lambda raw: raw["datasets"][0].update(columns=["subjcet"])))
    failed = run_cli("validate", "--spec", str(bad))
    assert failed.returncode == 1
    assert str(bad) in failed.stderr
    assert "datasets[0].columns[0]: Message_v1 has no column 'subjcet'; did you mean 'subject'?" in failed.stderr


def test_mgdc_spec_environment_variable_selects_the_spec(tmp_path):
    import os

    other = tmp_path / "other.yaml"
    other.write_text(spec_text(lambda raw: raw["app"].update(name="other_app")))
    result = run_cli("validate", env={**os.environ, "MGDC_SPEC": str(other)})
    assert result.returncode == 0, result.stderr
    assert "app 'other_app'" in result.stdout


@pytest.mark.parametrize("alias", ["../x", "a/b", "..", "sales,eu", "x[0]"])
def test_hostile_scope_aliases_are_rejected(alias):
    [problem] = problems_of(spec_text(lambda raw: raw["scopes"].update({alias: "all"})))
    assert problem.startswith(f"scopes.{alias}: {alias!r} is not allowed")


@pytest.mark.parametrize("name", ["../Message_v1", "BasicDataSet_v0/../User_v1", "Message_v1/"])
def test_hostile_dataset_names_are_rejected(name):
    [problem] = problems_of(spec_text(lambda raw: raw["datasets"][0].update(name=name)))
    assert problem.startswith("datasets[0].name: unknown MGDC dataset")


def test_an_azure_key_credential_must_name_its_environment_variable():
    def azure_sink(raw):
        raw["sink"] = {"type": "azure", "account_url": "https://contosodata.blob.core.windows.net",
                       "container": "mgdc", "credential": {"type": "key"}}

    [problem] = problems_of(spec_text(azure_sink))
    assert problem.startswith("sink.credential.key_env: credential type 'key' needs `key_env`")


def test_transforms_must_name_selected_hashable_columns():
    def bad_transforms(raw):
        raw["datasets"][0]["transforms"] = {"uniqueBody": "drop", "hasAttachments": "hash", "sender": "hash"}

    problems = problems_of(spec_text(bad_transforms))
    assert problems == [
        "datasets[0].transforms.uniqueBody: 'uniqueBody' is not among the dataset's columns; add it to `columns` or remove the transform",
        "datasets[0].transforms.hasAttachments: cannot hash 'hasAttachments' of type BOOLEAN; `hash` applies to strings, lists of strings and email-address structs (or lists of them)",
    ]


def on_mgdc(**credential):
    """The demo's mail on an mgdc source authenticating with ``credential``."""
    def mutate(raw):
        raw["source"] = {"type": "mgdc", "subscription_id": "00000000-0000-0000-0000-00000000a2f0",
                         "resource_group": "rg", "factory": "mgdc-factory", **credential,
                         "staging": {"account_url": "https://contoso.blob.core.windows.net",
                                     "container": "mgdc-staging"}}
        raw["datasets"] = [item for item in raw["datasets"] if item["name"] == "Message_v1"]
        raw.pop("downstream", None)
    return mutate


VAULT = {"url": "https://contoso-mgdc.vault.azure.net", "certificate_secret": "mgdc-certificate"}


def test_an_mgdc_certificate_needs_the_key_vault_secret_the_staging_linked_service_reads_it_from():
    certificate = {"certificate_thumbprint": "AB" * 20, "private_key_env": "MGDC_APP_KEY_AND_CERT"}
    [missing] = problems_of(spec_text(on_mgdc(**certificate)))
    assert missing.startswith("source.key_vault: a certificate credential needs the Key Vault secret")
    assert "takes a certificate only from Azure Key Vault" in missing
    [with_secret] = problems_of(spec_text(on_mgdc(client_secret_env="MGDC_APP_SECRET", key_vault=VAULT)))
    assert with_secret.startswith("source.key_vault: only a certificate credential is read from Key Vault")
    [bad_url] = problems_of(spec_text(on_mgdc(**certificate, key_vault={**VAULT, "url": "https://evil.example.com"})))
    assert "key_vault.url: 'https://evil.example.com' is not allowed" in bad_url
    assert parse_spec(spec_text(on_mgdc(**certificate, key_vault=VAULT))).source.key_vault.certificate_secret == (
        "mgdc-certificate")


def test_an_mgdc_source_authenticates_with_a_certificate_or_a_secret_but_exactly_one():
    certificate = {"certificate_thumbprint": "AB" * 20, "private_key_env": "MGDC_APP_KEY_AND_CERT", "key_vault": VAULT}
    spec = parse_spec(spec_text(on_mgdc(**certificate)))
    assert spec.source.private_key_env == "MGDC_APP_KEY_AND_CERT" and spec.source.client_secret_env is None
    assert parse_spec(spec_text(on_mgdc(client_secret_env="MGDC_APP_SECRET"))).source.client_secret_env

    [both] = problems_of(spec_text(on_mgdc(client_secret_env="MGDC_APP_SECRET", **certificate)))
    assert both.startswith("source: an mgdc source authenticates with exactly one of `client_secret_env`")
    [neither] = problems_of(spec_text(on_mgdc()))
    assert neither.startswith("source: an mgdc source authenticates with exactly one of")
    [unnamed] = problems_of(spec_text(on_mgdc(private_key_env="MGDC_APP_KEY_AND_CERT", key_vault=VAULT)))
    assert unnamed.startswith("source.certificate_thumbprint: a certificate credential needs")
