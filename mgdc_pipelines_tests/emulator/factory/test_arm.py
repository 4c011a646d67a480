"""The ARM side: tokens and audiences, the factory's path, objects as ADF saves them, throttling."""

from __future__ import annotations

from mgdc_pipelines.catalog.graph import GRAPH_SCOPE
from mgdc_pipelines.emulator import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, self_signed_client_certificate
from mgdc_pipelines.emulator.factory import FactoryEmulator
from mgdc_pipelines.sources.graph.tls import trusted_session
from mgdc_pipelines_tests.emulator.factory.arm import (
    API,
    TENANT_ID,
    ArmClient,
    create_mgdc_objects,
    unique_container,
)
from mgdc_pipelines_tests.factory_emulator import factory_config


def error_code(response) -> str:
    return response.json()["error"]["code"]


def test_a_graph_token_is_refused_for_its_audience(factory_emulator):
    graph = ArmClient(factory_emulator, scope=GRAPH_SCOPE)
    response = graph.call("GET", "/pipelines")
    assert (response.status_code, error_code(response)) == (401, "InvalidAuthenticationTokenAudience")
    assert "https://graph.microsoft.com" in response.json()["error"]["message"]


def test_a_certificate_credential_gets_a_management_token(azurite):
    certificate = self_signed_client_certificate(DEMO_CLIENT_ID)
    config = factory_config(azurite, certificates={DEMO_CLIENT_ID: (certificate.cert_pem,)})
    with FactoryEmulator(config) as emulator:
        arm = ArmClient(emulator, client_credential={"private_key": certificate.key_pem,
                                                     "thumbprint": certificate.thumbprint})
        assert arm.call("GET", "/pipelines").json() == {"value": []}


def test_missing_unknown_and_expired_tokens_are_refused(factory_emulator):
    arm = ArmClient(factory_emulator)
    url = f"{factory_emulator.management_url}{factory_emulator.factory_path}/pipelines{API}"
    missing = arm.session.get(url, timeout=10)
    unknown = arm.call("GET", "/pipelines", token="not-a-token")
    factory_emulator.expire_tokens()
    expired = arm.call("GET", "/pipelines")
    assert [(r.status_code, error_code(r)) for r in (missing, unknown, expired)] == [
        (401, "AuthenticationFailed"), (401, "AuthenticationFailed"), (401, "ExpiredAuthenticationToken")]


def test_calls_need_the_adf_api_version(factory_emulator):
    arm = ArmClient(factory_emulator)
    url = f"{factory_emulator.management_url}{factory_emulator.factory_path}/pipelines"
    headers = {"Authorization": f"Bearer {arm.token}"}
    missing = arm.session.get(url, headers=headers, timeout=10)
    wrong = arm.session.get(url + "?api-version=2017-09-01-preview", headers=headers, timeout=10)
    assert [(r.status_code, error_code(r)) for r in (missing, wrong)] == [
        (400, "MissingApiVersionParameter"), (400, "InvalidApiVersionParameter")]


def test_a_token_for_a_resource_the_emulator_does_not_serve_is_refused(factory_emulator):
    session = trusted_session(factory_emulator.ca_pem_path, pool_size=1)
    form = {"grant_type": "client_credentials", "client_id": DEMO_CLIENT_ID, "client_secret": DEMO_CLIENT_SECRET,
            "scope": "https://storage.azure.com/.default"}
    response = session.post(f"{factory_emulator.authority_host}/{TENANT_ID}/oauth2/v2.0/token", data=form, timeout=10)
    assert (response.status_code, response.json()["error"]) == (400, "invalid_scope")
    assert "https://management.azure.com/.default" in response.json()["error_description"]


def test_another_factory_resource_group_or_subscription_is_not_found(factory_emulator):
    arm, emu = ArmClient(factory_emulator), factory_emulator
    others = [
        f"/subscriptions/{emu.subscription_id}/resourceGroups/{emu.resource_group}/providers/"
        "Microsoft.DataFactory/factories/other-factory",
        f"/subscriptions/{emu.subscription_id}/resourceGroups/other-rg/providers/"
        f"Microsoft.DataFactory/factories/{emu.factory_name}",
        f"/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/{emu.resource_group}/providers/"
        f"Microsoft.DataFactory/factories/{emu.factory_name}",
    ]
    responses = [arm.call("GET", "/pipelines", factory_path=path) for path in others]
    assert [(r.status_code, error_code(r)) for r in responses] == [(404, "ResourceNotFound")] * 3


def test_objects_are_saved_read_back_with_secrets_masked_and_listed(factory_emulator):
    arm = ArmClient(factory_emulator)
    pipeline = create_mgdc_objects(arm, unique_container(), "Message_v1", ["id"], "receivedDateTime")

    office = arm.call("GET", "/linkedservices/mgdc_demo_office365").json()
    listed = arm.call("GET", "/pipelines").json()["value"]
    missing = arm.call("GET", "/datasets/mgdc_demo_nothing")

    assert office["type"] == "Microsoft.DataFactory/factories/linkedservices"
    assert office["id"] == f"{factory_emulator.factory_path}/linkedservices/mgdc_demo_office365"
    assert office["properties"]["typeProperties"]["servicePrincipalKey"] == {
        "type": "SecureString", "value": "**********"}
    assert office["etag"]
    assert [p["name"] for p in listed] == [pipeline]
    assert (missing.status_code, error_code(missing)) == (404, "NotFound")
    saved = factory_emulator.objects("linkedservices")["mgdc_demo_office365"]
    assert saved["typeProperties"]["servicePrincipalKey"]["value"] == DEMO_CLIENT_SECRET  # as PUT


def test_references_to_missing_objects_are_bad_requests_naming_them(factory_emulator):
    arm = ArmClient(factory_emulator)
    dataset = arm.put("datasets", "mgdc_demo_Message_v1", {
        "type": "Office365Table", "typeProperties": {"tableName": "BasicDataSet_v0.Message_v1"},
        "linkedServiceName": {"referenceName": "mgdc_demo_office365", "type": "LinkedServiceReference"}})
    pipeline = arm.put("pipelines", "mgdc_demo_Message_v1", {"activities": [{
        "name": "Copy Message_v1", "type": "Copy",
        "inputs": [{"referenceName": "mgdc_demo_Message_v1", "type": "DatasetReference"}], "outputs": []}]})

    assert (dataset.status_code, error_code(dataset)) == (400, "BadRequest")
    assert "'mgdc_demo_office365'" in dataset.json()["error"]["message"]
    assert (pipeline.status_code, error_code(pipeline)) == (400, "BadRequest")
    assert "'mgdc_demo_Message_v1'" in pipeline.json()["error"]["message"]
    assert factory_emulator.objects("datasets") == {} and factory_emulator.objects("pipelines") == {}


def test_a_source_dataset_without_its_table_name_is_a_bad_request(factory_emulator):
    arm = ArmClient(factory_emulator)
    create_mgdc_objects(arm, unique_container(), "Message_v1", ["id"], "receivedDateTime")
    response = arm.put("datasets", "mgdc_demo_User_v1", {"type": "Office365Table", "typeProperties": {},
        "linkedServiceName": {"referenceName": "mgdc_demo_office365", "type": "LinkedServiceReference"}})
    assert (response.status_code, error_code(response)) == (400, "BadRequest")
    assert "tableName" in response.json()["error"]["message"]


def test_create_run_needs_the_pipeline_and_its_required_parameters(factory_emulator):
    arm = ArmClient(factory_emulator)
    pipeline = create_mgdc_objects(arm, unique_container(), "Message_v1", ["id"], "receivedDateTime")

    unknown = arm.call("POST", "/pipelines/mgdc_demo_nothing/createRun", {})
    missing = arm.call("POST", f"/pipelines/{pipeline}/createRun", {"windowStart": "2026-03-09T00:00:00Z"})

    assert (unknown.status_code, error_code(unknown)) == (404, "NotFound")
    assert (missing.status_code, error_code(missing)) == (400, "BadRequest")
    assert "'windowEnd'" in missing.json()["error"]["message"]
    assert factory_emulator.runs() == []


def test_arm_requests_above_the_rate_get_429_with_retry_after(azurite):
    config = factory_config(azurite, arm_requests_per_window=3, window_seconds=600.0, retry_after_seconds=7)
    with FactoryEmulator(config) as emulator:
        arm = ArmClient(emulator)
        statuses = [arm.call("GET", "/pipelines") for _ in range(4)]
    assert [r.status_code for r in statuses] == [200, 200, 200, 429]
    assert statuses[-1].headers["Retry-After"] == "7"
    assert error_code(statuses[-1]) == "TooManyRequests"


def test_the_request_log_records_calls_but_no_secret(factory_emulator):
    arm = ArmClient(factory_emulator)
    create_mgdc_objects(arm, unique_container(), "Message_v1", ["id"], "receivedDateTime")

    recorded = factory_emulator.requests
    assert ("POST", "identity", 200) in {(r.method, r.service, r.status) for r in recorded}
    assert [(r.method, r.path.rsplit("/", 1)[-1], r.status) for r in recorded if r.service == "arm"][:2] == [
        ("PUT", "mgdc_demo_office365", 200), ("PUT", "mgdc_demo_staging", 200)]
    assert DEMO_CLIENT_SECRET not in repr(recorded)


def test_linked_services_take_a_certificate_by_credential_type_and_refuse_one_missing_or_not_base64(
        factory_emulator):
    arm = ArmClient(factory_emulator)
    cert = {"servicePrincipalCredentialType": "ServicePrincipalCert"}
    pfx = {"type": "SecureString", "value": "MIIKcQIBAzCCCjcGCSqGSIb3DQEHAaCCCigEggokMIIKIDCC"}
    office = {"office365TenantId": TENANT_ID, "servicePrincipalTenantId": TENANT_ID,
              "servicePrincipalId": DEMO_CLIENT_ID}
    blob = {"serviceEndpoint": factory_emulator.staging_account_url, "servicePrincipalId": DEMO_CLIENT_ID,
            "tenant": TENANT_ID}

    def put(service_type: str, type_properties: dict):
        return arm.put("linkedservices", "mgdc_demo_try", {"type": service_type, "typeProperties": type_properties})

    accepted = [put("Office365", {**office, **cert, "servicePrincipalEmbeddedCert": pfx}),
                put("AzureBlobStorage", {**blob, **cert, "servicePrincipalCredential": pfx})]
    assert [r.status_code for r in accepted] == [200, 200]
    assert accepted[0].json()["properties"]["typeProperties"]["servicePrincipalEmbeddedCert"]["value"] == "**********"

    refused = {
        "servicePrincipalEmbeddedCert": put("Office365", {**office, **cert}),
        "servicePrincipalKey": put("Office365", office),
        "servicePrincipalCredential": put("AzureBlobStorage", {**blob, **cert, "servicePrincipalKey": pfx}),
        "base64": put("Office365", {**office, **cert, "servicePrincipalEmbeddedCert": {
            "type": "SecureString", "value": "not base64!"}}),
        "ServicePrincipalKey or ServicePrincipalCert": put("Office365", {
            **office, "servicePrincipalCredentialType": "Password", "servicePrincipalKey": pfx}),
    }
    for expected, response in refused.items():
        assert (response.status_code, error_code(response)) == (400, "BadRequest"), expected
        assert expected in response.json()["error"]["message"]
        assert pfx["value"] not in response.text


def test_a_certificate_read_from_key_vault_needs_the_vault_linked_service_to_exist(factory_emulator):
    arm = ArmClient(factory_emulator)
    blob = {"serviceEndpoint": factory_emulator.staging_account_url, "servicePrincipalId": DEMO_CLIENT_ID,
            "tenant": TENANT_ID, "servicePrincipalCredentialType": "ServicePrincipalCert",
            "servicePrincipalCredential": {"type": "AzureKeyVaultSecret", "secretName": "mgdc-certificate", "store": {
                "referenceName": "mgdc_demo_vault", "type": "LinkedServiceReference"}}}

    def put(name: str, service_type: str, type_properties: dict):
        return arm.put("linkedservices", name, {"type": service_type, "typeProperties": type_properties})

    dangling = put("mgdc_demo_try", "AzureBlobStorage", blob)
    assert (dangling.status_code, error_code(dangling)) == (400, "BadRequest")
    assert "'mgdc_demo_vault'" in dangling.json()["error"]["message"]
    no_url = put("mgdc_demo_vault", "AzureKeyVault", {})
    assert no_url.status_code == 400 and "baseUrl" in no_url.json()["error"]["message"]

    assert put("mgdc_demo_vault", "AzureKeyVault", {"baseUrl": "https://contoso-mgdc.vault.azure.net"}).status_code == 200
    stored = put("mgdc_demo_try", "AzureBlobStorage", blob)
    assert stored.status_code == 200
    assert stored.json()["properties"]["typeProperties"]["servicePrincipalCredential"] == blob["servicePrincipalCredential"]
