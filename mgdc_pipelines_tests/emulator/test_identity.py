"""Entra ID on the emulator: the real MSAL client-credentials flow, and Graph's 401s."""

from __future__ import annotations

import pytest

from mgdc_pipelines.catalog.graph import GRAPH_SCOPE
from mgdc_pipelines.emulator import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, GraphEmulator
from mgdc_pipelines_tests.emulator.conftest import GraphClient, msal_app, trusting_session


@pytest.mark.parametrize("discovery", ["off", "emulator"])
def test_msal_acquires_a_token_that_graph_accepts(emulator: GraphEmulator, discovery: str) -> None:
    instance_discovery = False if discovery == "off" else f"{emulator.base_url}/common/discovery/instance"
    app = msal_app(emulator, DEMO_CLIENT_SECRET, emulator.tenant.directory_id,
                    instance_discovery=instance_discovery)

    result = app.acquire_token_for_client([GRAPH_SCOPE])

    assert result["token_type"] == "Bearer" and result["expires_in"] == emulator.config.token_lifetime_s
    response = trusting_session(emulator).get(
        f"{emulator.graph_url}/users/{emulator.tenant.users[0].id}?$select=id",
        headers={"Authorization": f"Bearer {result['access_token']}"})
    assert response.status_code == 200
    assert response.json()["id"] == emulator.tenant.users[0].id
    token_requests = [r for r in emulator.requests if r.path.endswith("/oauth2/v2.0/token")]
    assert [(r.status, r.client_id) for r in token_requests] == [(200, DEMO_CLIENT_ID)]


def test_msal_reports_a_wrong_secret_as_invalid_client(emulator: GraphEmulator) -> None:
    app = msal_app(emulator, "not-the-secret", emulator.tenant.directory_id, instance_discovery=False)

    result = app.acquire_token_for_client([GRAPH_SCOPE])

    assert result["error"] == "invalid_client"
    assert result["error_description"].startswith("AADSTS7000215")
    assert "not-the-secret" not in str(result) and "access_token" not in result


def test_token_endpoint_rejects_unknown_clients_and_scopes(emulator: GraphEmulator) -> None:
    session = trusting_session(emulator)
    url = f"{emulator.base_url}/contoso.example.com/oauth2/v2.0/token"
    form = {"grant_type": "client_credentials", "client_id": DEMO_CLIENT_ID,
            "client_secret": DEMO_CLIENT_SECRET, "scope": GRAPH_SCOPE}

    unknown = session.post(url, data={**form, "client_id": "someone-else"})
    wrong_scope = session.post(url, data={**form, "scope": "User.Read"})

    assert (unknown.status_code, unknown.json()["error"]) == (400, "unauthorized_client")
    assert (wrong_scope.status_code, wrong_scope.json()["error"]) == (400, "invalid_scope")


def test_graph_answers_401_without_a_valid_token(emulator: GraphEmulator) -> None:
    session = trusting_session(emulator)
    url = f"{emulator.graph_url}/users?$select=id"

    missing = session.get(url)
    forged = session.get(url, headers={"Authorization": "Bearer forged"})

    for response in (missing, forged):
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "InvalidAuthenticationToken"


def test_expired_tokens_get_401_until_a_new_one_is_issued(graph: GraphClient) -> None:
    user = graph.emulator.tenant.users[0].id
    assert graph.get(f"/users/{user}").status_code == 200

    graph.emulator.expire_tokens()
    expired = graph.get(f"/users/{user}")
    graph.token = graph.new_token()
    refreshed = graph.get(f"/users/{user}")

    assert expired.status_code == 401
    assert "expired" in expired.json()["error"]["message"]
    assert refreshed.status_code == 200
