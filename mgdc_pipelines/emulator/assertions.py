"""Certificate credentials for the emulator's token endpoint: Entra ID's signed client assertions.

Instead of a secret, a confidential client may send ``client_assertion_type=urn:ietf:params:
oauth:client-assertion-type:jwt-bearer`` and a ``client_assertion``: a JWT (RFC 7523) signed
with the private key of a certificate registered for the app. As Entra does, the emulator
finds the certificate by the header's ``x5t#S256`` or ``x5t`` thumbprint, checks the RS256 or
PS256 signature, ``iss == sub == client_id``, ``aud`` = the token endpoint it was posted to,
and ``nbf``/``exp`` (5 minutes of clock skew allowed). Assertions may be reused until they
expire (MSAL does), so ``jti`` must be present but is not checked for replay.

>>> import time
>>> from msal.oauth2cli import JwtAssertionCreator
>>> from mgdc_pipelines.emulator.certificates import self_signed_client_certificate
>>> cert = self_signed_client_certificate("app")
>>> assertions = ClientAssertions({"app": (cert.cert_pem,)})
>>> endpoint = "https://127.0.0.1:8443/contoso/oauth2/v2.0/token"
>>> signer = JwtAssertionCreator(cert.key_pem, "RS256", sha1_thumbprint=cert.thumbprint)
>>> signed = signer.create_normal_assertion(audience=endpoint, issuer="app")
>>> assertions.verify("app", JWT_BEARER, signed, endpoint, now=time.time())  # None: accepted
>>> forged = signer.create_normal_assertion(audience=endpoint, issuer="other-app")
>>> try:
...     assertions.verify("app", JWT_BEARER, forged, endpoint, now=time.time())
... except InvalidAssertion as rejected:
...     print(rejected.error, rejected.code)
invalid_client 700021
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from collections.abc import Iterable, Mapping

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
CLOCK_SKEW_S = 300  # Entra tolerates five minutes of client clock drift
_REQUIRED_CLAIMS = ("aud", "iss", "sub", "exp", "jti")
_PADDINGS = {  # PS256 as PyJWT (MSAL) and Entra do it: MGF1-SHA256, salt as long as the digest
    "RS256": padding.PKCS1v15(),
    "PS256": padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.DIGEST_LENGTH),
}


class InvalidAssertion(Exception):
    """A rejected client assertion, as Entra's token endpoint reports it (``AADSTS{code}``)."""

    def __init__(self, code: int, description: str, *,
                 status: int = 401, error: str = "invalid_client") -> None:
        super().__init__(f"AADSTS{code}: {description}")
        self.code, self.description, self.status, self.error = code, description, status, error


class ClientAssertions:
    """The certificates registered per client id, and verification of assertions against them."""

    def __init__(self, certificates: Mapping[str, Iterable[str | bytes]]) -> None:
        self._certificates = {client_id: _load_certificates(client_id, pems)
                              for client_id, pems in certificates.items()}

    def __repr__(self) -> str:
        return f"ClientAssertions(clients={sorted(self._certificates)})"

    def knows(self, client_id: str) -> bool:
        return client_id in self._certificates

    def verify(self, client_id: str, assertion_type: str | None, assertion: str | bytes,
               token_endpoint: str, now: float) -> None:
        """Return if ``assertion`` proves ``client_id`` at ``token_endpoint``, else raise InvalidAssertion."""
        if assertion_type != JWT_BEARER:
            raise InvalidAssertion(50012, f"Client assertion type '{assertion_type}' is not supported; "
                                   f"allowed: {JWT_BEARER}.", status=400, error="invalid_request")
        signing_input, header, claims, signature = _parse(assertion)
        certificate, thumbprint = self._certificate(client_id, header)
        if now >= certificate.not_valid_after_utc.timestamp():
            raise _invalid_signature("The key used is expired.", thumbprint, client_id)
        _check_signature(certificate, header["alg"], signing_input, signature, thumbprint, client_id)
        _check_claims(claims, client_id, token_endpoint, now)

    def _certificate(self, client_id: str, header: Mapping[str, object]) -> tuple[x509.Certificate, str]:
        """The registered certificate the header names by thumbprint (SHA-256 preferred, as Entra)."""
        for name, algorithm in (("x5t#S256", hashes.SHA256()), ("x5t", hashes.SHA1())):  # noqa: S303
            if name in header:
                thumbprint = _b64decode(header[name], f"header '{name}'")
                for certificate in self._certificates.get(client_id, ()):
                    if certificate.fingerprint(algorithm) == thumbprint:
                        return certificate, thumbprint.hex().upper()
                raise _invalid_signature("The key was not found.", thumbprint.hex().upper(), client_id)
        raise _invalid_signature("The key was not found.", "none: the header has neither x5t nor x5t#S256",
                                 client_id)


def _load_certificates(client_id: str, pems: Iterable[str | bytes]) -> tuple[x509.Certificate, ...]:
    loaded = []
    for pem in pems:
        try:
            certificates = x509.load_pem_x509_certificates(pem.encode() if isinstance(pem, str) else pem)
        except ValueError as error:
            raise ValueError(f"EmulatorConfig.certificates[{client_id!r}]: not a PEM X.509 certificate "
                             f"({error})") from None
        for certificate in certificates:
            if not isinstance(certificate.public_key(), rsa.RSAPublicKey):
                raise ValueError(f"EmulatorConfig.certificates[{client_id!r}]: the certificate's key is "
                                 f"{type(certificate.public_key()).__name__}; allowed: RSA (as Entra)")
        loaded.extend(certificates)
    return tuple(loaded)


def _parse(assertion: str | bytes) -> tuple[bytes, dict, dict, bytes]:
    """(signing input, header, claims, signature) of a compact JWS, else AADSTS50027."""
    text = assertion.decode("ascii", "replace") if isinstance(assertion, bytes) else assertion
    parts = text.split(".")
    if len(parts) != 3:
        raise _malformed(f"a JWT has 3 dot-separated parts, this one has {len(parts)}")
    try:
        header, claims = (json.loads(_b64decode(part, "JWT")) for part in parts[:2])
    except ValueError as error:
        raise _malformed(f"the header or payload is not base64url JSON ({error})") from None
    if not isinstance(header, dict) or not isinstance(claims, dict):
        raise _malformed("the header and payload must be JSON objects")
    if header.get("alg") not in _PADDINGS:
        raise _malformed(f"unsupported signing algorithm {header.get('alg')!r}; "
                         f"allowed: {', '.join(_PADDINGS)}")
    missing = [claim for claim in _REQUIRED_CLAIMS if claim not in claims]
    if missing:
        raise _malformed(f"missing required claims: {', '.join(missing)}")
    return f"{parts[0]}.{parts[1]}".encode("ascii"), header, claims, _b64decode(parts[2], "signature")


def _check_signature(certificate: x509.Certificate, alg: str, signing_input: bytes, signature: bytes,
                     thumbprint: str, client_id: str) -> None:
    public_key = certificate.public_key()
    assert isinstance(public_key, rsa.RSAPublicKey)  # only RSA certificates are registered
    try:
        public_key.verify(signature, signing_input, _PADDINGS[alg], hashes.SHA256())
    except InvalidSignature:
        raise _invalid_signature("The provided signature value did not match the expected signature value.",
                                 thumbprint, client_id) from None


def _check_claims(claims: Mapping[str, object], client_id: str, token_endpoint: str, now: float) -> None:
    if claims["iss"] != client_id or claims["sub"] != client_id:
        raise InvalidAssertion(700021, "Client assertion application identifier doesn't match 'client_id' "
                               f"parameter (iss {claims['iss']!r}, sub {claims['sub']!r}, "
                               f"client_id {client_id!r}).")
    audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    if token_endpoint not in audiences:
        raise InvalidAssertion(700023, f"Client assertion audience claim does not match Realm issuer: aud "
                               f"{claims['aud']!r}, expected the token endpoint {token_endpoint!r}.")
    expires, not_before = claims["exp"], claims.get("nbf", float("-inf"))
    if not all(isinstance(value, int | float) for value in (expires, not_before)):
        raise _malformed("the exp and nbf claims must be NumericDate numbers")
    if not not_before - CLOCK_SKEW_S <= now < expires + CLOCK_SKEW_S:
        valid_from = "" if not_before == float("-inf") else f"assertion valid from {_utc(not_before)}, "
        raise InvalidAssertion(700024, f"Client assertion is not within its valid time range. Current time: "
                               f"{_utc(now)}, {valid_from}expiry time of assertion {_utc(expires)}.")


def _b64decode(value: object, what: str) -> bytes:
    if not isinstance(value, str):
        raise _malformed(f"{what} is not a base64url string")
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        raise _malformed(f"{what} is not valid base64url") from None


def _invalid_signature(reason: str, thumbprint: str, client_id: str) -> InvalidAssertion:
    return InvalidAssertion(700027, f"Client assertion contains an invalid signature. [Reason - {reason}, "
                            f"Thumbprint of key used by client: '{thumbprint}', "
                            f"Please see the configured keys for app Id '{client_id}'.]")


def _malformed(reason: str) -> InvalidAssertion:
    return InvalidAssertion(50027, f"JWT token is invalid or malformed: {reason}.", status=400,
                            error="invalid_request")


def _utc(timestamp: float) -> str:
    return dt.datetime.fromtimestamp(timestamp, dt.timezone.utc).strftime("%m/%d/%Y %H:%M:%S")
