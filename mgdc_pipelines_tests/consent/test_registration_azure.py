"""The destination rule for Azure sinks: what an ``azure:`` grant covers, and the tricks it refuses."""

from __future__ import annotations

import pytest

from mgdc_pipelines.consent.errors import ConsentError
from mgdc_pipelines.consent.registration import destination_contains, destination_for, registration_for

AZURE = "https://contoso.blob.core.windows.net"
AZURITE = "http://127.0.0.1:10000/devstoreaccount1"
PARTITION = "BasicDataSet_v0.User_v1/date=2026-11-20/scope=sales"


def azure_sink(account_url: str = AZURE, container: str = "mgdc", prefix: str | None = "exports"):
    def mutate(raw: dict) -> None:
        raw["sink"] = {"type": "azure", "account_url": account_url, "container": container,
                       "credential": {"type": "key", "key_env": "AZURE_STORAGE_KEY"}}
        if prefix is not None:
            raw["sink"]["prefix"] = prefix
    return mutate


@pytest.mark.parametrize(
    "account_url, prefix, destination",
    [
        (AZURE, "exports", f"azure:{AZURE}/mgdc/exports"),
        (AZURE + "/", "/exports/daily/", f"azure:{AZURE}/mgdc/exports/daily"),
        (AZURE, None, f"azure:{AZURE}/mgdc"),
        (AZURITE, "", f"azure:{AZURITE}/mgdc"),
    ],
)
def test_destination_of_an_azure_sink_is_account_container_and_prefix(make_spec, account_url, prefix, destination):
    spec = make_spec(azure_sink(account_url, prefix=prefix))
    assert destination_for(spec) == destination
    assert registration_for(spec).destination == destination


def test_an_account_url_with_a_path_on_an_azure_host_cannot_be_registered(make_spec):
    # The SDK would drop `/mgdc` and write to container `other`, outside an `.../mgdc` grant.
    spec = make_spec(azure_sink(f"{AZURE}/mgdc", container="other"))
    with pytest.raises(ConsentError) as caught:
        registration_for(spec)
    assert str(caught.value).endswith(
        f"sink: account_url '{AZURE}/mgdc' must be the storage account's endpoint with no path, "
        "e.g. https://<account>.blob.core.windows.net (only emulator endpoints such as "
        "http://127.0.0.1:10000/devstoreaccount1 take a path); put the container in `container` "
        "and folders in `prefix`"
    )


def test_moving_the_sink_to_another_container_or_prefix_changes_the_fingerprint(make_spec):
    base = registration_for(make_spec(azure_sink())).fingerprint
    assert registration_for(make_spec(azure_sink(container="other"))).fingerprint != base
    assert registration_for(make_spec(azure_sink(prefix="exports2"))).fingerprint != base
    assert registration_for(make_spec(azure_sink(prefix="exports"))).fingerprint == base


@pytest.mark.parametrize(
    "uri",
    [
        f"{AZURE}/mgdc/exports/{PARTITION}",
        f"{AZURE}/mgdc/exports",
        f"{AZURE}/mgdc/exports/",
        f"https://CONTOSO.Blob.Core.Windows.Net/mgdc/exports/{PARTITION}",  # hosts ignore case
        f"https://contoso.blob.core.windows.net:443/mgdc/exports/{PARTITION}",  # the default port
        f"{AZURE}/mgdc/exports/BasicDataSet_v0.User_v1/date%3D2026-11-20",  # percent-encoded `=`
    ],
)
def test_an_azure_grant_contains_partition_uris_under_its_prefix(uri):
    assert destination_contains(f"azure:{AZURE}/mgdc/exports", uri)


@pytest.mark.parametrize(
    "uri",
    [
        f"{AZURE}/mgdc/exports2/{PARTITION}",  # sibling prefix sharing the first letters
        f"{AZURE}/mgdc/export",
        f"{AZURE}/mgdc/{PARTITION}",  # the container, outside the prefix
        f"{AZURE}/mgdc2/exports/{PARTITION}",  # another container
        f"{AZURE}/mgdc/exports/../other/{PARTITION}",
        f"{AZURE}/mgdc/exports/%2E%2E/other",
        f"{AZURE}/mgdc/exports/a/%2e%2e%2F..%2Fother",
        f"{AZURE}/mgdc/exports/./{PARTITION}",
        f"{AZURE}/mgdc/exports//{PARTITION}",
        f"{AZURE}/mgdc/exports/a%5C..%5Cb",  # backslashes
        f"http://contoso.blob.core.windows.net/mgdc/exports/{PARTITION}",  # another scheme
        f"https://contoso.blob.core.windows.net:444/mgdc/exports/{PARTITION}",  # another port
        f"https://fabrikam.blob.core.windows.net/mgdc/exports/{PARTITION}",  # another account
        f"https://contoso.blob.core.windows.net.evil.example/mgdc/exports/{PARTITION}",
        f"https://contoso.blob.core.windows.net@evil.example/mgdc/exports/{PARTITION}",
        f"{AZURE}/mgdc/exports/{PARTITION}?sv=2026&sig=x",
        f"{AZURE}/mgdc/exports/{PARTITION}#x",
        f"{AZURE}:notaport/mgdc/exports",
        f"file:///mgdc/exports/{PARTITION}",
        f"abfss://mgdc@contoso.dfs.core.windows.net/exports/{PARTITION}",
    ],
)
def test_an_azure_grant_refuses_everything_else(uri):
    assert not destination_contains(f"azure:{AZURE}/mgdc/exports", uri)


def test_azurite_destinations_compare_the_account_path_too():
    root = f"azure:{AZURITE}/mgdc"
    assert destination_contains(root, f"{AZURITE}/mgdc/{PARTITION}")
    assert not destination_contains(root, f"http://127.0.0.1:10000/otheraccount/mgdc/{PARTITION}")
    assert not destination_contains(root, f"http://127.0.0.1:10001/devstoreaccount1/mgdc/{PARTITION}")
    assert not destination_contains(root, f"http://localhost:10000/devstoreaccount1/mgdc/{PARTITION}")


def test_a_grant_with_an_unusable_azure_root_contains_nothing():
    assert not destination_contains("azure:", f"{AZURE}/mgdc")
    assert not destination_contains(f"azure:{AZURE}/mgdc/../x", f"{AZURE}/x/{PARTITION}")
    assert not destination_contains("azure:ftp://contoso/mgdc", "ftp://contoso/mgdc/x")
    assert not destination_contains("file:/data/mgdc", f"{AZURE}/data/mgdc/{PARTITION}")
