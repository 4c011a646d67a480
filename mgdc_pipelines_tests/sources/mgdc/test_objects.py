"""The factory objects one app needs for one dataset, exactly as the ADF contract lists them."""

from __future__ import annotations

import base64
import hashlib
import json

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

from mgdc_pipelines.catalog import get_dataset
from mgdc_pipelines.emulator import self_signed_client_certificate
from mgdc_pipelines.sources.graph.auth import ClientCertificate
from mgdc_pipelines.sources.mgdc.objects import FactoryObject, KeyVaultSecret, factory_objects
from mgdc_pipelines.sources.mgdc.settings import StagingLocation

SECRET = "objects-test-secret-value-7"
STAGING = StagingLocation("https://contosostaging.blob.core.windows.net", "mgdc-staging", "runs")


def objects_for(short_name: str, columns: tuple[str, ...], date_filter: str | None) -> dict[str, FactoryObject]:
    found = factory_objects("demo", "tenant-1", "client-1", SECRET, STAGING, get_dataset(short_name), columns,
                            date_filter)
    return {f"{o.kind}/{o.name}": o for o in found}


def test_linked_services_carry_the_app_and_its_secret_only_in_the_payload():
    objects = objects_for("Message_v1", ("subject",), "receivedDateTime")
    managed = f"Managed by mgdc-pipelines; credential {hashlib.sha256(SECRET.encode()).hexdigest()[:12]}"
    assert objects["linkedservices/mgdc_demo_office365"].payload() == {
        "type": "Office365", "description": managed,
        "typeProperties": {
            "office365TenantId": "tenant-1", "servicePrincipalTenantId": "tenant-1",
            "servicePrincipalId": "client-1",
            "servicePrincipalKey": {"type": "SecureString", "value": SECRET},
        },
    }
    assert objects["linkedservices/mgdc_demo_staging"].payload() == {
        "type": "AzureBlobStorage", "description": managed,
        "typeProperties": {
            "serviceEndpoint": STAGING.account_url, "accountKind": "StorageV2",
            "servicePrincipalId": "client-1",
            "servicePrincipalKey": {"type": "SecureString", "value": SECRET}, "tenant": "tenant-1",
        },
    }
    shown = [repr(objects), str(objects), json.dumps([o.masked() for o in objects.values()])]
    assert not [text for text in shown if SECRET in text]
    assert objects["linkedservices/mgdc_demo_office365"].masked()["typeProperties"]["servicePrincipalKey"] == {
        "type": "SecureString", "value": "**********"}


def test_datasets_name_the_mgdc_table_and_the_parameterised_staging_folder():
    objects = objects_for("Message_v1", ("subject",), "receivedDateTime")
    assert objects["datasets/mgdc_demo_Message_v1"].payload() == {
        "type": "Office365Table",
        "linkedServiceName": {"referenceName": "mgdc_demo_office365", "type": "LinkedServiceReference"},
        "typeProperties": {"tableName": "BasicDataSet_v0.Message_v1"},
    }
    assert objects["datasets/mgdc_demo_staging"].payload() == {
        "type": "Json",
        "linkedServiceName": {"referenceName": "mgdc_demo_staging", "type": "LinkedServiceReference"},
        "parameters": {"folderPath": {"type": "String"}},
        "typeProperties": {"location": {
            "type": "AzureBlobStorageLocation", "container": "mgdc-staging",
            "folderPath": {"value": "@dataset().folderPath", "type": "Expression"},
        }},
    }


def test_the_pipeline_copies_the_columns_in_catalog_order_with_the_contracts_parameters():
    pipeline = objects_for("Message_v1", ("subject", "sentDateTime"), "receivedDateTime")[
        "pipelines/mgdc_demo_Message_v1"].payload()
    assert pipeline["parameters"] == {
        "windowStart": {"type": "String"}, "windowEnd": {"type": "String"},
        "allowedGroups": {"type": "Array", "defaultValue": []},
        "userScopeFilterUri": {"type": "String", "defaultValue": ""},
        "outputFolder": {"type": "String"},
    }
    [copy] = pipeline["activities"]
    assert copy["name"] == "Copy Message_v1" and copy["type"] == "Copy"
    assert copy["inputs"] == [{"referenceName": "mgdc_demo_Message_v1", "type": "DatasetReference"}]
    assert copy["outputs"] == [{"referenceName": "mgdc_demo_staging", "type": "DatasetReference",
                                "parameters": {"folderPath": "@pipeline().parameters.outputFolder"}}]
    assert copy["typeProperties"] == {
        "source": {
            "type": "Office365Source", "dateFilterColumn": "receivedDateTime",
            "startTime": "@pipeline().parameters.windowStart", "endTime": "@pipeline().parameters.windowEnd",
            "allowedGroups": {"value": "@pipeline().parameters.allowedGroups", "type": "Expression"},
            "userScopeFilterUri": "@pipeline().parameters.userScopeFilterUri",
            "outputColumns": [{"name": "sentDateTime"}, {"name": "subject"}],  # the catalog's order
        },
        "sink": {
            "type": "JsonSink", "storeSettings": {"type": "AzureBlobStorageWriteSettings"},
            "formatSettings": {"type": "JsonWriteSettings", "filePattern": "setOfObjects"},
        },
    }


def test_objects_come_in_dependency_order_and_a_dataset_without_date_filter_omits_it():
    objects = objects_for("User_v1", ("id", "displayName"), None)
    assert [key.split("/")[0] for key in objects] == [
        "linkedservices", "linkedservices", "datasets", "datasets", "pipelines"]
    source = objects["pipelines/mgdc_demo_User_v1"].payload()["activities"][0]["typeProperties"]["source"]
    assert "dateFilterColumn" not in source
    assert all(name.split("/")[1].startswith("mgdc_demo_") for name in objects)


@pytest.mark.parametrize(("columns", "date_filter", "problem"), [
    (("subject", "noSuchColumn"), "receivedDateTime", "has no column(s) noSuchColumn"),
    ((), "receivedDateTime", "no columns to copy"),
    (("subject",), "ReceivedDateTime", "'ReceivedDateTime' is not a date-filter column"),
])
def test_a_column_or_date_filter_the_catalog_does_not_know_is_refused_by_name(columns, date_filter, problem):
    with pytest.raises(ValueError, match="BasicDataSet_v0.Message_v1") as error:
        objects_for("Message_v1", columns, date_filter)
    assert problem in str(error.value)


def test_a_certificate_is_embedded_for_office365_and_read_from_key_vault_for_staging():
    certificate = self_signed_client_certificate("client-1")
    pem = certificate.key_pem + certificate.cert_pem  # the spec's PEM holds both
    vault = KeyVaultSecret("https://contoso-mgdc.vault.azure.net", "mgdc-certificate")
    found = factory_objects("demo", "tenant-1", "client-1", ClientCertificate(pem, certificate.thumbprint),
                            STAGING, get_dataset("Message_v1"), ("subject",), "receivedDateTime", vault)
    assert [(o.kind, o.name) for o in found[:3]] == [
        ("linkedservices", "mgdc_demo_keyvault"), ("linkedservices", "mgdc_demo_office365"),
        ("linkedservices", "mgdc_demo_staging")]
    assert found[0].payload() == {"type": "AzureKeyVault",
                                  "typeProperties": {"baseUrl": "https://contoso-mgdc.vault.azure.net"}}
    office, staging = found[1].payload(), found[2].payload()
    der = x509.load_pem_x509_certificate(certificate.cert_pem.encode()).public_bytes(serialization.Encoding.DER)
    assert office["description"] == staging["description"] == (
        f"Managed by mgdc-pipelines; credential {hashlib.sha256(der).hexdigest()[:12]}")
    office_properties, staging_properties = office["typeProperties"], staging["typeProperties"]
    assert office_properties["servicePrincipalCredentialType"] == "ServicePrincipalCert"
    assert staging_properties["servicePrincipalCredentialType"] == "ServicePrincipalCert"
    assert "servicePrincipalKey" not in office_properties and "servicePrincipalKey" not in staging_properties
    assert staging_properties["servicePrincipalCredential"] == {
        "type": "AzureKeyVaultSecret", "secretName": "mgdc-certificate",
        "store": {"referenceName": "mgdc_demo_keyvault", "type": "LinkedServiceReference"}}
    embedded = office_properties["servicePrincipalEmbeddedCert"]
    assert embedded["type"] == "SecureString"

    key, cert, _ = pkcs12.load_key_and_certificates(base64.b64decode(embedded["value"]), None)
    assert cert.public_bytes(serialization.Encoding.DER) == der
    assert key.private_numbers() == serialization.load_pem_private_key(
        certificate.key_pem.encode(), None).private_numbers()

    shown = repr(found) + str(found) + json.dumps([o.masked() for o in found])
    assert embedded["value"] not in shown and "PRIVATE KEY" not in shown
    assert found[1].masked()["typeProperties"]["servicePrincipalEmbeddedCert"]["value"] == "**********"
    assert found[2].masked() == staging, "a Key Vault reference holds no secret to mask"


def test_a_certificate_without_key_vault_is_refused_naming_the_spec_field():
    certificate = self_signed_client_certificate("client-1")
    with pytest.raises(ValueError, match="source.key_vault") as error:
        factory_objects("demo", "tenant-1", "client-1",
                        ClientCertificate(certificate.key_pem + certificate.cert_pem, certificate.thumbprint),
                        STAGING, get_dataset("Message_v1"), ("subject",), "receivedDateTime")
    assert "PRIVATE KEY" not in str(error.value)


def test_a_pem_without_its_certificate_is_refused_naming_where_it_came_from():
    certificate = self_signed_client_certificate("client-1")
    with pytest.raises(ValueError) as error:
        factory_objects("demo", "tenant-1", "client-1", ClientCertificate(certificate.key_pem, certificate.thumbprint),
                        STAGING, get_dataset("Message_v1"), ("subject",), "receivedDateTime",
                        KeyVaultSecret("https://contoso-mgdc.vault.azure.net", "mgdc-certificate"))
    message = str(error.value)
    assert "certificate_path / private_key_env" in message and "PEM certificate beside the private key" in message
    assert "PRIVATE KEY" not in message
