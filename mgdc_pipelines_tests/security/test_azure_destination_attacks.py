"""Attack: the approved container moved into the Azure sink's ``account_url``.

The admin approved ``azure:https://<account>.blob.core.windows.net/<approved>``. The developer
edits the spec to ``account_url: https://<account>.blob.core.windows.net/<approved>`` and
``container: <other>``. On main before this test the URI the gate checked was
``.../<approved>/<other>/...``, inside the grant, but the Azure SDK drops the account URL's path
on ``*.blob.core.*`` hosts: the run wrote into ``<other>`` and the blocking checks, reading back
from the same client, passed. Now the sink is refused when the deployment builds it.

Azurite serves the account host-style here (``devstoreaccount1.blob.core.windows.net`` resolves
to it), so the SDK treats it exactly as it treats Azure; the credential is an account SAS, with
which the attack worked (a key signs for the account name, which the old parser took from the
path, so it failed by accident).
"""

from __future__ import annotations

import datetime as dt
import socket
import uuid

import pytest
from azure.storage.blob import (
    AccountSasPermissions,
    BlobServiceClient,
    ResourceTypes,
    generate_account_sas,
)

from mgdc_pipelines_tests.security.attacker import copy, deployment, edit_spec

SAS_ENV = "MGDC_TEST_AZURE_STORAGE_SAS"


@pytest.fixture
def host_style_azurite(azurite, monkeypatch) -> tuple[str, BlobServiceClient]:
    """``(account url, the storage owner's client)`` of Azurite under an Azure-like host name."""
    host = f"{azurite.account_name}.blob.core.windows.net"
    port = azurite.account_url.split("/")[2].rsplit(":", 1)[1]
    resolve = socket.getaddrinfo

    def resolve_to_azurite(name, *args, **kwargs):  # stands in for the account's DNS record
        return resolve("127.0.0.1" if name == host else name, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolve_to_azurite)
    everything = AccountSasPermissions(read=True, write=True, delete=True, list=True, add=True,
                                       create=True)
    expiry = dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=1)
    sas = generate_account_sas(azurite.account_name, azurite.key,
                               ResourceTypes(service=True, container=True, object=True),
                               everything, expiry)
    monkeypatch.setenv(SAS_ENV, sas)
    url = f"http://{host}:{port}"
    owner = {"account_name": azurite.account_name, "account_key": azurite.key}
    return url, BlobServiceClient(url, credential=owner)


def blob_names(service: BlobServiceClient, container: str) -> list[str]:
    return sorted(blob.name for blob in service.get_container_client(container).list_blobs())


def test_a_container_moved_into_the_account_url_is_refused_before_any_io(
    small_spec_factory, host_style_azurite
):
    url, owner = host_style_azurite
    approved, other = (f"{name}{uuid.uuid4().hex[:12]}" for name in ("analytics", "hrconfidential"))
    for container in (approved, other):
        owner.create_container(container)

    def approved_sink(raw: dict) -> None:
        raw["sink"] = {"type": "azure", "account_url": url, "container": approved,
                       "format": "parquet", "credential": {"type": "sas", "sas_env": SAS_ENV}}

    app = small_spec_factory(approved_sink)
    with deployment() as instance:
        assert copy(app, "User_v1", instance).success  # the approved destination works
    written = blob_names(owner, approved)
    assert written

    def attack(raw: dict) -> None:
        raw["sink"]["account_url"] = f"{url}/{approved}"
        raw["sink"]["container"] = other

    evil = edit_spec(app, attack)
    with deployment() as instance, pytest.raises(ValueError) as caught:
        copy(evil, "User_v1", instance)
    assert str(caught.value).startswith(
        f"sink: account_url 'http://{url.split('/')[2].rsplit(':', 1)[0]}/{approved}' must be the "
        "storage account's endpoint with no path, e.g. https://<account>.blob.core.windows.net"
    )
    assert "sig=" not in str(caught.value)
    assert blob_names(owner, other) == []
    assert blob_names(owner, approved) == written
