"""Entra ID for the emulator: OIDC discovery, the client-credentials token endpoint, tokens.

Clients authenticate with a secret or a certificate (a signed client assertion, see
``assertions.py``). Any tenant segment is accepted (a GUID, ``organizations``, a domain), as
Entra does for app-only tokens. Tokens are opaque random strings remembered with their client,
audience (the resource of the ``{resource}/.default`` scope asked for) and expiry; an Identity
issues tokens for the scopes it is built with (Graph by default). ``expire_all`` ages every
issued token at once so clients must refresh.

>>> identity = Identity({"app": "s3cret"}, token_lifetime_s=60)
>>> endpoint = "https://127.0.0.1:8443/contoso/oauth2/v2.0/token"
>>> status, body = identity.issue_token({"grant_type": "client_credentials", "client_id": "app",
...     "client_secret": "s3cret", "scope": "https://graph.microsoft.com/.default"}, token_endpoint=endpoint)
>>> status, body["token_type"], identity.authenticate("Bearer " + body["access_token"])
(200, 'Bearer', 'app')
>>> identity.issue_token({"grant_type": "client_credentials", "client_id": "app", "client_secret": "wrong",
...     "scope": "https://graph.microsoft.com/.default"}, token_endpoint=endpoint)[1]["error"]
'invalid_client'
>>> arm = Identity({"app": "s3cret"}, 60, scopes=("https://management.azure.com/.default",))
>>> token = arm.issue_token({"grant_type": "client_credentials", "client_id": "app", "client_secret": "s3cret",
...     "scope": "https://management.azure.com/.default"}, token_endpoint=endpoint)[1]["access_token"]
>>> arm.verify("Bearer " + token).audience
'https://management.azure.com'
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import secrets
import threading
import time
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
import re
from urllib.parse import parse_qsl, urlsplit

from mgdc_pipelines.catalog.graph import GRAPH_SCOPE
from mgdc_pipelines.emulator.assertions import ClientAssertions, InvalidAssertion
from mgdc_pipelines.emulator.odata import GraphError

# Scopes MSAL may add on its own; they ride along with the resource's `.default`.
_RESERVED_SCOPES = frozenset({"openid", "profile", "offline_access"})
_REMEMBER_EXPIRED_S = 3600.0


@dataclass(frozen=True)
class IssuedToken:
    """What the emulator remembers of a token it issued."""

    client_id: str
    audience: str  # the scope's resource: ``https://graph.microsoft.com`` for the Graph scope
    expires: float  # time.monotonic()


class TokenRefused(Exception):
    """A bearer token that proves nothing: ``reason`` is ``missing``, ``unknown`` or ``expired``."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason, self.message = reason, message


def audience_of(scope: str) -> str:
    """``https://management.azure.com`` for ``https://management.azure.com/.default``."""
    return scope.removesuffix("/.default")


class Identity:
    """Registered clients (id → secret, id → certificates) and the tokens issued to them (thread-safe)."""

    def __init__(self, clients: Mapping[str, str], token_lifetime_s: int,
                 certificates: Mapping[str, Iterable[str | bytes]] | None = None,
                 scopes: Iterable[str] = (GRAPH_SCOPE,)) -> None:
        self._clients = dict(clients)
        self._scopes = tuple(scopes)
        self._assertions = ClientAssertions(certificates or {})
        self._lifetime_s = token_lifetime_s
        self._lock = threading.Lock()
        self._tokens: dict[str, IssuedToken] = {}

    def __repr__(self) -> str:  # never the secrets
        return f"Identity(clients={sorted(self._clients)}, {self._assertions!r})"

    def configure(self, token_lifetime_s: int) -> None:
        self._lifetime_s = token_lifetime_s

    # --- discovery ------------------------------------------------------------------------

    @staticmethod
    def openid_configuration(base_url: str, tenant: str) -> dict:
        root = f"{base_url}/{tenant}"
        return {
            "issuer": f"{root}/v2.0",
            "authorization_endpoint": f"{root}/oauth2/v2.0/authorize",
            "token_endpoint": f"{root}/oauth2/v2.0/token",
            "device_authorization_endpoint": f"{root}/oauth2/v2.0/devicecode",
            "jwks_uri": f"{root}/discovery/v2.0/keys",
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "tenant_region_scope": "EU",
            "cloud_instance_name": "emulator.local",
        }

    @staticmethod
    def instance_discovery(base_url: str, authorization_endpoint: str | None) -> dict:
        """What MSAL's instance discovery expects: where the tenant's OIDC document is."""
        # MSAL names the endpoint by host without the port: read the tenant from the path.
        segments = urlsplit(authorization_endpoint or "").path.split("/")
        tenant = segments[1] if len(segments) > 1 and segments[1] else "common"
        return {
            "tenant_discovery_endpoint": f"{base_url}/{tenant}/v2.0/.well-known/openid-configuration",
            "api-version": "1.1",
            "metadata": [],
        }

    # --- tokens ---------------------------------------------------------------------------

    def issue_token(self, form: Mapping[str, str], *, token_endpoint: str) -> tuple[int, dict]:
        """(status, JSON body) for a ``POST`` of ``form`` to ``token_endpoint`` (an assertion's audience)."""
        client_id = form.get("client_id", "")
        if form.get("grant_type") != "client_credentials":
            return _aadsts(400, "unsupported_grant_type", 70003,
                           f"The app requested an unsupported grant type '{form.get('grant_type')}'; "
                           "this emulator supports client_credentials.")
        if client_id not in self._clients and not self._assertions.knows(client_id):
            return _aadsts(400, "unauthorized_client", 700016,
                           f"Application with identifier '{client_id}' was not found in the directory.")
        refused = self._refuse_client(client_id, form, token_endpoint)
        if refused is not None:
            return refused
        asked = set(form.get("scope", "").split()) - _RESERVED_SCOPES
        if len(asked) != 1 or not asked <= set(self._scopes):
            return _aadsts(400, "invalid_scope", 1002012,
                           f"The provided value for scope '{form.get('scope', '')}' is not valid. Client "
                           "credential flows must have one scope value with /.default suffixed: "
                           f"{' or '.join(self._scopes)}")
        return 200, self._new_token(client_id, audience_of(asked.pop()))

    def _refuse_client(
        self, client_id: str, form: Mapping[str, str], token_endpoint: str
    ) -> tuple[int, dict] | None:
        """Entra's answer when the client's secret or certificate assertion does not prove it, else None."""
        if "client_assertion" in form:
            try:
                self._assertions.verify(client_id, form.get("client_assertion_type"), form["client_assertion"],
                                        token_endpoint, now=time.time())  # wall clock, as the client's exp
            except InvalidAssertion as refused:
                return _aadsts(refused.status, refused.error, refused.code, refused.description)
            return None
        if "client_secret" not in form:
            return _aadsts(401, "invalid_client", 7000218, "The request body must contain the following "
                           "parameter: 'client_assertion' or 'client_secret'.")
        registered = self._clients.get(client_id)  # None: the client has certificates only
        if registered is None or not secrets.compare_digest(form["client_secret"].encode(),
                                                            registered.encode()):
            return _aadsts(401, "invalid_client", 7000215,
                           "Invalid client secret provided. Ensure the secret being sent in the request "
                           f"is the client secret value, not the client secret ID, for app '{client_id}'.")
        return None

    def _new_token(self, client_id: str, audience: str) -> dict:
        token = "emu." + secrets.token_urlsafe(32)
        lifetime = self._lifetime_s
        with self._lock:
            now = time.monotonic()
            # Forget tokens long dead; recently expired ones still get the "expired" message.
            self._tokens = {t: v for t, v in self._tokens.items() if v.expires > now - _REMEMBER_EXPIRED_S}
            self._tokens[token] = IssuedToken(client_id, audience, now + lifetime)
        return {"token_type": "Bearer", "expires_in": lifetime, "ext_expires_in": lifetime,
                "access_token": token}

    def authenticate(self, authorization: str | None) -> str:
        """The client id behind an ``Authorization: Bearer`` header, else a Graph 401."""
        try:
            return self.verify(authorization).client_id
        except TokenRefused as refused:
            raise _unauthenticated(refused.message) from None

    def verify(self, authorization: str | None) -> IssuedToken:
        """The live token behind an ``Authorization: Bearer`` header, else :class:`TokenRefused`."""
        if not authorization or not authorization.startswith("Bearer ") or not authorization[7:].strip():
            raise TokenRefused("missing", "Access token is empty.")
        with self._lock:
            entry = self._tokens.get(authorization[7:].strip())
        if entry is None:
            raise TokenRefused("unknown", "IDX14100: the access token is not one this tenant issued.")
        if time.monotonic() >= entry.expires:
            raise TokenRefused("expired", "Lifetime validation failed, the token is expired.")
        return entry

    def expire_all(self) -> None:
        """Every token issued so far is expired from now on."""
        with self._lock:
            now = time.monotonic()
            self._tokens = {t: dataclasses.replace(v, expires=min(v.expires, now)) for t, v in self._tokens.items()}


def _aadsts(status: int, error: str, code: int, description: str) -> tuple[int, dict]:
    trace = str(uuid.uuid4())
    now = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%SZ")
    return status, {
        "error": error,
        "error_description": f"AADSTS{code}: {description}\r\nTrace ID: {trace}\r\nTimestamp: {now}",
        "error_codes": [code],
        "timestamp": now,
        "trace_id": trace,
        "correlation_id": str(uuid.uuid4()),
    }


def _unauthenticated(message: str) -> GraphError:
    return GraphError(401, "InvalidAuthenticationToken", message,
                      {"WWW-Authenticate": 'Bearer realm="", error="invalid_token"'})


_OPENID = re.compile(r"^/(?P<tenant>[^/]+)/v2\.0/\.well-known/openid-configuration$")
_TOKEN = re.compile(r"^/(?P<tenant>[^/]+)/oauth2/v2\.0/token$")
_INSTANCE_DISCOVERY = "/common/discovery/instance"


def answer_identity_request(
    identity: Identity, base_url: str, method: str, path: str, query: Mapping[str, str], body: bytes
) -> tuple[int, dict, str | None]:
    """(status, JSON body, client id) for a request to Entra's endpoints MSAL calls: the OpenID
    configuration, the token endpoint and instance discovery (404 for anything else)."""
    openid, token = _OPENID.match(path), _TOKEN.match(path)
    if openid and method == "GET":
        return 200, identity.openid_configuration(base_url, openid["tenant"]), None
    if token and method == "POST":
        form = dict(parse_qsl(body.decode("utf-8", "replace")))
        status, answer = identity.issue_token(form, token_endpoint=base_url + path)
        return status, answer, form.get("client_id")
    if path == _INSTANCE_DISCOVERY and method == "GET":
        return 200, identity.instance_discovery(base_url, query.get("authorization_endpoint")), None
    return 404, {"error": "not_found", "error_description": f"No identity endpoint at {method} {path}"}, None
