"""Self-signed client certificates for tests and demos of Entra's certificate credentials.

An app registration's certificate is what the emulator (``EmulatorConfig.certificates``)
and MSAL (``client_credential={"private_key": ..., "thumbprint": ...}``) need: the PEM
certificate, its PEM private key and the SHA-1 thumbprint in hex, as the Azure portal shows it.

>>> cert = self_signed_client_certificate("5d2c4f0e-6a8b-4e1f-9c3d-000000e7a101")
>>> cert.cert_pem.startswith("-----BEGIN CERTIFICATE-----"), "PRIVATE KEY" in cert.key_pem
(True, True)
>>> cert.thumbprint == sha1_thumbprint(x509.load_pem_x509_certificate(cert.cert_pem.encode()))
True
>>> len(cert.thumbprint)
40
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

_KEY_SIZE = 2048  # the smallest RSA key Entra accepts for client assertions
_BACKDATE = dt.timedelta(days=1)  # tolerate a client clock slightly behind ours


class ClientCertificate(NamedTuple):
    """A certificate credential; unpacks as ``cert_pem, key_pem, thumbprint``."""

    cert_pem: str
    key_pem: str  # unencrypted PKCS#8
    thumbprint: str  # SHA-1, upper-case hex: MSAL's "thumbprint"

    def __repr__(self) -> str:  # never the private key
        return f"ClientCertificate(thumbprint={self.thumbprint!r})"


def self_signed_client_certificate(
    client_id: str, *, not_valid_after: dt.datetime | None = None
) -> ClientCertificate:
    """A fresh RSA key and a self-signed certificate ``CN=<client_id>`` (default: valid a year)."""
    now = dt.datetime.now(dt.timezone.utc)
    not_valid_after = not_valid_after or now + dt.timedelta(days=365)
    key = rsa.generate_private_key(public_exponent=65537, key_size=_KEY_SIZE)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, client_id)])
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(min(now, not_valid_after) - _BACKDATE)
        .not_valid_after(not_valid_after)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return ClientCertificate(certificate.public_bytes(serialization.Encoding.PEM).decode("ascii"),
                             key_pem.decode("ascii"), sha1_thumbprint(certificate))


def sha1_thumbprint(certificate: x509.Certificate) -> str:
    """The thumbprint Entra and the Azure portal show: SHA-1 of the DER certificate, hex."""
    return certificate.fingerprint(hashes.SHA1()).hex().upper()  # noqa: S324 - an identifier, not security
