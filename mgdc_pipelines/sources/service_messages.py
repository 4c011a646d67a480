"""What an error may show of a message a service (Microsoft Graph, Azure Resource Manager) sent.

A service's own words say what went wrong and are worth showing, but they may echo what a
request named: Graph answers ``Resource 'ana.lopez@contoso.com' does not exist ...`` for a
mailbox addressed by its user principal name. Errors go to logs, run metadata and the Dagster UI,
where a person's address does not belong, so each address is replaced by ``<address>``; and a
message is cut at :data:`MAX_CHARACTERS`, as a proxy may wrap a whole page in one.

>>> shown("Resource 'Ana.Lopez@contoso.com' does not exist or one of its queried objects are not.")
"Resource '<address>' does not exist or one of its queried objects are not."
>>> shown("x" * 600).endswith("… (600 characters)")
True
"""

from __future__ import annotations

import re

MAX_CHARACTERS = 500
# Anything shaped like an address: a local part, "@", a dotted domain (quotes around it stay:
# they are how Graph quotes what it echoes).
_ADDRESS = re.compile(r"[\w.!#$%&*+/=?^{|}~-]+@[\w-]+(?:\.[\w-]+)+")


def shown(message: str) -> str:
    """``message`` without the addresses it holds, at most about :data:`MAX_CHARACTERS` long."""
    without_addresses = _ADDRESS.sub("<address>", message)
    if len(without_addresses) <= MAX_CHARACTERS:
        return without_addresses
    return f"{without_addresses[:MAX_CHARACTERS]}… ({len(without_addresses)} characters)"
