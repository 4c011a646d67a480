"""App-only tokens for Microsoft Graph: MSAL's client-credentials flow with a token cache.

:class:`GraphCredentials` names the tenant, the app (client) id and its secret *or* certificate;
its repr never shows either. :class:`TokenProvider` wraps one MSAL
``ConfidentialClientApplication`` (created on first use, so building a source needs no
network): tokens come from MSAL's cache until they near expiry, and :meth:`TokenProvider.refresh`
drops a token Graph rejected (HTTP 401) and asks for a new one. Its scope is Graph's unless told
otherwise (Azure Resource Manager's, for the Data Factory control plane). The authority host is
configurable for sovereign clouds (``https://login.microsoftonline.us``,
``https://login.chinacloudapi.cn``) and for the loopback emulator.

>>> credentials = GraphCredentials("tenant-1", "client-1", client_secret="s3cret-value")
>>> credentials
GraphCredentials(tenant_id='tenant-1', client_id='client-1', credential='client secret', authority='https://login.microsoftonline.com/tenant-1')
>>> "s3cret-value" in repr(TokenProvider(credentials, session=None))
False
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

import msal
import requests

from mgdc_pipelines.catalog.graph import GRAPH_SCOPE

DEFAULT_AUTHORITY_HOST = "https://login.microsoftonline.com"
# How long a token MSAL handed out is handed out again without asking MSAL (at most half its
# remaining life): asking costs a lock every worker queues on and about 45 µs, on every request.
TOKEN_REUSE_S = 30.0


class GraphAuthError(RuntimeError):
    """No token could be obtained (wrong secret, unknown tenant, authority unreachable)."""


@dataclass(frozen=True, repr=False)
class ClientCertificate:
    """A certificate credential: the PEM private key and the certificate's SHA-1 thumbprint."""

    private_key_pem: str = field(repr=False)
    thumbprint: str
    public_certificate_pem: str | None = None  # sent as x5c (subject-name/issuer auth)


@dataclass(frozen=True, repr=False)
class GraphCredentials:
    """Who the app is; exactly one of ``client_secret`` and ``certificate``."""

    tenant_id: str
    client_id: str
    client_secret: str | None = None
    certificate: ClientCertificate | None = None
    authority_host: str = DEFAULT_AUTHORITY_HOST

    def __post_init__(self) -> None:
        if (self.client_secret is None) == (self.certificate is None):
            raise ValueError(
                f"Graph app {self.client_id}: give exactly one of a client secret or a certificate"
            )

    @property
    def authority(self) -> str:
        return f"{self.authority_host.rstrip('/')}/{self.tenant_id}"

    @property
    def kind(self) -> str:
        return "client secret" if self.client_secret is not None else "certificate"

    def msal_credential(self) -> str | dict[str, str]:
        if self.client_secret is not None:
            return self.client_secret
        cert = self.certificate
        credential = {"private_key": cert.private_key_pem, "thumbprint": cert.thumbprint}
        if cert.public_certificate_pem:
            credential["public_certificate"] = cert.public_certificate_pem
        return credential

    def __repr__(self) -> str:
        return (
            f"GraphCredentials(tenant_id={self.tenant_id!r}, client_id={self.client_id!r}, "
            f"credential={self.kind!r}, authority={self.authority!r})"
        )

    __str__ = __repr__


class TokenProvider:
    """Bearer tokens for Graph (or another resource's ``.default`` scope); thread-safe, one token
    request at a time."""

    def __init__(
        self, credentials: GraphCredentials, session: requests.Session | None, scope: str = GRAPH_SCOPE
    ) -> None:
        self.credentials = credentials
        self.scope = scope
        self._session = session
        self._app: msal.ConfidentialClientApplication | None = None
        self._lock = threading.Lock()
        self._reused: tuple[str, float] | None = None  # (token, until when, time.monotonic())
        self.refreshes = 0

    def __repr__(self) -> str:
        if self.scope == GRAPH_SCOPE:
            return f"TokenProvider({self.credentials!r})"
        return f"TokenProvider({self.credentials!r}, scope={self.scope!r})"

    def token(self) -> str:
        """A valid access token: MSAL's cached one until near expiry, else a new one (the same
        token again for up to :data:`TOKEN_REUSE_S` without asking MSAL)."""
        reused = self._reused
        if reused is not None and time.monotonic() < reused[1]:
            return reused[0]
        with self._lock:
            return self._acquire()

    def refresh(self, rejected: str) -> str:
        """A token other than ``rejected`` (which Graph answered with 401)."""
        with self._lock:
            current = self._acquire()
            if current != rejected:
                return current  # another thread refreshed already
            self._reused = None
            self._application().remove_tokens_for_client()
            self.refreshes += 1
            return self._acquire()

    def _acquire(self) -> str:
        try:
            result: dict[str, Any] = self._application().acquire_token_for_client(scopes=[self.scope])
        except (ValueError, requests.RequestException) as error:
            raise self._error(f"{type(error).__name__}: {error}") from None
        if "access_token" not in result:
            raise self._error(f"{result.get('error')}: {result.get('error_description')}")
        token, lifetime = result["access_token"], result.get("expires_in")
        if isinstance(lifetime, int | float) and lifetime > 0:
            self._reused = (token, time.monotonic() + min(TOKEN_REUSE_S, lifetime / 2))
        return token

    def _application(self) -> msal.ConfidentialClientApplication:
        if self._app is None:
            credentials = self.credentials
            try:
                self._app = msal.ConfidentialClientApplication(
                    credentials.client_id,
                    authority=credentials.authority,
                    client_credential=credentials.msal_credential(),
                    token_cache=msal.TokenCache(),
                    http_client=self._session,
                    # Instance discovery asks login.microsoftonline.com about the host; the
                    # authority's own OIDC metadata is enough for app-only tokens in any cloud.
                    instance_discovery=False,
                )
            except (ValueError, requests.RequestException) as error:
                raise self._error(f"{type(error).__name__}: {error}") from None
        return self._app

    def _error(self, detail: str) -> GraphAuthError:
        secret = self.credentials.client_secret
        if secret:
            detail = detail.replace(secret, "***")
        what = "a Graph token" if self.scope == GRAPH_SCOPE else f"a token for {self.scope}"
        return GraphAuthError(
            f"could not get {what} for app {self.credentials.client_id} from "
            f"{self.credentials.authority} ({self.credentials.kind}): {detail}"
        )
