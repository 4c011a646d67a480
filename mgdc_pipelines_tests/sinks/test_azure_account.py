"""Which account URLs an Azure sink accepts: a path only where it names the account (Azurite).

On a host-style endpoint the Azure SDK drops the account URL's path (``*.blob.core.*``) or the
service reads it as the container (any other named host), so ``<account url>/<container>``, the
URI the consent gate checks, would not be where the blobs go. None of these tests touch the
network: clients are built offline and the refusals come first.
"""

from __future__ import annotations

import re

import pytest

from mgdc_pipelines.sinks import azure_account
from mgdc_pipelines.sinks.azure import AzureBlobSink
from mgdc_pipelines.sinks.azure_account import BlobCredential, parse_account_url

HOST_STYLE_WITH_PATH = (
    "must be the storage account's endpoint with no path, "
    "e.g. https://<account>.blob.core.windows.net"
)


@pytest.mark.parametrize(
    "url, expected",
    [
        ("https://contoso.blob.core.windows.net", "contoso"),
        ("https://contoso.blob.core.windows.net/", "contoso"),
        ("https://contoso.dfs.core.windows.net", "contoso"),
        ("http://127.0.0.1:10000/devstoreaccount1/", "devstoreaccount1"),
        ("http://localhost:10000/devstoreaccount1", "devstoreaccount1"),
        ("http://[::1]:10000/devstoreaccount1", "devstoreaccount1"),
        ("http://azurite:10000/devstoreaccount1", "devstoreaccount1"),  # a Docker service name
    ],
)
def test_host_style_endpoints_and_path_style_emulators_are_accepted(url, expected):
    assert parse_account_url(url) == (url.rstrip("/"), expected)


@pytest.mark.parametrize(
    "url",
    [
        "https://contoso.blob.core.windows.net/mgdc-analytics",  # the SDK drops the path
        "https://contoso.blob.core.windows.net/mgdc-analytics/",
        "https://contoso.blob.core.chinacloudapi.cn/mgdc-analytics",
        "https://contoso.dfs.core.windows.net/mgdc-analytics",  # the service reads a container
        "https://storage.contoso.example/mgdc-analytics",  # a custom domain: host-style too
        "http://devstoreaccount1.blob.localhost:10000/mgdc-analytics",  # Azurite's host style
    ],
)
def test_a_path_on_a_host_style_endpoint_is_refused_naming_the_field_and_what_is_allowed(url):
    with pytest.raises(ValueError) as caught:
        parse_account_url(url)
    message = str(caught.value)
    expected = rf"account_url '[^']*/mgdc-analytics/?' {re.escape(HOST_STYLE_WITH_PATH)}"
    assert re.match(expected, message)
    assert "put the container in `container` and folders in `prefix`" in message


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:10000", "http://127.0.0.1:10000/devstoreaccount1/mgdc-analytics"]
)
def test_a_path_style_endpoint_names_the_account_alone(url):
    with pytest.raises(ValueError, match="its path must be the account name alone"):
        parse_account_url(url)


def test_a_container_smuggled_into_the_account_url_stops_the_sink_without_secrets():
    sas = BlobCredential("sas", "sv=2026-01-01&sig=SECRETSIGNATURE")
    refusal = f"account_url .* {re.escape(HOST_STYLE_WITH_PATH)}"
    with pytest.raises(ValueError, match=refusal) as caught:
        AzureBlobSink("https://contoso.blob.core.windows.net/mgdc-analytics", "hr-confidential",
                      credential=sas)
    assert "SECRETSIGNATURE" not in str(caught.value)


def test_the_sink_refuses_a_client_addressing_another_container_than_the_gate_checks(monkeypatch):
    # Defence in depth: with the parser as it was (one path segment accepted on any host), the
    # URI the gate checks is .../mgdc-analytics/hr-confidential but the SDK addresses
    # .../hr-confidential; the sink must refuse before its client sends anything.
    def permissive(url: str) -> tuple[str, str]:
        return url.rstrip("/"), url.rstrip("/").rsplit("/", 1)[1]

    monkeypatch.setattr(azure_account, "parse_account_url", permissive)
    sink = AzureBlobSink("https://contoso.blob.core.windows.net/mgdc-analytics", "hr-confidential",
                         credential=BlobCredential("sas", "sv=2026-01-01&sig=SECRETSIGNATURE"))
    assert sink.uri() == "https://contoso.blob.core.windows.net/mgdc-analytics/hr-confidential"
    with pytest.raises(ValueError) as caught:
        sink.container_client
    assert str(caught.value).startswith(
        "the Azure SDK would address container https://contoso.blob.core.windows.net/"
        "hr-confidential, not https://contoso.blob.core.windows.net/mgdc-analytics/hr-confidential "
        "that the consent gate checks"
    )
    assert "SECRETSIGNATURE" not in str(caught.value)
