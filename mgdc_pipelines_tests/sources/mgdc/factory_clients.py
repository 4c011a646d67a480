"""Control-plane clients talking to the ``factory_emulator`` (ARM + ADF over HTTPS, staging in Azurite)."""

from __future__ import annotations

import time

from mgdc_pipelines.catalog import get_dataset
from mgdc_pipelines.emulator import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET
from mgdc_pipelines.emulator.factory import MANAGEMENT_SCOPE, FactoryEmulator
from mgdc_pipelines.sources.graph import GraphCredentials, RetryPolicy
from mgdc_pipelines.sources.graph.auth import ClientCertificate
from mgdc_pipelines.sources.mgdc.arm import ArmClient
from mgdc_pipelines.sources.mgdc.factory import FactoryClient
from mgdc_pipelines.sources.mgdc.objects import FactoryObject, KeyVaultSecret, factory_objects
from mgdc_pipelines.sources.mgdc.settings import FactoryLocation, StagingLocation

TENANT_ID = "884d4683-c007-5d56-9024-62e767f7906c"  # the demo spec's tenant
FAST_RETRIES = RetryPolicy(max_attempts=6, base_delay_s=0.01, max_delay_s=0.05, timeout_s=30)
MESSAGE_COLUMNS = ("subject", "sentDateTime", "receivedDateTime")


class Sleeps(list):
    """A ``sleep`` hook that records what it was asked to wait, and waits it."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)
        time.sleep(seconds)


def arm_client(emu: FactoryEmulator, secret: str = DEMO_CLIENT_SECRET, **options) -> ArmClient:
    """An ARM client of the demo app trusting the emulator's CA (the emulator's ARM scope is the
    public cloud's, while its URL is a loopback one: the scope is given, not derived)."""
    credentials = GraphCredentials(TENANT_ID, DEMO_CLIENT_ID, client_secret=secret,
                                   authority_host=emu.authority_host)
    settings = dict(scope=MANAGEMENT_SCOPE, retry=FAST_RETRIES)
    settings.update(options)
    return ArmClient(credentials, emu.management_url, emu.ca_pem_path, **settings)


def location(emu: FactoryEmulator, factory: str | None = None) -> FactoryLocation:
    return FactoryLocation(emu.subscription_id, emu.resource_group, factory or emu.factory_name)


def factory_client(emu: FactoryEmulator, **options) -> FactoryClient:
    return FactoryClient(arm_client(emu, **options), location(emu))


def staging(emu: FactoryEmulator) -> StagingLocation:
    return StagingLocation(emu.staging_account_url, "mgdc-staging", "runs")


def demo_objects(
    emu: FactoryEmulator, short_name: str = "Message_v1", columns: tuple[str, ...] = MESSAGE_COLUMNS,
    date_filter: str | None = "receivedDateTime", credential: str | ClientCertificate = DEMO_CLIENT_SECRET,
) -> list[FactoryObject]:
    vault = None if isinstance(credential, str) else KEY_VAULT
    return factory_objects("demo", TENANT_ID, DEMO_CLIENT_ID, credential, staging(emu),
                           get_dataset(short_name), columns, date_filter, vault)


KEY_VAULT = KeyVaultSecret("https://contoso-mgdc.vault.azure.net", "mgdc-demo-certificate")


def arm_requests(emu: FactoryEmulator, method: str | None = None) -> list:
    return [r for r in emu.requests if r.service == "arm" and (method is None or r.method == method)]


def token_requests(emu: FactoryEmulator) -> list:
    return [r for r in emu.requests if r.path.endswith("/oauth2/v2.0/token")]
