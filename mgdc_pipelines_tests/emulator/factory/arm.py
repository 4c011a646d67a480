"""A small ARM client for the factory emulator's tests: real MSAL tokens, plain ``requests``.

It creates the objects the MGDC feature creates (adf-contract: linked services, the source and
staging datasets, one pipeline per dataset) and runs pipelines.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Sequence

import msal
import requests
from azure.storage.blob import BlobServiceClient

from mgdc_pipelines.catalog import get_dataset
from mgdc_pipelines.emulator import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET
from mgdc_pipelines.emulator.factory import MANAGEMENT_SCOPE, FactoryEmulator
from mgdc_pipelines.sources.graph.tls import trusted_session

TENANT_ID = "00000000-0000-0000-0000-0000000000aa"
API = "?api-version=2018-06-01"
APP = "demo"


class ArmClient:
    def __init__(self, emulator: FactoryEmulator, scope: str = MANAGEMENT_SCOPE,
                 client_credential: str | dict = DEMO_CLIENT_SECRET) -> None:
        self.emulator = emulator
        # REQUESTS_CA_BUNDLE is set here: trusted_session verifies against the emulator's CA anyway.
        self.session = trusted_session(emulator.ca_pem_path, pool_size=4)
        host = emulator.authority_host
        app = msal.ConfidentialClientApplication(DEMO_CLIENT_ID, client_credential=client_credential,
                                                 authority=f"{host}/{TENANT_ID}", http_client=self.session,
                                                 instance_discovery=f"{host}/common/discovery/instance")
        result = app.acquire_token_for_client(scopes=[scope])
        assert "access_token" in result, result
        self.token = result["access_token"]

    def call(self, method: str, path: str, body: object = None, factory_path: str | None = None,
             token: str | None = None) -> requests.Response:
        url = f"{self.emulator.management_url}{factory_path or self.emulator.factory_path}{path}{API}"
        headers = {"Authorization": f"Bearer {token or self.token}"}
        data = None if body is None else json.dumps(body)
        if data is not None:
            headers["Content-Type"] = "application/json"
        return self.session.request(method, url, data=data, headers=headers, timeout=30)

    def put(self, kind: str, name: str, properties: dict) -> requests.Response:
        return self.call("PUT", f"/{kind}/{name}", {"properties": properties})

    def create_run(self, pipeline: str, parameters: dict) -> str:
        response = self.call("POST", f"/pipelines/{pipeline}/createRun", parameters)
        assert response.status_code == 200, response.text
        return response.json()["runId"]

    def run_status(self, run_id: str) -> dict:
        response = self.call("GET", f"/pipelineruns/{run_id}")
        assert response.status_code == 200, response.text
        return response.json()

    def poll(self, run_id: str, until: Sequence[str] = ("Succeeded", "Failed", "Cancelled"),
             timeout: float = 60.0) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            run = self.run_status(run_id)
            if run["status"] in until or time.monotonic() > deadline:
                return run
            time.sleep(0.05)

    def activities(self, run_id: str) -> list[dict]:
        window = {"lastUpdatedAfter": "2000-01-01T00:00:00Z", "lastUpdatedBefore": "2100-01-01T00:00:00Z"}
        response = self.call("POST", f"/pipelineruns/{run_id}/queryActivityruns", window)
        assert response.status_code == 200, response.text
        return response.json()["value"]


def create_mgdc_objects(client: ArmClient, container: str, short_name: str, columns: Sequence[str],
                        date_filter_column: str | None = None, *, client_id: str = DEMO_CLIENT_ID,
                        staging_client_id: str = DEMO_CLIENT_ID) -> str:
    """The contract's objects for one dataset; the pipeline's name."""
    secret = {"type": "SecureString", "value": DEMO_CLIENT_SECRET}
    account_url = client.emulator.staging_account_url
    puts = [
        ("linkedservices", f"mgdc_{APP}_office365", {"type": "Office365", "typeProperties": {
            "office365TenantId": TENANT_ID, "servicePrincipalTenantId": TENANT_ID,
            "servicePrincipalId": client_id, "servicePrincipalKey": secret}}),
        ("linkedservices", f"mgdc_{APP}_staging", {"type": "AzureBlobStorage", "typeProperties": {
            "serviceEndpoint": account_url, "accountKind": "StorageV2", "servicePrincipalId": staging_client_id,
            "servicePrincipalKey": secret, "tenant": TENANT_ID}}),
        ("datasets", f"mgdc_{APP}_{short_name}", {"type": "Office365Table", "linkedServiceName": {
            "referenceName": f"mgdc_{APP}_office365", "type": "LinkedServiceReference"},
            "typeProperties": {"tableName": get_dataset(short_name).name}}),
        ("datasets", f"mgdc_{APP}_staging", {"type": "Json", "linkedServiceName": {
            "referenceName": f"mgdc_{APP}_staging", "type": "LinkedServiceReference"},
            "parameters": {"folderPath": {"type": "String"}},
            "typeProperties": {"location": {"type": "AzureBlobStorageLocation", "container": container,
                                            "folderPath": {"value": "@dataset().folderPath", "type": "Expression"}}}}),
        ("pipelines", f"mgdc_{APP}_{short_name}", pipeline(short_name, columns, date_filter_column)),
    ]
    for kind, name, properties in puts:
        response = client.put(kind, name, properties)
        assert response.status_code == 200, response.text
    return f"mgdc_{APP}_{short_name}"


def pipeline(short_name: str, columns: Sequence[str], date_filter_column: str | None) -> dict:
    source = {"type": "Office365Source", "startTime": "@pipeline().parameters.windowStart",
              "endTime": "@pipeline().parameters.windowEnd",
              "allowedGroups": {"value": "@pipeline().parameters.allowedGroups", "type": "Expression"},
              "userScopeFilterUri": "@pipeline().parameters.userScopeFilterUri",
              "outputColumns": [{"name": column} for column in columns]}
    if date_filter_column:
        source["dateFilterColumn"] = date_filter_column
    return {
        "parameters": {"windowStart": {"type": "String"}, "windowEnd": {"type": "String"},
                       "allowedGroups": {"type": "Array", "defaultValue": []},
                       "userScopeFilterUri": {"type": "String", "defaultValue": ""},
                       "outputFolder": {"type": "String"}},
        "activities": [{
            "name": f"Copy {short_name}", "type": "Copy",
            "inputs": [{"referenceName": f"mgdc_{APP}_{short_name}", "type": "DatasetReference"}],
            "outputs": [{"referenceName": f"mgdc_{APP}_staging", "type": "DatasetReference",
                         "parameters": {"folderPath": "@pipeline().parameters.outputFolder"}}],
            "typeProperties": {"source": source, "sink": {
                "type": "JsonSink", "storeSettings": {"type": "AzureBlobStorageWriteSettings"},
                "formatSettings": {"type": "JsonWriteSettings", "filePattern": "setOfObjects"}}},
        }],
    }


def unique_container() -> str:
    return f"staging-{uuid.uuid4().hex[:12]}"


def delivered_rows(emulator: FactoryEmulator, container: str, folder: str) -> dict[str, list[dict]]:
    """Blob name → its JSON lines, for every file under ``container/folder/`` (none: ``{}``)."""
    blobs = BlobServiceClient.from_connection_string(emulator.config.storage_connection_string)
    container_client = blobs.get_container_client(container)
    if not container_client.exists():
        return {}
    files = {}
    for blob in container_client.list_blobs(name_starts_with=folder + "/"):
        text = container_client.get_blob_client(blob.name).download_blob().readall().decode()
        files[blob.name] = [json.loads(line) for line in text.splitlines()]
    return files
