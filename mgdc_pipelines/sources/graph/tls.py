"""An HTTP session whose TLS trust is the caller's choice, whatever the environment says.

``requests`` lets ``REQUESTS_CA_BUNDLE``/``CURL_CA_BUNDLE`` override a session's ``verify`` on
every request (``Session.merge_environment_settings``), so a session told to trust one CA
bundle silently trusts another. :class:`TrustedSession` keeps proxies from the environment but
always verifies against its own ``verify``: the system store (``True``) or a CA bundle file.
TLS verification is never turned off. Nor does it add ``~/.netrc`` credentials, which
``requests`` would otherwise send as Basic auth in place of the bearer token.

>>> session = trusted_session(None, pool_size=4)
>>> session.verify
True
>>> trusted_session("/nonexistent/ca.pem", pool_size=4)
Traceback (most recent call last):
...
FileNotFoundError: CA bundle /nonexistent/ca.pem does not exist (source.ca_bundle must name a PEM file)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from requests.auth import AuthBase


class _HeadersOnly(AuthBase):
    """Authentication is the ``Authorization`` header the caller sets; a set ``auth`` also keeps
    ``requests`` from looking credentials up in ``~/.netrc``."""

    def __call__(self, request):
        return request


class TrustedSession(requests.Session):
    """A session that verifies TLS against ``self.verify`` only and never adds credentials."""

    def __init__(self) -> None:
        super().__init__()
        self.auth = _HeadersOnly()

    def rebuild_auth(self, prepared_request, response) -> None:
        """On a redirect, drop the token when the host changes (as requests does), but never
        add ``~/.netrc`` credentials (which requests would)."""
        if "Authorization" in prepared_request.headers and self.should_strip_auth(
            response.request.url, prepared_request.url
        ):
            del prepared_request.headers["Authorization"]

    def merge_environment_settings(self, url, proxies, stream, verify, cert) -> dict[str, Any]:
        settings = super().merge_environment_settings(url, proxies, stream, verify, cert)
        settings["verify"] = self.verify if verify is None or verify is True else verify
        if settings["verify"] is False:
            raise ValueError("refusing to send a request without TLS verification")
        return settings


def trusted_session(ca_bundle: str | Path | None, pool_size: int) -> TrustedSession:
    """A pooled session trusting ``ca_bundle`` (a PEM file), or the system store when ``None``."""
    session = TrustedSession()
    if ca_bundle is not None:
        path = Path(ca_bundle).expanduser()
        if not path.is_file():
            raise FileNotFoundError(
                f"CA bundle {ca_bundle} does not exist (source.ca_bundle must name a PEM file)"
            )
        session.verify = str(path.absolute())
    adapter = HTTPAdapter(pool_connections=4, pool_maxsize=max(pool_size, 1), max_retries=0)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session
