"""What a deployment file must not hold: a secret written out instead of named.

>>> looks_like_secret("MGDC_HASH_KEY", "")
False
>>> looks_like_secret("MGDC_PG_PASSWORD", "hunter2")
True
>>> looks_like_secret("MGDC_SPEC", "/opt/mgdc/spec/mgdc.yaml"), looks_like_secret("generatePasswordSecret", False)
(False, False)
>>> looks_like_secret("connection", "DefaultEndpointsProtocol=https;AccountName=a;AccountKey=Zm9vYmFy")
True
>>> looks_like_secret("url", "postgresql+psycopg2://mgdc:s3cret@db:5432/mgdc")
True
>>> looks_like_secret("image", "ghcr.io/contoso/mgdc-pipelines")
False
>>> looks_like_secret("key", "MGDC_HASH_KEY") or looks_like_secret("postgresqlSecretName", "mgdc-postgresql")
False
>>> looks_like_secret("note", "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0")  # 36 base64 characters
True
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

# A name that says its value is a secret...
# (`postgresqlPassword`, `MGDC_HASH_KEY`; not `postgresqlSecretName` nor a secretKeyRef's `key`: those name one)
SECRET_NAME = re.compile(r"(SECRET|PASSWORD|PASSWD|TOKEN|CREDENTIALS?|CONNECTION_STRING|_KEY)$", re.I)
# ...and values that are secrets whatever their name: a storage connection string, a URL with a
# password, a long run of key-like characters (a base64 or hex key, a SAS signature).
SECRET_VALUE = re.compile(r"AccountKey=|SharedAccessSignature=|[?&]sig=|://[^/\s:@]+:[^/\s@]+@|^[A-Za-z0-9+/=_-]{32,}$")


def looks_like_secret(name: str, value: Any) -> bool:
    """Whether ``name: value`` writes a secret out (an empty value is a name only, and a flag
    such as ``generatePostgresqlPasswordSecret: false`` no secret: fine)."""
    if not isinstance(value, str) or not value:
        return False
    return bool(SECRET_NAME.search(name)) or bool(SECRET_VALUE.search(value))


def literal_values(document: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    """Every scalar of a YAML document with its dotted path (list items as ``[i]``).

    >>> list(literal_values({"a": [{"b": 1}], "c": None}))
    [('a[0].b', 1), ('c', None)]
    """
    if isinstance(document, dict):
        for key, value in document.items():
            yield from literal_values(value, f"{path}.{key}" if path else str(key))
    elif isinstance(document, list):
        for index, value in enumerate(document):
            yield from literal_values(value, f"{path}[{index}]")
    else:
        yield path, document
