"""ARM calls against the emulator: MSAL tokens for ARM's scope, throttling, retries, errors that show no secret."""

from __future__ import annotations

import json
import logging
import socket

import pytest
import requests

from mgdc_pipelines.catalog.graph import GRAPH_SCOPE
from mgdc_pipelines.emulator import DEMO_CLIENT_SECRET
from mgdc_pipelines.emulator.factory import MANAGEMENT_SCOPE, FactoryEmulator
from mgdc_pipelines.sources.graph import GraphAuthError, GraphCredentials, RetryPolicy
from mgdc_pipelines.sources.mgdc.arm import ArmClient, ArmError, _error_details
from mgdc_pipelines.sources.mgdc.factory import FactoryClient
from mgdc_pipelines_tests.factory_emulator import factory_config
from mgdc_pipelines_tests.sources.mgdc.factory_clients import (
    FAST_RETRIES,
    TENANT_ID,
    Sleeps,
    arm_client,
    arm_requests,
    demo_objects,
    location,
    token_requests,
)


def test_one_msal_token_for_arms_scope_serves_every_call_with_the_api_version(factory_emulator):
    arm = arm_client(factory_emulator)
    pipelines = f"{factory_emulator.factory_path}/pipelines"
    assert arm.request("GET", pipelines) == {"value": []}
    assert arm.request("GET", pipelines) == {"value": []}
    assert [r.status for r in token_requests(factory_emulator)] == [200]
    calls = arm_requests(factory_emulator)
    assert [(r.method, r.status) for r in calls] == [("GET", 200), ("GET", 200)]
    assert {r.params.get("api-version") for r in calls} == {"2018-06-01"}


def test_the_scope_comes_from_the_management_url_unless_given():
    credentials = GraphCredentials("t", "c", client_secret="x")
    assert ArmClient(credentials, "https://management.chinacloudapi.cn/").tokens.scope == (
        "https://management.chinacloudapi.cn/.default")
    assert ArmClient(credentials).tokens.scope == "https://management.azure.com/.default"


def test_an_expired_token_is_refreshed_once_and_the_call_goes_through(factory_emulator):
    arm = arm_client(factory_emulator)
    path = f"{factory_emulator.factory_path}/pipelines"
    arm.request("GET", path)
    factory_emulator.expire_tokens()
    assert arm.request("GET", path) == {"value": []}
    assert [r.status for r in arm_requests(factory_emulator)] == [200, 401, 200]
    assert len(token_requests(factory_emulator)) == 2


def test_a_token_for_another_audience_fails_with_arms_code_after_one_refresh(factory_emulator):
    arm = arm_client(factory_emulator, scope=GRAPH_SCOPE)  # a Graph token: ARM refuses it
    with pytest.raises(ArmError) as error:
        arm.request("GET", f"{factory_emulator.factory_path}/pipelines")
    assert error.value.status == 401 and error.value.code == "InvalidAuthenticationTokenAudience"
    assert str(error.value).startswith(f"ARM GET {factory_emulator.factory_path}/pipelines answered HTTP 401 "
                                       "InvalidAuthenticationTokenAudience: The access token has been obtained "
                                       "for wrong audience")
    assert [r.status for r in arm_requests(factory_emulator)] == [401, 401]


def test_throttled_calls_wait_retry_after_and_go_through(azurite):
    config = factory_config(azurite, arm_requests_per_window=2, window_seconds=1.0, retry_after_seconds=0.1)
    with FactoryEmulator(config) as emu:
        sleeps = Sleeps()
        arm = arm_client(emu, sleep=sleeps, retry=RetryPolicy(max_attempts=20, base_delay_s=0.01))
        for _ in range(5):
            assert arm.request("GET", f"{emu.factory_path}/pipelines") == {"value": []}
        throttled = [r for r in arm_requests(emu) if r.status == 429]
        assert throttled and len(sleeps) == len(throttled)
        assert set(sleeps) == {0.1}  # Retry-After, not a backoff of our own


def test_throttling_beyond_the_retry_budget_says_it_was_throttled(azurite):
    config = factory_config(azurite, arm_requests_per_window=1, window_seconds=60, retry_after_seconds=0.01)
    with FactoryEmulator(config) as emu:
        arm = arm_client(emu, retry=RetryPolicy(max_attempts=3))
        arm.request("GET", f"{emu.factory_path}/pipelines")
        with pytest.raises(ArmError, match=r"gave up after 3 attempts: throttled \(HTTP 429\) x3") as error:
            arm.request("GET", f"{emu.factory_path}/pipelines")
        assert error.value.code == "RetriesExhausted"
        assert [r.status for r in arm_requests(emu)] == [200, 429, 429, 429]


def test_a_refused_connection_is_retried_with_backoff_then_named(factory_emulator):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sleeps = Sleeps()
    arm = ArmClient(arm_client(factory_emulator).tokens.credentials, f"https://127.0.0.1:{port}",
                    factory_emulator.ca_pem_path, scope="https://management.azure.com/.default",
                    retry=FAST_RETRIES, sleep=sleeps)
    client = FactoryClient(arm, location(factory_emulator))
    # createRun is not idempotent, but a connection that was never made cannot have started a run
    with pytest.raises(ArmError, match=r"gave up after 6 attempts: ConnectionError x6") as error:
        client.create_run("mgdc_demo_Message_v1", {})
    assert error.value.method == "POST" and error.value.path.endswith("/pipelines/mgdc_demo_Message_v1/createRun")
    assert len(sleeps) == 5 and all(0 < s <= FAST_RETRIES.max_delay_s for s in sleeps)


def test_errors_name_the_call_and_arms_words_and_never_the_secret_or_token(factory_emulator, caplog):
    caplog.set_level(logging.DEBUG)
    arm = arm_client(factory_emulator)
    missing = FactoryClient(arm, location(factory_emulator, factory="no-such-factory"))
    office365 = demo_objects(factory_emulator)[0]
    with pytest.raises(ArmError) as error:
        missing.create_or_update(office365.kind, office365.name, office365.payload())
    assert error.value.status == 404 and error.value.code == "ResourceNotFound"
    assert error.value.method == "PUT" and "/factories/no-such-factory/linkedservices/mgdc_demo_office365" in str(
        error.value)
    token = arm.tokens.token()
    texts = [str(error.value), repr(error.value), repr(arm), repr(missing), caplog.text]
    assert not [text for text in texts if DEMO_CLIENT_SECRET in text or token in text]


def test_a_wrong_secret_fails_with_entras_reason_and_never_shows_it(factory_emulator, caplog):
    caplog.set_level(logging.DEBUG)
    wrong = "wrong-secret-value-for-arm-31"
    arm = arm_client(factory_emulator, secret=wrong)
    with pytest.raises(GraphAuthError, match="invalid_client") as error:
        arm.request("GET", f"{factory_emulator.factory_path}/pipelines")
    assert "https://management.azure.com/.default" in str(error.value)
    assert not [text for text in (str(error.value), repr(arm), caplog.text) if wrong in text]
    assert not arm_requests(factory_emulator)


def test_a_certificate_credential_gets_arm_tokens_too(azurite):
    from mgdc_pipelines.emulator import DEMO_CLIENT_ID, self_signed_client_certificate
    from mgdc_pipelines.sources.graph import ClientCertificate

    certificate = self_signed_client_certificate(DEMO_CLIENT_ID)
    config = factory_config(azurite, clients={}, certificates={DEMO_CLIENT_ID: (certificate.cert_pem,)})
    with FactoryEmulator(config) as emu:
        credentials = GraphCredentials(
            TENANT_ID, DEMO_CLIENT_ID, authority_host=emu.authority_host,
            certificate=ClientCertificate(certificate.key_pem, certificate.thumbprint),
        )
        arm = ArmClient(credentials, emu.management_url, emu.ca_pem_path, scope=MANAGEMENT_SCOPE)
        assert arm.request("GET", f"{emu.factory_path}/pipelines") == {"value": []}
        assert [r.status for r in token_requests(emu)] == [200]
    assert "PRIVATE KEY" not in repr(arm)


def test_arms_words_are_shown_without_an_address_they_echo():
    """ARM quotes what a request named (a principal, a resource); an address among it is not
    shown in errors, logs or run metadata."""
    response = requests.Response()
    response.status_code = 400
    response.headers["Content-Type"] = "application/json"
    response._content = json.dumps({"error": {  # what requests reads the body from
        "code": "PrincipalNotFound",
        "message": "Principal ana.lopez@contoso.example does not exist in the directory.",
    }}).encode()
    assert _error_details(response) == (
        "PrincipalNotFound", "Principal <address> does not exist in the directory."
    )
