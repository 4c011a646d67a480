"""Ids that look like the real ones and are pure functions of the seed and what they name.

Directory objects (users, groups) get UUIDv5 ids in a documented namespace so that anyone can
compute a group's id from the seed and its nickname without running the generator:

>>> group_id(42, "sales")
'3af3fdfe-f047-5c2e-87b2-226f88aba79e'

Exchange items get ids shaped like Exchange's (a base64 blob embedding the mailbox GUID, so
``AAMkA...``), because downstream code sometimes relies on that shape (e.g. length, prefix).
"""

from __future__ import annotations

import base64
import datetime as dt
import struct
import uuid
from functools import lru_cache

from mgdc_pipelines.sources.synthetic.randomness import stable_bytes, stable_guid

_NAMESPACE_ROOT = "mgdc-synthetic"


def synthetic_uuid(seed: int, kind: str, key: object) -> str:
    """``uuid5(NAMESPACE_URL, "mgdc-synthetic/{seed}/{kind}/{key}")``."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{_NAMESPACE_ROOT}/{seed}/{kind}/{key}"))


def user_id(seed: int, index: int) -> str:
    """The object id of the user with this index (employees first, then guests)."""
    return synthetic_uuid(seed, "user", index)


def group_id(seed: int, mail_nickname: str) -> str:
    """The object id of the group with this (lower-case) mail nickname."""
    return synthetic_uuid(seed, "group", mail_nickname)


# --- Exchange-shaped ids -------------------------------------------------------------------


def _graph_base64(raw: bytes) -> str:
    """Graph REST spells Exchange ids in base64 with ``/`` → ``-`` and ``+`` → ``_``."""
    return base64.b64encode(raw).decode().replace("/", "-").replace("+", "_")


def _mailbox_header(kind: int, mailbox_guid: str) -> bytes:
    return bytes((0, kind, 0x24, 0)) + mailbox_guid.encode() + b"\x00"


# A mailbox's items share its store and folder bytes; items of one mailbox are generated
# together, so a small cache saves two of an item id's three hashes.
@lru_cache(maxsize=1024)
def _folder_parts(mailbox_guid: str, folder_key: str) -> tuple[bytes, bytes, bytes]:
    """(mailbox header, store, folder) bytes of one folder of one mailbox."""
    return (
        _mailbox_header(3, mailbox_guid),
        stable_bytes(16, "store", mailbox_guid),
        stable_bytes(16, "folder", mailbox_guid, folder_key),
    )


@lru_cache(maxsize=1024)
def mail_folder_id(mailbox_guid: str, folder_key: str) -> str:
    """``AAMkA...`` id of one folder of one mailbox (the same wherever the folder is named)."""
    header, store, folder = _folder_parts(mailbox_guid, folder_key)
    raw = (
        header
        + b".\x00\x00\x00\x00\x00"
        + store
        + b"\x01\x00"
        + folder
        + b"\x00\x00\x00\x00\x01\x0c\x00\x00"
    )
    return _graph_base64(raw)


def item_id(mailbox_guid: str, folder_key: str, *item_key: object) -> str:
    """``AAMkA...`` id of one item (message, event, contact) in one mailbox."""
    header, store, folder = _folder_parts(mailbox_guid, folder_key)
    item = stable_bytes(10, "item", mailbox_guid, *item_key)
    raw = (
        header
        + b"F\x00\x00\x00\x00\x00"
        + store
        + b"\x07\x00"
        + folder
        + b"\x00\x00\x00\x00\x01\x0c\x00\x00"
        + folder
        + item
        + b"\x00\x00"
    )
    return _graph_base64(raw)


def attachment_id(message_item_id: str, position: int) -> str:
    """Attachment ids extend their message's id, as Exchange's do."""
    suffix = _graph_base64(b"\x12\x00\x10\x00" + stable_bytes(14, message_item_id, position))
    return message_item_id.rstrip("=") + suffix


def change_key(item: str, modified: dt.datetime) -> str:
    """``CQAAABYAAAD...``: Exchange's change key, a version stamp of an item."""
    version = stable_bytes(22, "ck", item, int(modified.timestamp()))
    return base64.b64encode(b"\t\x00\x00\x00\x16\x00\x00\x00" + version).decode()


def conversation_id(anchor_guid: str, *thread_key: object) -> str:
    """``AAQkA...``: the Exchange conversation id of a thread.

    Real ids embed the mailbox GUID, so the same thread has a different id in each mailbox.
    Here every mailbox shares the tenant's anchor GUID, so the id is the same across mailboxes
    and can be joined on when reassembling threads from several mailboxes.
    """
    raw = bytes((0, 4, 0x24, 0)) + anchor_guid.encode() + b"\x00\x10\x00"
    return _graph_base64(raw + stable_bytes(16, "conversation", *thread_key))


def conversation_guid(*thread_key: object) -> bytes:
    return stable_bytes(16, "conversation", *thread_key)


_FILETIME_EPOCH = dt.datetime(1601, 1, 1, tzinfo=dt.timezone.utc)


def conversation_index(thread_key: tuple, started: dt.datetime, reply_delays_s: list[int]) -> str:
    """The ``Thread-Index`` / ``conversationIndex`` of a message in a thread.

    Layout (MS-OXOMSG): a 22-byte header (reserved byte, 5 bytes of the start FILETIME, the
    conversation GUID), then one 5-byte block per reply. Replies share the header, so sorting
    by this value orders a thread.
    """
    ticks = int((started - _FILETIME_EPOCH).total_seconds() * 10_000_000)
    header = b"\x01" + ticks.to_bytes(8, "big")[:5] + conversation_guid(*thread_key)
    blocks = b"".join(
        struct.pack(">I", min(delay * 10_000_000 >> 18, 0x7FFFFFFF))[:4] + bytes((index & 0xFF,))
        for index, delay in enumerate(reply_delays_s)
    )
    return base64.b64encode(header + blocks).decode()


def web_link(graph_id: str, tail: str = "viewmodel=ReadMessageItem") -> str:
    """An Outlook on the web link to an item, as Graph returns in ``webLink``.

    Messages end in ``viewmodel=ReadMessageItem``, events in ``path=/calendar/item``.
    """
    # Percent-encode the standard base64 spelling; only +, / and = need escaping.
    escaped = graph_id.replace("-", "%2F").replace("_", "%2B").replace("=", "%3D")
    return f"https://outlook.office365.com/owa/?ItemID={escaped}&exvsurl=1&{tail}"


# Exchange Online front-end servers, by the geography of the sender's office.
MAIL_SERVERS = {
    "NAM": (("BN8PR19MB", "namprd19"), ("SN6PR05MB", "namprd05"), ("CO1PR11MB", "namprd11")),
    "EUR": (("AM0PR04MB", "eurprd04"), ("DB7PR08MB", "eurprd08")),
    "GBR": (("LO2P265MB", "GBRP265"), ("CWLP265MB", "GBRP265")),
    "IND": (("PN2PR01MB", "INDPRD01"), ("MA0PR01MB", "INDPRD01")),
    "APC": (("SG2PR06MB", "apcprd06"), ("TYZPR03MB", "apcprd03")),
    "AUS": (("SY4PR01MB", "AUSPRD01"), ("ME3PR01MB", "AUSPRD01")),
}


def _server(geo: str, digest: bytes) -> str:
    """``CO1PR11MB5093.namprd11.prod.outlook.com`` from three bytes of a digest."""
    servers = MAIL_SERVERS.get(geo, MAIL_SERVERS["NAM"])
    prefix, cluster = servers[digest[0] % len(servers)]
    return f"{prefix}{int.from_bytes(digest[1:3], 'big') % 9000 + 1000}.{cluster}.prod.outlook.com"


def internet_message_id(geo: str, *message_key: object) -> str:
    """``<CO1PR19MB5093...@CO1PR19MB5093.namprd19.prod.outlook.com>`` for internal mail."""
    digest = stable_bytes(18, "imid", *message_key)
    host = _server(geo, digest)
    return f"<{host.split('.', 1)[0]}{digest[3:17].hex().upper()}@{host}>"


def external_message_id(domain: str, *message_key: object) -> str:
    """A Message-ID minted by another organization's mail system."""
    return f"<{stable_guid('ext-imid', *message_key)}@mail.{domain}>"


def mail_server_names(geo: str, count: int, *key: object) -> list[str]:
    """Front-end server host names for ``Received`` headers (up to 21)."""
    digest = stable_bytes(3 * count, "servers", *key)
    return [_server(geo, digest[3 * i : 3 * i + 3]) for i in range(count)]


def ical_uid(*event_key: object) -> str:
    """``040000008200E00074C5B7101A82E008...``: the iCalendar UID Outlook gives a meeting."""
    return (
        "040000008200E00074C5B7101A82E00800000000"
        + stable_bytes(28, "ical", *event_key).hex().upper()
    )


def group_security_identifier(object_id: str) -> str:
    """``S-1-12-1-...``: the SID Azure AD derives from a cloud object's GUID."""
    parts = struct.unpack("<IIII", uuid.UUID(object_id).bytes_le)
    return "S-1-12-1-" + "-".join(str(part) for part in parts)


def on_premises_sid(seed: int, index: int) -> str:
    """``S-1-5-21-<domain>-<rid>``: the SID of an account synced from on-premises AD."""
    domain = struct.unpack("<III", stable_bytes(12, seed, "ad-domain"))
    return "S-1-5-21-" + "-".join(map(str, domain)) + f"-{1104 + index}"


def on_premises_immutable_id(object_guid: str) -> str:
    """The base64 ``objectGUID`` Azure AD Connect writes as ``onPremisesImmutableId``."""
    return base64.b64encode(uuid.UUID(object_guid).bytes_le).decode()


def teams_join_url(tenant_guid: str, organizer_id: str, *meeting_key: object) -> str:
    """A Teams meeting join link in the format Outlook stores."""
    token = base64.b64encode(stable_bytes(36, "meeting", *meeting_key)).decode().rstrip("=")
    token = token.replace("+", "").replace("/", "")[:44]
    context = f"%7b%22Tid%22%3a%22{tenant_guid}%22%2c%22Oid%22%3a%22{organizer_id}%22%7d"
    thread = f"19%3ameeting_{token}%40thread.v2"
    return f"https://teams.microsoft.com/l/meetup-join/{thread}/0?context={context}"
