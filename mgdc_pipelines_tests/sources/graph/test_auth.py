"""The real MSAL client-credentials flow against the emulator's identity endpoints, over verified TLS."""

from __future__ import annotations

import logging
import time

import pytest

from mgdc_pipelines.defs.resources import GraphSourceResource
from mgdc_pipelines.emulator import DEMO_CLIENT_SECRET, FaultConfig
from mgdc_pipelines.sources.graph import GraphAuthError
from mgdc_pipelines.sources.graph.auth import TokenProvider
from mgdc_pipelines.sources.graph.tls import trusted_session
from mgdc_pipelines_tests.sources.graph.conftest import TENANT_ID, credentials, request_for, sorted_rows


def token_requests(emu):
    return [r for r in emu.requests if r.service == "identity" and r.path.endswith("/oauth2/v2.0/token")]


def test_msal_gets_a_token_once_and_reuses_it_from_its_cache(emulator):
    tokens = TokenProvider(credentials(emulator), trusted_session(emulator.ca_pem_path, pool_size=2))
    first, second = tokens.token(), tokens.token()
    assert first == second and len(first) > 20
    assert [r.path for r in token_requests(emulator)] == [f"/{TENANT_ID}/oauth2/v2.0/token"]
    assert token_requests(emulator)[0].status == 200


def test_a_token_is_handed_out_again_without_msal_for_at_most_half_its_life(emulator):
    # MSAL renews a token with less than 5 minutes left on every call: a 2-second token shows
    # who answered (one token request each time MSAL is asked).
    emulator.configure(token_lifetime_s=2)
    try:
        tokens = TokenProvider(credentials(emulator), trusted_session(emulator.ca_pem_path, pool_size=2))
        first, again = tokens.token(), tokens.token()
        assert first == again and len(token_requests(emulator)) == 1
        time.sleep(1.2)  # past half of its life
        assert tokens.token() != first and len(token_requests(emulator)) == 2
        renewed = tokens.token()
        assert tokens.refresh(renewed) != renewed  # a rejected token is never handed out again
        assert len(token_requests(emulator)) == 3
    finally:
        emulator.configure(token_lifetime_s=3599)


def test_an_expired_token_is_refreshed_and_the_extraction_completes(emulator, graph, synthetic):
    request = request_for("SentItem_v1")
    expected = sorted_rows(synthetic.extract(request), request.output_schema)
    assert sorted_rows(graph.extract(request), request.output_schema) == expected
    emulator.expire_tokens()
    emulator.clear_requests()
    assert sorted_rows(graph.extract(request), request.output_schema) == expected
    assert [r.status for r in emulator.requests if r.service == "graph"][0] == 401
    assert len(token_requests(emulator)) == 1  # one new token, not one per request
    assert graph.last_stats.token_refreshes >= 1


def test_a_wrong_secret_fails_with_entras_reason_and_never_shows_the_secret(emulator, graph_factory, caplog):
    wrong = "wrong-secret-value-42"
    graph = graph_factory(credentials=credentials(emulator, secret=wrong))
    caplog.set_level(logging.DEBUG)
    with pytest.raises(GraphAuthError, match="invalid_client") as error:
        list(graph.extract(request_for("User_v1")))
    assert "could not get a Graph token for app" in str(error.value)
    for text in (str(error.value), repr(error.value), caplog.text, repr(graph), str(graph.settings)):
        assert wrong not in text


def test_tls_trusts_only_the_configured_ca_whatever_requests_ca_bundle_says(emulator, graph_factory, monkeypatch):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(emulator.ca_pem_path))  # would trust the emulator
    graph = graph_factory(ca_bundle=None)  # the system store: the emulator's CA is not in it
    with pytest.raises(GraphAuthError, match="CERTIFICATE_VERIFY_FAILED"):
        list(graph.extract(request_for("User_v1")))
    assert not token_requests(emulator)


def test_the_secret_never_appears_in_repr_logs_or_errors(emulator, graph, caplog, tmp_path):
    caplog.set_level(logging.DEBUG)
    emulator.configure(faults=FaultConfig(throttle_every=4, malformed_page_every=9, retry_after_s=0.01))
    with pytest.raises(Exception) as error:
        list(graph.extract(request_for("Message_v1")))
    resource = GraphSourceResource(tenant_id=TENANT_ID, client_id="c", client_secret=DEMO_CLIENT_SECRET)
    texts = [
        caplog.text, str(error.value), repr(error.value), repr(graph), repr(graph.settings),
        repr(graph.client.tokens), repr(resource), str(resource), repr(resource.get_source()),
    ]
    assert "throttled" in caplog.text or "HTTP 429" in caplog.text  # the log did record the run
    assert not [text for text in texts if DEMO_CLIENT_SECRET in text]


def test_a_certificate_credential_from_the_spec_resource_gets_tokens_and_rows(tmp_path):
    from mgdc_pipelines.emulator import DEMO_CLIENT_ID, EmulatorConfig, GraphEmulator, self_signed_client_certificate
    from mgdc_pipelines_tests.sources.graph.conftest import TENANT

    certificate = self_signed_client_certificate(DEMO_CLIENT_ID)
    key_file = tmp_path / "app-key.pem"
    key_file.write_text(certificate.key_pem)
    config = EmulatorConfig(tenant=TENANT, clients={}, certificates={DEMO_CLIENT_ID: (certificate.cert_pem,)})
    with GraphEmulator(config) as emu:
        resource = GraphSourceResource(
            tenant_id=TENANT_ID, client_id=DEMO_CLIENT_ID, certificate_thumbprint=certificate.thumbprint,
            certificate_path=str(key_file), authority_host=emu.base_url, graph_url=emu.graph_url,
            ca_bundle=str(emu.ca_pem_path),
        )
        source = resource.get_source()
        assert sum(b.num_rows for b in source.extract(request_for("User_v1"))) > 0
        assert [r.status for r in token_requests(emu)] == [200]
    assert "PRIVATE KEY" not in repr(source) and "certificate" in repr(source)


def test_netrc_credentials_never_replace_the_bearer_token(emulator, graph, monkeypatch, tmp_path):
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login intruder password not-a-token\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))  # requests reads it for every host it matches
    rows = sum(batch.num_rows for batch in graph.extract(request_for("User_v1")))
    assert rows > 0  # every Graph call went out with the bearer token, so none was refused
    assert not [r for r in emulator.requests if r.status == 401]
