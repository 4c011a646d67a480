"""The factory's linked services, datasets and pipelines: validated on PUT, kept as PUT.

Validation is what Data Factory itself checks when an object is saved: a body with
``properties.type``, the typeProperties the MGDC object types require (a service principal's key,
or its certificate by ``servicePrincipalCredentialType``: base64 in a SecureString, or an
``AzureKeyVaultSecret`` reference), and references (a dataset's linked service, an activity's
datasets, a Key Vault secret's vault linked service) to objects that exist. Reads mask SecureString values as ADF does.

>>> store = ObjectStore("/subscriptions/s/resourceGroups/rg/providers/Microsoft.DataFactory/factories/f")
>>> store.put("datasets", "orphan", {"properties": {"type": "Json", "typeProperties": {"location": {}},
...     "linkedServiceName": {"referenceName": "nowhere", "type": "LinkedServiceReference"}}})
Traceback (most recent call last):
...
mgdc_pipelines.emulator.factory.objects.ArmError: 400 BadRequest: The document creation or update failed because of invalid reference 'nowhere' (linked service of dataset 'orphan').
>>> body = store.put("linkedservices", "ls", {"properties": {"type": "AzureBlobStorage", "typeProperties": {
...     "serviceEndpoint": "https://account.blob.core.windows.net",
...     "servicePrincipalKey": {"type": "SecureString", "value": "s3cret"}}}})
>>> body["type"], body["properties"]["typeProperties"]["servicePrincipalKey"]["value"]
('Microsoft.DataFactory/factories/linkedservices', '**********')
"""

from __future__ import annotations

import base64
import binascii
import copy
import re
import threading
import uuid
from collections.abc import Iterator, Mapping
from typing import Any

from mgdc_pipelines.emulator.odata import GraphError

KINDS = ("linkedservices", "datasets", "pipelines")
_NAME = re.compile(r"^[A-Za-z0-9_][^<>*#.%&:\\+?/]{0,259}$")
_MASK = "**********"
# typeProperties ADF requires of the object types the MGDC feature uses (other types: none checked).
_REQUIRED = {
    ("linkedservices", "Office365"): ("office365TenantId", "servicePrincipalTenantId", "servicePrincipalId"),
    ("linkedservices", "AzureBlobStorage"): ("serviceEndpoint",),
    ("linkedservices", "AzureKeyVault"): ("baseUrl",),
    ("datasets", "Office365Table"): ("tableName",),
    ("datasets", "Json"): ("location",),
}
# Where a service principal's key or certificate goes, by linked service type and credential type
# (servicePrincipalCredentialType; absent means a key). A Blob linked service may carry its key in
# either property.
_CREDENTIAL = {
    ("Office365", "ServicePrincipalKey"): ("servicePrincipalKey",),
    ("Office365", "ServicePrincipalCert"): ("servicePrincipalEmbeddedCert",),
    ("AzureBlobStorage", "ServicePrincipalKey"): ("servicePrincipalKey", "servicePrincipalCredential"),
    ("AzureBlobStorage", "ServicePrincipalCert"): ("servicePrincipalCredential",),
}


class ArmError(GraphError):
    """An ARM error: ``{"error": {"code": ..., "message": ...}}`` with its status."""

    def arm_body(self) -> dict:
        return {"error": {"code": self.code, "message": self.message}}


def bad_request(message: str) -> ArmError:
    return ArmError(400, "BadRequest", message)


class ObjectStore:
    """Objects by kind and name (thread-safe); names compare case-insensitively, as in ADF."""

    def __init__(self, factory_id: str) -> None:
        self._factory_id = factory_id
        self._lock = threading.Lock()
        self._objects: dict[str, dict[str, tuple[str, dict, str]]] = {kind: {} for kind in KINDS}

    def put(self, kind: str, name: str, body: Any) -> dict:
        """Create or replace; the ARM response body."""
        properties = _properties(kind, name, body)
        with self._lock:
            for reference_kind, reference, role in references(kind, properties):
                if reference.lower() not in self._objects[reference_kind]:
                    raise bad_request(f"The document creation or update failed because of invalid reference "
                                      f"'{reference}' ({role} of {_singular(kind)} '{name}').")
            entry = (name, copy.deepcopy(properties), uuid.uuid4().hex)
            self._objects[kind][name.lower()] = entry
        return self._response(kind, entry)

    def get(self, kind: str, name: str) -> dict:
        entry = self._entry(kind, name)
        if entry is None:
            raise ArmError(404, "NotFound", f"The {_singular(kind)} '{name}' does not exist in this factory.")
        return self._response(kind, entry)

    def delete(self, kind: str, name: str) -> bool:
        with self._lock:
            return self._objects[kind].pop(name.lower(), None) is not None

    def list(self, kind: str) -> list[dict]:
        with self._lock:
            entries = list(self._objects[kind].values())
        return [self._response(kind, entry) for entry in entries]

    def properties(self, kind: str, name: str) -> dict | None:
        """The properties as PUT (secrets included), or None."""
        entry = self._entry(kind, name)
        return copy.deepcopy(entry[1]) if entry else None

    def snapshot(self, kind: str) -> dict[str, dict]:
        with self._lock:
            return {name: copy.deepcopy(properties) for name, properties, _ in self._objects[kind].values()}

    def _entry(self, kind: str, name: str) -> tuple[str, dict, str] | None:
        with self._lock:
            return self._objects[kind].get(name.lower())

    def _response(self, kind: str, entry: tuple[str, dict, str]) -> dict:
        name, properties, etag = entry
        return {"id": f"{self._factory_id}/{kind}/{name}", "name": name,
                "type": f"Microsoft.DataFactory/factories/{kind}", "properties": masked(properties),
                "etag": etag}


def references(kind: str, properties: Mapping) -> Iterator[tuple[str, str, str]]:
    """(kind, name, role) of every object the properties refer to."""
    if kind == "linkedservices":
        for key, value in (properties.get("typeProperties") or {}).items():
            if isinstance(value, Mapping) and value.get("type") == "AzureKeyVaultSecret":
                store = value.get("store") or {}
                yield "linkedservices", str(store.get("referenceName", "")), f"Key Vault store of {key}"
    if kind == "datasets":
        linked = properties.get("linkedServiceName") or {}
        if linked.get("referenceName"):
            yield "linkedservices", str(linked["referenceName"]), "linked service"
    if kind == "pipelines":
        for activity in properties.get("activities") or ():
            label = f"activity '{activity.get('name', '?')}'"
            for role in ("inputs", "outputs"):
                for reference in activity.get(role) or ():
                    yield "datasets", str(reference.get("referenceName", "")), f"{role[:-1]} dataset of {label}"


def masked(value: Any) -> Any:
    """A copy with every SecureString value replaced by ADF's mask."""
    if isinstance(value, Mapping):
        if value.get("type") == "SecureString":
            return {**value, "value": _MASK}
        return {key: masked(item) for key, item in value.items()}
    if isinstance(value, list):
        return [masked(item) for item in value]
    return value


def _properties(kind: str, name: str, body: Any) -> dict:
    if not _NAME.match(name):
        raise bad_request(f"Invalid {_singular(kind)} name '{name}': names start with a letter, digit or "
                          "underscore and cannot contain . + ? / < > * % & : \\ #")
    if "-" in name and kind != "pipelines":  # Data Factory's naming rules
        raise bad_request(f"Invalid {_singular(kind)} name '{name}': dashes are not allowed in the names "
                          "of linked services, datasets and data flows.")
    properties = body.get("properties") if isinstance(body, Mapping) else None
    if not isinstance(properties, Mapping):
        raise bad_request(f"The request body of {_singular(kind)} '{name}' must be an object with 'properties'.")
    if kind != "pipelines" and not isinstance(properties.get("type"), str):
        raise bad_request(f"The {_singular(kind)} '{name}' has no 'type' in its properties.")
    if kind == "pipelines" and not isinstance(properties.get("activities", []), list):
        raise bad_request(f"The pipeline '{name}': 'activities' must be a list.")
    type_properties = properties.get("typeProperties") or {}
    missing = [key for key in _REQUIRED.get((kind, properties.get("type")), ()) if key not in type_properties]
    if missing:
        raise bad_request(f"The {_singular(kind)} '{name}' of type {properties['type']} is missing required "
                          f"typeProperties: {', '.join(missing)}.")
    if kind == "linkedservices" and "servicePrincipalId" in type_properties:
        _check_credential(name, str(properties["type"]), type_properties)
    return dict(properties)


def _check_credential(name: str, service_type: str, type_properties: Mapping) -> None:
    """A service principal's linked service carries its key, or its certificate as a SecureString
    holding base64 (a PKCS#12, which the emulator does not open)."""
    credential_type = type_properties.get("servicePrincipalCredentialType", "ServicePrincipalKey")
    if (service_type, "ServicePrincipalKey") not in _CREDENTIAL:
        return  # a type whose credentials the emulator does not check
    places = _CREDENTIAL.get((service_type, credential_type))
    if places is None:
        raise bad_request(f"The linked service '{name}': servicePrincipalCredentialType must be "
                          f"ServicePrincipalKey or ServicePrincipalCert, not '{credential_type}'.")
    present = [key for key in places if key in type_properties]
    if not present:
        raise bad_request(f"The linked service '{name}' of type {service_type} authenticates with "
                          f"{credential_type} but has none of: {', '.join(places)}.")
    certificate = type_properties[present[0]]
    if isinstance(certificate, Mapping) and certificate.get("type") == "AzureKeyVaultSecret":
        if not certificate.get("secretName") or not (certificate.get("store") or {}).get("referenceName"):
            raise bad_request(f"The linked service '{name}': {present[0]} of type AzureKeyVaultSecret needs "
                              "'store' (a LinkedServiceReference) and 'secretName'.")
    elif credential_type == "ServicePrincipalCert":
        value = certificate.get("value") if isinstance(certificate, Mapping) else None
        if not isinstance(value, str) or not _is_base64(value):
            raise bad_request(f"The linked service '{name}': {present[0]} must be a SecureString holding "
                              "the base64-encoded certificate.")


def _is_base64(value: str) -> bool:
    try:
        return bool(base64.b64decode(value, validate=True))
    except (binascii.Error, ValueError):
        return False


def _singular(kind: str) -> str:
    return {"linkedservices": "linked service", "datasets": "dataset", "pipelines": "pipeline"}[kind]
