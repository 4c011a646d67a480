"""Factory sync: creates what is missing, rewrites only what changed, and touches nothing else."""

from __future__ import annotations

import pytest

from mgdc_pipelines.emulator import DEMO_CLIENT_ID, self_signed_client_certificate
from mgdc_pipelines.sources.graph.auth import ClientCertificate
from mgdc_pipelines.sources.mgdc.objects import FactoryObject
from mgdc_pipelines.sources.mgdc.sync import SyncResult, sync_factory
from mgdc_pipelines_tests.sources.mgdc.factory_clients import arm_requests, demo_objects, factory_client

NAMES = ("mgdc_demo_office365", "mgdc_demo_staging", "mgdc_demo_Message_v1", "mgdc_demo_staging",
         "mgdc_demo_Message_v1")


def test_a_second_sync_finds_everything_unchanged_and_writes_nothing(factory_emulator):
    client = factory_client(factory_emulator)
    assert sync_factory(client, "demo", demo_objects(factory_emulator)) == SyncResult(created=NAMES)
    assert len(arm_requests(factory_emulator, "PUT")) == 5
    before = len(factory_emulator.requests)
    assert sync_factory(client, "demo", demo_objects(factory_emulator)) == SyncResult(unchanged=NAMES)
    assert not arm_requests(factory_emulator, "PUT")[5:]
    assert {r.method for r in factory_emulator.requests[before:]} == {"GET"}


def test_a_change_of_columns_rewrites_the_pipeline_only(factory_emulator):
    client = factory_client(factory_emulator)
    sync_factory(client, "demo", demo_objects(factory_emulator))
    changed = sync_factory(client, "demo", demo_objects(factory_emulator, columns=("subject", "importance")))
    assert changed == SyncResult(updated=("mgdc_demo_Message_v1",), unchanged=NAMES[:4])
    puts = [r.path for r in arm_requests(factory_emulator, "PUT")[5:]]
    assert [path.rsplit("/", 2)[-2:] for path in puts] == [["pipelines", "mgdc_demo_Message_v1"]]
    source = factory_emulator.objects("pipelines")["mgdc_demo_Message_v1"]["activities"][0]["typeProperties"]
    assert source["source"]["outputColumns"] == [{"name": "subject"}, {"name": "importance"}]


def test_a_rotated_secret_is_pushed_though_adf_never_shows_the_old_one(factory_emulator):
    """ADF masks secrets; the linked services carry the secret's fingerprint, which changes."""
    client = factory_client(factory_emulator)
    sync_factory(client, "demo", demo_objects(factory_emulator))
    rotated = demo_objects(factory_emulator, credential="the-rotated-secret-value")
    assert sync_factory(client, "demo", rotated).updated == ("mgdc_demo_office365", "mgdc_demo_staging")
    assert [r.path.rsplit("/", 1)[-1] for r in arm_requests(factory_emulator, "PUT")[5:]] == [
        "mgdc_demo_office365", "mgdc_demo_staging"]
    assert sync_factory(client, "demo", rotated).changed is False


def test_a_renewed_certificate_is_pushed_and_an_unchanged_one_is_not(factory_emulator):
    """A certificate's PKCS#12 differs at every build; the fingerprint, of the certificate, does not."""
    client = factory_client(factory_emulator)
    first, renewed = (self_signed_client_certificate(DEMO_CLIENT_ID) for _ in range(2))
    sync_factory(client, "demo", demo_objects(factory_emulator))
    switched = sync_factory(client, "demo", demo_objects(factory_emulator, credential=pem_credential(first)))
    assert switched.updated == ("mgdc_demo_office365", "mgdc_demo_staging")
    assert sync_factory(client, "demo", demo_objects(factory_emulator, credential=pem_credential(first))).changed is False
    pushed = sync_factory(client, "demo", demo_objects(factory_emulator, credential=pem_credential(renewed)))
    assert pushed.updated == ("mgdc_demo_office365", "mgdc_demo_staging")
    office = factory_emulator.objects("linkedservices")["mgdc_demo_office365"]["typeProperties"]
    assert office["servicePrincipalCredentialType"] == "ServicePrincipalCert"
    assert "servicePrincipalKey" not in office


def pem_credential(certificate) -> ClientCertificate:
    """The spec's form: one PEM holding the private key and the certificate."""
    return ClientCertificate(certificate.key_pem + certificate.cert_pem, certificate.thumbprint)


def test_forcing_secrets_rewrites_the_linked_services_holding_them(factory_emulator):
    client = factory_client(factory_emulator)
    sync_factory(client, "demo", demo_objects(factory_emulator))
    forced = sync_factory(client, "demo", demo_objects(factory_emulator), force_secrets=True)
    assert forced.updated == ("mgdc_demo_office365", "mgdc_demo_staging")


def test_objects_of_others_in_the_factory_stay_untouched(factory_emulator):
    client = factory_client(factory_emulator)
    foreign = {"activities": [{"name": "Wait", "type": "Wait", "typeProperties": {"waitTimeInSeconds": 1}}]}
    for name in ("nightly-finance-load", "mgdc_other_Message_v1"):
        client.create_or_update("pipelines", name, foreign)
    before = len(factory_emulator.requests)
    sync_factory(client, "demo", demo_objects(factory_emulator))
    sync_factory(client, "demo", demo_objects(factory_emulator, columns=("subject",)), force_secrets=True)
    touched = {r.path.rsplit("/", 1)[-1] for r in factory_emulator.requests[before:]}
    assert not touched & {"nightly-finance-load", "mgdc_other_Message_v1"}
    stored = factory_emulator.objects("pipelines")
    assert stored["nightly-finance-load"] == stored["mgdc_other_Message_v1"] == foreign


@pytest.mark.parametrize("name", ["nightly-finance-load", "mgdc_demo_", "demo_office365", "mgdc_other_Message_v1"])
def test_an_object_not_named_mgdc_app_is_refused_before_any_call(factory_emulator, name):
    client = factory_client(factory_emulator)
    with pytest.raises(ValueError, match="not one of app demo's objects"):
        sync_factory(client, "demo", [*demo_objects(factory_emulator), FactoryObject("pipelines", name, {})])
    assert not arm_requests(factory_emulator)
