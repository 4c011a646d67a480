"""The admin's Ed25519 key pair: PEM on disk, never printed, never logged.

The private key signs authorizations and stays with the admin; the runtime loads only the
public key. Key ids (16 hex digits) name a key in messages without revealing anything.

>>> private_pem, public_pem = generate_keypair()
>>> key = load_public_key(public_pem)
>>> len(key_id(key)), key_id(load_private_key(private_pem)) == key_id(key)
(16, True)
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Union

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from mgdc_pipelines.consent.errors import ConsentError

KeySource = Union[bytes, str, "os.PathLike[str]"]
_PEM_MARKER = "-----BEGIN"


def generate_keypair() -> tuple[bytes, bytes]:
    """A new key pair: (PKCS8 PEM private key, SubjectPublicKeyInfo PEM public key)."""
    key = Ed25519PrivateKey.generate()
    private_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private_pem, public_pem


def write_keypair(private_path: str | os.PathLike[str], public_path: str | os.PathLike[str]) -> str:
    """Generate a key pair into two new files (private: mode 0600); returns the key id.

    Existing files are never overwritten: replacing a key would silently orphan every
    authorization signed with it.
    """
    paths = (Path(private_path), Path(public_path))
    for path in paths:
        if path.exists():
            raise ConsentError(f"{path} already exists; refusing to overwrite a key file")
    private_pem, public_pem = generate_keypair()
    _create(paths[0], private_pem, 0o600)
    _create(paths[1], public_pem, 0o644)
    return key_id(load_public_key(public_pem))


def load_private_key(source: KeySource | Ed25519PrivateKey) -> Ed25519PrivateKey:
    """An Ed25519 private key from PEM bytes/text or a PEM file (unencrypted PKCS8)."""
    if isinstance(source, Ed25519PrivateKey):
        return source
    data, name = _read(source, "private key")
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except TypeError:
        raise ConsentError(
            f"private key {name} is encrypted; use an unencrypted PKCS8 PEM key"
        ) from None
    except (ValueError, UnsupportedAlgorithm):
        raise ConsentError(f"{name} is not a PEM private key") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise ConsentError(f"private key {name} is not an Ed25519 key")
    return key


def load_public_key(source: KeySource | Ed25519PublicKey) -> Ed25519PublicKey:
    """An Ed25519 public key from PEM bytes/text or a PEM file (SubjectPublicKeyInfo)."""
    if isinstance(source, Ed25519PublicKey):
        return source
    data, name = _read(source, "public key")
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, UnsupportedAlgorithm):
        raise ConsentError(f"{name} is not a PEM public key") from None
    if not isinstance(key, Ed25519PublicKey):
        raise ConsentError(f"public key {name} is not an Ed25519 key")
    return key


def key_id(key: Ed25519PublicKey | Ed25519PrivateKey) -> str:
    """First 16 hex digits of the SHA-256 of the raw public key bytes."""
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def _read(source: KeySource, what: str) -> tuple[bytes, str]:
    """The PEM bytes and a name for messages (the file, or ``<PEM data>``: never the key itself)."""
    if isinstance(source, bytes):
        return source, "<PEM data>"
    if isinstance(source, str) and _PEM_MARKER in source:
        return source.encode("ascii", "replace"), "<PEM data>"
    path = Path(source)
    try:
        return path.read_bytes(), str(path)
    except OSError as error:
        raise ConsentError(f"cannot read {what} file {path}: {error.strerror}") from None


def _create(path: Path, data: bytes, mode: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(
        path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode
    )  # mode set at creation: no window
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
