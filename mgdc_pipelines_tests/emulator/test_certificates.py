"""Certificate credentials on the emulator's Entra ID, driven by the real MSAL client."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator

import pytest
from msal.oauth2cli import JwtAssertionCreator

from mgdc_pipelines.catalog.graph import GRAPH_SCOPE
from mgdc_pipelines.emulator import (
    DEMO_CLIENT_ID,
    DEMO_CLIENT_SECRET,
    EmulatorConfig,
    GraphEmulator,
    self_signed_client_certificate,
)
from mgdc_pipelines.emulator.assertions import JWT_BEARER
from mgdc_pipelines_tests.emulator.conftest import TENANT, msal_app, trusting_session

CERT_ONLY_CLIENT = "0b7c1f3e-2d4a-4c6b-8e9f-000000ce7701"
EXPIRED_CERT_CLIENT = "0b7c1f3e-2d4a-4c6b-8e9f-000000ce7702"
REGISTERED = self_signed_client_certificate(DEMO_CLIENT_ID)
CERT_ONLY = self_signed_client_certificate(CERT_ONLY_CLIENT)
STRANGER = self_signed_client_certificate(DEMO_CLIENT_ID)  # never registered anywhere
EXPIRED_CERT = self_signed_client_certificate(
    EXPIRED_CERT_CLIENT, not_valid_after=dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=1))


@pytest.fixture(scope="module")
def emulator() -> Iterator[GraphEmulator]:
    """The demo client has its secret and a certificate; two more clients have a certificate only."""
    certificates = {DEMO_CLIENT_ID: (REGISTERED.cert_pem,), CERT_ONLY_CLIENT: (CERT_ONLY.cert_pem.encode(),),
                    EXPIRED_CERT_CLIENT: (EXPIRED_CERT.cert_pem,)}
    with GraphEmulator(EmulatorConfig(tenant=TENANT, certificates=certificates)) as running:
        yield running


def _token_endpoint(emulator: GraphEmulator) -> str:
    return f"{emulator.base_url}/{emulator.tenant.directory_id}/oauth2/v2.0/token"


def _acquire(emulator: GraphEmulator, credential: str | dict, client_id: str = DEMO_CLIENT_ID) -> dict:
    app = msal_app(emulator, credential, emulator.tenant.directory_id, client_id, instance_discovery=False)
    return app.acquire_token_for_client([GRAPH_SCOPE])


def _assertion(key_pem: str, thumbprint: str, audience: str, issuer: str = DEMO_CLIENT_ID, **claims) -> str:
    """A client assertion made by MSAL's own signer, with claims MSAL would not choose."""
    signer = JwtAssertionCreator(key_pem, "RS256", sha1_thumbprint=thumbprint)
    return signer.create_normal_assertion(audience=audience, issuer=issuer, **claims).decode()


@pytest.mark.parametrize("credential", [
    pytest.param({"private_key": REGISTERED.key_pem, "thumbprint": REGISTERED.thumbprint},
                 id="sha1-thumbprint-RS256"),
    pytest.param({"private_key": REGISTERED.key_pem, "public_certificate": REGISTERED.cert_pem},
                 id="public-certificate-PS256-x5c"),
])
def test_msal_certificate_credential_gets_a_token_graph_accepts(emulator: GraphEmulator, credential: dict) -> None:
    emulator.clear_requests()

    result = _acquire(emulator, credential)

    assert result.get("token_type") == "Bearer", result.get("error_description")
    user = emulator.tenant.users[0].id
    response = trusting_session(emulator).get(f"{emulator.graph_url}/users/{user}?$select=id",
                                              headers={"Authorization": f"Bearer {result['access_token']}"})
    assert response.status_code == 200 and response.json()["id"] == user
    token_requests = [r for r in emulator.requests if r.path.endswith("/oauth2/v2.0/token")]
    assert [(r.status, r.client_id) for r in token_requests] == [(200, DEMO_CLIENT_ID)]


def test_an_assertion_signed_by_another_key_is_an_invalid_signature(emulator: GraphEmulator) -> None:
    result = _acquire(emulator, {"private_key": STRANGER.key_pem, "thumbprint": REGISTERED.thumbprint})

    assert result["error"] == "invalid_client" and "access_token" not in result
    assert result["error_description"].startswith("AADSTS700027")
    assert "signature value did not match" in result["error_description"]


def test_an_unregistered_certificate_is_a_key_not_found(emulator: GraphEmulator) -> None:
    result = _acquire(emulator, {"private_key": STRANGER.key_pem, "public_certificate": STRANGER.cert_pem})

    assert result["error"] == "invalid_client"
    assert result["error_description"].startswith("AADSTS700027")
    assert "The key was not found" in result["error_description"]


def test_an_expired_assertion_is_refused(emulator: GraphEmulator) -> None:
    an_hour_ago = time.time() - 3600
    expired = _assertion(REGISTERED.key_pem, REGISTERED.thumbprint, _token_endpoint(emulator),
                         expires_at=an_hour_ago, issued_at=an_hour_ago - 600)

    result = _acquire(emulator, {"client_assertion": lambda: expired})

    assert result["error"] == "invalid_client"
    assert result["error_description"].startswith("AADSTS700024")


def test_an_expired_registered_certificate_is_refused(emulator: GraphEmulator) -> None:
    result = _acquire(emulator, {"private_key": EXPIRED_CERT.key_pem, "thumbprint": EXPIRED_CERT.thumbprint},
                      client_id=EXPIRED_CERT_CLIENT)

    assert result["error"] == "invalid_client"
    assert "AADSTS700027" in result["error_description"] and "expired" in result["error_description"]


@pytest.mark.parametrize(("claims", "code"), [
    ({"audience": "https://login.microsoftonline.com/common/oauth2/v2.0/token"}, "AADSTS700023"),
    ({"issuer": CERT_ONLY_CLIENT}, "AADSTS700021"),
    ({"subject": CERT_ONLY_CLIENT}, "AADSTS700021"),
])
def test_token_endpoint_checks_audience_issuer_and_subject(emulator: GraphEmulator, claims: dict,
                                                           code: str) -> None:
    signed = _assertion(REGISTERED.key_pem, REGISTERED.thumbprint,
                        **{"audience": _token_endpoint(emulator), **claims})

    response = trusting_session(emulator).post(_token_endpoint(emulator), data={
        "grant_type": "client_credentials", "client_id": DEMO_CLIENT_ID, "scope": GRAPH_SCOPE,
        "client_assertion_type": JWT_BEARER, "client_assertion": signed})

    assert (response.status_code, response.json()["error"]) == (401, "invalid_client")
    assert response.json()["error_description"].startswith(code)


def test_secrets_and_certificates_are_per_client(emulator: GraphEmulator) -> None:
    cert_only = {"private_key": CERT_ONLY.key_pem, "thumbprint": CERT_ONLY.thumbprint}

    assert "access_token" in _acquire(emulator, DEMO_CLIENT_SECRET)  # a secret still works beside a certificate
    assert "access_token" in _acquire(emulator, cert_only, client_id=CERT_ONLY_CLIENT)
    assert _acquire(emulator, DEMO_CLIENT_SECRET, client_id=CERT_ONLY_CLIENT)["error_codes"] == [7000215]
    # another client's certificate does not prove the demo client
    assert _acquire(emulator, cert_only)["error_codes"] == [700027]


def test_a_malformed_assertion_is_an_invalid_request(emulator: GraphEmulator) -> None:
    result = _acquire(emulator, {"client_assertion": lambda: "not.a-jwt"})

    assert result["error"] == "invalid_request" and result["error_codes"] == [50027]


def test_a_certificate_that_is_not_pem_is_refused_naming_the_client() -> None:
    with pytest.raises(ValueError, match=r"EmulatorConfig.certificates\['some-app'\]: not a PEM X.509"):
        GraphEmulator(EmulatorConfig(certificates={"some-app": (b"-----BEGIN CERTIFICATE-----\njunk\n",)}))
