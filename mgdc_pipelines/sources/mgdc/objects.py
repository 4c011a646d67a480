"""The Data Factory objects one app needs to copy one MGDC dataset (the shared ADF contract).

Two linked services (the Office 365 source, the staging blob account; with a certificate, a
third: the Azure Key Vault the staging one reads the certificate from), two datasets (the
``Office365Table``, the staging JSON folder) and one pipeline with one Copy activity, all named
``mgdc_<app>_...`` (Data Factory refuses dashes in linked service and dataset names).
Both linked services authenticate as the app with its client secret or its certificate
(:func:`linked_service_auth`). Secrets are :class:`SecureString` objects: they show as
``**********`` everywhere but in the body sent to ADF (:meth:`FactoryObject.payload`).

>>> from mgdc_pipelines.catalog import get_dataset
>>> staging = StagingLocation("https://contosostaging.blob.core.windows.net", "mgdc", "runs")
>>> objects = factory_objects("demo", "tenant-1", "client-1", "s3cret-value", staging,
...     get_dataset("Message_v1"), ("subject", "sentDateTime"), "receivedDateTime")
>>> [(o.kind, o.name) for o in objects]  # doctest: +NORMALIZE_WHITESPACE
[('linkedservices', 'mgdc_demo_office365'), ('linkedservices', 'mgdc_demo_staging'),
 ('datasets', 'mgdc_demo_Message_v1'), ('datasets', 'mgdc_demo_staging'),
 ('pipelines', 'mgdc_demo_Message_v1')]
>>> source = objects[-1].properties["activities"][0]["typeProperties"]["source"]
>>> source["outputColumns"], source["dateFilterColumn"]  # catalog order, whatever was asked
([{'name': 'sentDateTime'}, {'name': 'subject'}], 'receivedDateTime')
>>> "s3cret-value" in repr(objects) + str(objects[0])
False
>>> objects[0].payload()["typeProperties"]["servicePrincipalKey"]
{'type': 'SecureString', 'value': 's3cret-value'}
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

from mgdc_pipelines.catalog.model import Dataset
from mgdc_pipelines.sources.graph.auth import ClientCertificate
from mgdc_pipelines.sources.mgdc.settings import StagingLocation

MASKED = "**********"  # how ADF shows a SecureString it stores


@dataclass(frozen=True)
class SecureString:
    """A secret in an ADF object; only :meth:`to_json` shows its value."""

    value: str = field(repr=False)

    def __repr__(self) -> str:
        return f"SecureString({MASKED!r})"

    __str__ = __repr__

    def to_json(self, *, masked: bool = False) -> dict[str, str]:
        return {"type": "SecureString", "value": MASKED if masked else self.value}

    @property
    def fingerprint(self) -> str:
        """12 hex digits of the secret's SHA-256: tells a rotated secret from the one in the
        factory (which shows secrets masked) without revealing anything of it."""
        return hashlib.sha256(self.value.encode()).hexdigest()[:12]


@dataclass(frozen=True)
class FactoryObject:
    """One linked service, dataset or pipeline: ``kind`` is its REST collection name."""

    kind: str
    name: str
    properties: Mapping[str, Any]

    def payload(self) -> dict[str, Any]:
        """The properties as ADF takes them, secrets included."""
        return _json(self.properties, masked=False)

    def masked(self) -> dict[str, Any]:
        """The properties as ADF shows them back: every SecureString value masked."""
        return _json(self.properties, masked=True)

    @property
    def has_secrets(self) -> bool:
        return _has_secret(self.properties)


def app_prefix(app_name: str) -> str:
    """Every object of the app starts with this; nothing else in the factory is touched."""
    return f"mgdc_{app_name}_"


def object_name(app_name: str, suffix: str) -> str:
    return app_prefix(app_name) + suffix


def factory_objects(
    app_name: str,
    tenant_id: str,
    client_id: str,
    credential: str | ClientCertificate,
    staging: StagingLocation,
    dataset: Dataset,
    columns: tuple[str, ...],
    date_filter_column: str | None,
    key_vault: KeyVaultSecret | None = None,
) -> list[FactoryObject]:
    """The objects copying ``columns`` of ``dataset``, in dependency order; ``credential`` is the
    app's client secret or its certificate (which then needs ``key_vault``)."""
    vault = [] if key_vault is None else [
        FactoryObject("linkedservices", object_name(app_name, "keyvault"),
                      {"type": "AzureKeyVault", "typeProperties": {"baseUrl": key_vault.url}})]
    auth = linked_service_auth(credential, vault[0].name if vault else None, key_vault)
    office365, staging_name = object_name(app_name, "office365"), object_name(app_name, "staging")
    return [
        *vault,
        FactoryObject("linkedservices", office365, _office365_service(tenant_id, client_id, auth)),
        FactoryObject("linkedservices", staging_name, _staging_service(tenant_id, client_id, auth, staging)),
        FactoryObject("datasets", object_name(app_name, dataset.short_name), _table(office365, dataset)),
        FactoryObject("datasets", staging_name, _staging_folder(staging_name, staging)),
        FactoryObject("pipelines", object_name(app_name, dataset.short_name), _pipeline(
            app_name, dataset, _catalog_order(dataset, columns), _date_filter(dataset, date_filter_column))),
    ]


@dataclass(frozen=True)
class KeyVaultSecret:
    """The Azure Key Vault (``https://<vault>.vault.azure.net``) and the secret in it holding the
    app's certificate: the operator stores there the same certificate (PKCS#12) the app is given."""

    url: str
    secret_name: str


@dataclass(frozen=True)
class LinkedServiceAuth:
    """The typeProperties that make each linked service authenticate as the app, and a
    fingerprint of the credential (which changes when it does, and reveals nothing of it)."""

    office365: Mapping[str, Any]
    staging: Mapping[str, Any]
    fingerprint: str


def linked_service_auth(
    credential: str | ClientCertificate, vault_service: str | None = None, key_vault: KeyVaultSecret | None = None
) -> LinkedServiceAuth:
    """A client secret as ``servicePrincipalKey``; a certificate as a base64 PKCS#12 (PFX) in the
    Office 365 linked service, and as a reference to ``key_vault``'s secret (read through the
    linked service ``vault_service``) in the Blob one.

    Property names as the Data Factory reference gives them: the Office 365 linked service's
    ``servicePrincipalCredentialType`` / ``servicePrincipalEmbeddedCert``
    (https://learn.microsoft.com/javascript/api/@azure/arm-datafactory/office365linkedservice)
    and the Blob linked service's ``servicePrincipalCredentialType`` / ``servicePrincipalCredential``,
    which for a certificate "can only be AzureKeyVaultSecretReference"
    (https://learn.microsoft.com/azure/data-factory/connector-azure-blob-storage#service-principal-authentication).
    The app cannot read the vault, so the fingerprint is that of the certificate it was given.

    >>> auth = linked_service_auth("s3cret-value")
    >>> auth.staging, len(auth.fingerprint)
    ({'servicePrincipalKey': SecureString('**********')}, 12)
    """
    if isinstance(credential, str):
        secret = SecureString(credential)
        return LinkedServiceAuth({"servicePrincipalKey": secret}, {"servicePrincipalKey": secret},
                                 secret.fingerprint)
    if key_vault is None or vault_service is None:
        raise ValueError("a certificate credential needs source.key_vault: Data Factory's Blob linked "
                         "service takes a certificate only from Azure Key Vault")
    certificate, pfx = _pkcs12(credential)
    embedded = SecureString(base64.b64encode(pfx).decode("ascii"))
    cert_type = {"servicePrincipalCredentialType": "ServicePrincipalCert"}
    in_vault = {"type": "AzureKeyVaultSecret", "store": _linked(vault_service), "secretName": key_vault.secret_name}
    return LinkedServiceAuth(
        {**cert_type, "servicePrincipalEmbeddedCert": embedded},
        {**cert_type, "servicePrincipalCredential": in_vault},
        # The certificate (public) identifies the key pair: a renewed certificate is pushed.
        hashlib.sha256(certificate.public_bytes(serialization.Encoding.DER)).hexdigest()[:12],
    )


def _pkcs12(credential: ClientCertificate) -> tuple[x509.Certificate, bytes]:
    """The certificate matching the private key, and both as an unencrypted PKCS#12."""
    pem = credential.private_key_pem.encode()
    where = "the certificate credential (certificate_path / private_key_env)"
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError):
        raise ValueError(f"{where} holds no unencrypted PEM private key") from None
    pems = pem + b"\n" + (credential.public_certificate_pem or "").encode()
    try:
        certificates = x509.load_pem_x509_certificates(pems)
    except ValueError:
        certificates = []
    public = key.public_key().public_bytes(serialization.Encoding.DER,
                                           serialization.PublicFormat.SubjectPublicKeyInfo)
    matching = [c for c in certificates if c.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo) == public]
    if not matching:
        raise ValueError(
            f"{where} must hold the PEM certificate beside the private key: Data Factory's linked "
            "services take both, as a PKCS#12 (append the certificate's PEM to the key's)"
        )
    others = [c for c in certificates if c != matching[0]]  # a chain, without the leaf twice
    pfx = pkcs12.serialize_key_and_certificates(None, key, matching[0], others or None,
                                                serialization.NoEncryption())
    return matching[0], pfx


def _office365_service(tenant_id: str, client_id: str, auth: LinkedServiceAuth) -> dict[str, Any]:
    return {"type": "Office365", "description": _managed(auth), "typeProperties": {
        "office365TenantId": tenant_id, "servicePrincipalTenantId": tenant_id,
        "servicePrincipalId": client_id, **auth.office365,
    }}


def _staging_service(
    tenant_id: str, client_id: str, auth: LinkedServiceAuth, staging: StagingLocation
) -> dict[str, Any]:
    return {"type": "AzureBlobStorage", "description": _managed(auth), "typeProperties": {
        "serviceEndpoint": staging.account_url, "accountKind": "StorageV2",
        "servicePrincipalId": client_id, **auth.staging, "tenant": tenant_id,
    }}


def _managed(auth: LinkedServiceAuth) -> str:
    """A linked service's description; its credential's fingerprint changes when the credential
    does, so sync updates the factory after a rotation (ADF shows secrets only masked)."""
    return f"Managed by mgdc-pipelines; credential {auth.fingerprint}"


def _linked(name: str) -> dict[str, str]:
    return {"referenceName": name, "type": "LinkedServiceReference"}


def _table(office365: str, dataset: Dataset) -> dict[str, Any]:
    return {"type": "Office365Table", "linkedServiceName": _linked(office365),
            "typeProperties": {"tableName": dataset.name}}


def _staging_folder(staging_name: str, staging: StagingLocation) -> dict[str, Any]:
    return {
        "type": "Json",
        "linkedServiceName": _linked(staging_name),
        "parameters": {"folderPath": {"type": "String"}},
        "typeProperties": {"location": {
            "type": "AzureBlobStorageLocation", "container": staging.container,
            "folderPath": {"value": "@dataset().folderPath", "type": "Expression"},
        }},
    }


def _pipeline(app_name: str, dataset: Dataset, columns: tuple[str, ...], date_filter: str | None) -> dict:
    return {
        "parameters": {
            "windowStart": {"type": "String"},
            "windowEnd": {"type": "String"},
            "allowedGroups": {"type": "Array", "defaultValue": []},
            "userScopeFilterUri": {"type": "String", "defaultValue": ""},
            "outputFolder": {"type": "String"},
        },
        "activities": [_copy_activity(app_name, dataset, columns, date_filter)],
    }


def _copy_activity(app_name: str, dataset: Dataset, columns: tuple[str, ...], date_filter: str | None) -> dict:
    source: dict[str, Any] = {"type": "Office365Source"}
    if date_filter is not None:
        source["dateFilterColumn"] = date_filter
    source.update({
        "startTime": "@pipeline().parameters.windowStart",
        "endTime": "@pipeline().parameters.windowEnd",
        "allowedGroups": {"value": "@pipeline().parameters.allowedGroups", "type": "Expression"},
        "userScopeFilterUri": "@pipeline().parameters.userScopeFilterUri",
        "outputColumns": [{"name": column} for column in columns],
    })
    return {
        "name": f"Copy {dataset.short_name}",
        "type": "Copy",
        "inputs": [{"referenceName": object_name(app_name, dataset.short_name), "type": "DatasetReference"}],
        "outputs": [{
            "referenceName": object_name(app_name, "staging"), "type": "DatasetReference",
            "parameters": {"folderPath": "@pipeline().parameters.outputFolder"},
        }],
        "typeProperties": {
            "source": source,
            "sink": {
                "type": "JsonSink",
                "storeSettings": {"type": "AzureBlobStorageWriteSettings"},
                "formatSettings": {"type": "JsonWriteSettings", "filePattern": "setOfObjects"},
            },
        },
    }


def _catalog_order(dataset: Dataset, columns: tuple[str, ...]) -> tuple[str, ...]:
    unknown = sorted(set(columns) - set(dataset.column_names))
    if unknown:
        raise ValueError(f"{dataset.name} has no column(s) {', '.join(unknown)}")
    if not columns:
        raise ValueError(f"{dataset.name}: no columns to copy")
    wanted = set(columns)
    return tuple(name for name in dataset.column_names if name in wanted)


def _date_filter(dataset: Dataset, column: str | None) -> str | None:
    if column is not None and column not in dataset.date_filter_columns:
        allowed = ", ".join(dataset.date_filter_columns) or "none"
        raise ValueError(f"{dataset.name}: {column!r} is not a date-filter column (allowed: {allowed})")
    return column


def _json(value: Any, *, masked: bool) -> Any:
    if isinstance(value, SecureString):
        return value.to_json(masked=masked)
    if isinstance(value, Mapping):
        return {key: _json(item, masked=masked) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json(item, masked=masked) for item in value]
    return value


def _has_secret(value: Any) -> bool:
    if isinstance(value, SecureString):
        return True
    if isinstance(value, Mapping):
        return any(_has_secret(item) for item in value.values())
    if isinstance(value, (list, tuple)):
        return any(_has_secret(item) for item in value)
    return False
