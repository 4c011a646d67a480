"""Which Azure Storage account a sink talks to, and with which credential (kept out of repr).

Host-style URLs (``https://<account>.blob.core.windows.net``, ADLS Gen2 accounts included: they
serve the Blob API too) and path-style URLs (Azurite, ``http://127.0.0.1:10000/devstoreaccount1``)
are both accepted; the account name comes from the host or from the path. A path is accepted
only where it names the account (see :func:`is_path_style`): anywhere else it would be dropped
by the SDK or read as a container by the service, so the container written would not be the
spec's ``container`` that consent checks.

>>> key = BlobCredential("key", "c2VjcmV0")
>>> account = AzureAccount("http://127.0.0.1:10000/devstoreaccount1/", key)
>>> account.name, account.url
('devstoreaccount1', 'http://127.0.0.1:10000/devstoreaccount1')
>>> account
AzureAccount(url='http://127.0.0.1:10000/devstoreaccount1', credential=BlobCredential(kind='key'))
>>> AzureAccount("https://contoso.blob.core.windows.net", BlobCredential("default")).name
'contoso'
>>> AzureAccount("https://contoso.blob.core.windows.net/mgdc", BlobCredential("default"))
Traceback (most recent call last):
ValueError: account_url 'https://contoso.blob.core.windows.net/mgdc' must be the storage account's \
endpoint with no path, e.g. https://<account>.blob.core.windows.net (only emulator endpoints such \
as http://127.0.0.1:10000/devstoreaccount1 take a path); put the container in `container` and \
folders in `prefix`
"""

from __future__ import annotations

import ipaddress
import logging
import re
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

# The SDK is imported when a client or credential is made, not with the module: a copy from a
# local landing folder names its store's account type without loading the Azure SDK.
if TYPE_CHECKING:
    from azure.storage.blob import BlobServiceClient

CREDENTIAL_KINDS = ("key", "sas", "default")
_SAS_SIGNATURE = re.compile(r"(?i)(\bsig=)[^&\s\"']+")


class RedactedSasSignatures(logging.Filter):
    """Replaces the signature of a SAS token (``sig=...``) in a log record with ``REDACTED``.

    urllib3, under the Azure SDK, logs each request line at DEBUG, its query included: with a
    SAS credential, the token's signature in clear in whatever a DEBUG log reaches. (The SDK's
    own logging policy redacts it already.)

    >>> record = logging.LogRecord("urllib3", logging.DEBUG, "", 0, '"%s %s"', ("GET",
    ...     "/acct/c?restype=container&sv=2026-10-06&sig=ey4Z%2Bnm%3D&sp=l"), None)
    >>> RedactedSasSignatures().filter(record), record.getMessage()
    (True, '"GET /acct/c?restype=container&sv=2026-10-06&sig=REDACTED&sp=l"')
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(_redacted(arg) for arg in record.args)
        record.msg = _redacted(record.msg)
        return True


def _redacted(value: Any) -> Any:
    return _SAS_SIGNATURE.sub(r"\1REDACTED", value) if isinstance(value, str) else value


# Installed once, where every Azure client of the package is made (this module).
logging.getLogger("urllib3.connectionpool").addFilter(RedactedSasSignatures())


@dataclass(frozen=True)
class BlobCredential:
    """``key`` (account key), ``sas`` (SAS token) or ``default`` (``DefaultAzureCredential``).

    Anonymous access is refused: Azure Storage never lets an anonymous caller write.
    ``options`` are ``DefaultAzureCredential`` keyword arguments (kind ``default`` only).
    """

    kind: str
    secret: str | None = field(default=None, repr=False)
    options: Mapping[str, Any] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        if self.kind == "anonymous":
            raise ValueError(
                "an Azure sink cannot use anonymous access: Azure Storage allows anonymous "
                f"callers to read only; use one of {', '.join(CREDENTIAL_KINDS)}"
            )
        if self.kind not in CREDENTIAL_KINDS:
            raise ValueError(
                f"unknown Azure credential type {self.kind!r}; "
                f"allowed: {', '.join(CREDENTIAL_KINDS)}"
            )
        if self.kind in ("key", "sas") and not self.secret:
            raise ValueError(
                f"the Azure {self.kind} credential is empty (is its environment variable set?)"
            )


@dataclass(frozen=True)
class AzureAccount:
    """A storage account endpoint plus the credential to use it."""

    url: str
    credential: BlobCredential
    name: str = field(init=False, repr=False)

    def __post_init__(self) -> None:
        url, name = parse_account_url(self.url)
        object.__setattr__(self, "url", url)
        object.__setattr__(self, "name", name)

    def service_client(self) -> BlobServiceClient:
        """A Blob API client; creating it does not touch the network."""
        from azure.storage.blob import BlobServiceClient

        return BlobServiceClient(account_url=self.url, credential=self.sdk_credential())

    def sdk_credential(self) -> Any:
        kind, secret = self.credential.kind, self.credential.secret
        if kind == "key":
            # Named explicitly: the SDK guesses it only for hosts it knows (not `azurite:10000`).
            return {"account_name": self.name, "account_key": secret}
        if kind == "sas":
            from azure.core.credentials import AzureSasCredential

            return AzureSasCredential(secret.lstrip("?"))
        from azure.identity import DefaultAzureCredential  # slow import, only when used

        return DefaultAzureCredential(**dict(self.credential.options))


def parse_account_url(url: str) -> tuple[str, str]:
    """``(url without trailing slash, account name)``; refuses queries (a SAS is a credential),
    and a path anywhere but as the account of a path-style endpoint (:func:`is_path_style`)."""
    parts = urllib.parse.urlsplit(url)
    # Errors show the URL without its query: a query may hold a SAS token.
    shown = f"{parts.scheme}://{parts.hostname or ''}{parts.path}"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"account_url {shown!r} must be an http(s) URL of a storage account")
    if parts.query or parts.fragment or parts.username or parts.password:
        raise ValueError(
            f"account_url {shown!r} must not carry a query, fragment or user: put a SAS token in "
            "the credential (type: sas, sas_env) instead"
        )
    segments = [segment for segment in parts.path.split("/") if segment]
    if not is_path_style(parts.hostname):
        if segments:
            raise ValueError(
                f"account_url {shown!r} must be the storage account's endpoint with no path, "
                "e.g. https://<account>.blob.core.windows.net (only emulator endpoints such as "
                "http://127.0.0.1:10000/devstoreaccount1 take a path); put the container in "
                "`container` and folders in `prefix`"
            )
        return f"{parts.scheme}://{parts.netloc}", parts.hostname.split(".")[0]
    if len(segments) != 1:
        raise ValueError(
            f"account_url {shown!r} is an emulator (path-style) endpoint: its path must be the "
            "account name alone, e.g. http://127.0.0.1:10000/devstoreaccount1; put the container "
            "in `container` and folders in `prefix`"
        )
    return f"{parts.scheme}://{parts.netloc}/{segments[0]}", segments[0]


def is_path_style(hostname: str) -> bool:
    """Does a URL on ``hostname`` carry the storage account in its path (path style)?

    Only on an IP address or a dot-less name (``localhost``, a Docker service such as ``azurite``):
    exactly where Azurite reads the account from the path (``extractStoragePartsFromPath`` in its
    ``blobStorageContext.middleware``). Azure itself is always host style.

    The SDK sends that path: azure-storage-blob 12.31 ``_shared/base_client.py``
    ``StorageAccountHostsMixin.__init__`` makes ``netloc + path`` the start of every request URL
    unless the netloc holds ``.blob.core.``, which none of these hosts does. On a ``.blob.core.``
    host it keeps the netloc alone (``_construct_endpoints``): the path is silently dropped and
    the blobs land in the spec's ``container`` itself. On other named hosts (``.dfs.core.``,
    custom domains) it sends the path and the service reads it as the container. Either way the
    container written is not what ``<account_url>/<container>``, the URI consent checks, says.

    >>> [is_path_style(h) for h in ("127.0.0.1", "::1", "localhost", "azurite")]
    [True, True, True, True]
    >>> [is_path_style(h) for h in ("contoso.blob.core.windows.net", "account.blob.localhost")]
    [False, False]
    """
    try:
        ipaddress.ip_address(hostname)
    except ValueError:
        return "." not in hostname
    return True
