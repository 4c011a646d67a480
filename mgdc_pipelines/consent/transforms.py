"""Keyed pseudonymisation of columns: the ``hash`` transform a grant may put on a column.

A hashed value is ``HMAC-SHA256(key, value)`` as 64 lowercase hex characters. The key stays with
the organization (an environment variable), so nobody holding the output can reverse a hash by
hashing guesses, yet the same person hashes the same in every dataset and every run: joins and
counts still work. Addresses are normalized (stripped, lower-cased) before hashing because
``Bob@Contoso.com`` and ``bob@contoso.com`` are one mailbox.

Arrays keep their type. Strings (and lists of strings) are hashed; those holding an address
(an ``@``) are normalized too, so a hashed User_v1 ``mail`` still joins a hashed Message_v1
``sender``. In structs that carry an
email address, at any depth (v1 mail ``emailAddress.address``, TeamChat ``EmailAddress.Address``,
Contact ``emailAddresses[].address``, SharePoint ``Email``/``UPN``), the address and the other
identifiers of the same person are hashed and the display name is set to null: a name would
re-identify the person the hash hides. Everything else in the struct is kept.

>>> import pyarrow as pa
>>> key = b"0123456789abcdef-example-key"
>>> email_address = pa.struct([("name", pa.string()), ("address", pa.string())])
>>> recipient = pa.struct([("emailAddress", email_address)])
>>> can_hash(recipient), can_hash(pa.int64())
(True, False)
>>> bob = {"emailAddress": {"name": "Bob", "address": "Bob@Contoso.com"}}
>>> senders = pa.array([bob, None], recipient)
>>> hashed = hash_array(key, senders)
>>> hashed.type == recipient, hashed[0]["emailAddress"]["name"].as_py(), hashed[1].as_py()
(True, None, None)
>>> hashed[0]["emailAddress"]["address"].as_py() == hash_value(key, "bob@contoso.com", address=True)
True
>>> array_is_hashed(hashed), array_is_hashed(senders)
(True, False)
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import os
import re
from collections.abc import Callable, Iterator
from typing import Union

import pyarrow as pa
import pyarrow.compute as pc

MIN_HASH_KEY_BYTES = 16
# What `can_hash` accepts, in the words error messages use.
HASHABLE_TYPES = "strings, lists of strings and email-address structs (or lists of them)"

# Where a person's address lives inside a struct, in every casing the catalog uses
# (`address` v1 mail and contacts, `Address` TeamChat_v1, `Email`/`UPN` SharePoint).
ADDRESS_FIELD_NAMES = frozenset({"address", "Address", "Email", "UPN"})
# Other identifiers of the same person found beside an address (SharePoint): left in clear they
# would undo the hash, so they are hashed too (normalized: ids and logins are case-insensitive).
IDENTIFIER_FIELD_NAMES = ADDRESS_FIELD_NAMES | {"AadObjectId", "UserLoginName"}
# The display name beside an address: nulled, never hashed (names collide and are guessable).
DISPLAY_NAME_FIELD_NAMES = frozenset({"name", "Name"})

_HASH_PATTERN = re.compile(r"[0-9a-f]{64}")
_HASH_REGEX = f"^{_HASH_PATTERN.pattern}$"

AnyArray = Union[pa.Array, pa.ChunkedArray]


class Leaf(enum.Enum):
    """What the hash transform does to a string leaf of a nested value."""

    TEXT = "text"  # a plain string column or list item: hashed (normalized if it is an address)
    IDENTIFIER = "identifier"  # an address or id inside an address struct: normalized, hashed
    DISPLAY_NAME = "display_name"  # the name beside an address: nulled
    KEPT = "kept"  # any other string inside a struct: not personal by itself, left as is

    @property
    def is_hashed(self) -> bool:
        return self in (Leaf.TEXT, Leaf.IDENTIFIER)


# ---------------------------------------------------------------------------------------------
# Values and keys


def hash_key_from_env(name: str) -> bytes:
    """The HMAC key held by environment variable ``name``.

    Errors name the variable, never its value: messages end up in logs and run metadata.
    """
    value = os.environ.get(name)
    if not value:
        raise ValueError(
            f"environment variable {name} is not set; it must hold the secret key for `hash` "
            f"transforms (at least {MIN_HASH_KEY_BYTES} bytes)"
        )
    key = value.encode("utf-8")
    check_hash_key(key, source=f"environment variable {name}")
    return key


def check_hash_key(key: bytes, *, source: str = "the hash key") -> None:
    """Refuse keys short enough to brute-force; the message never contains the key."""
    if len(key) < MIN_HASH_KEY_BYTES:
        raise ValueError(
            f"{source} is too short: a `hash` key needs at least {MIN_HASH_KEY_BYTES} bytes"
        )


def normalize_address(value: str) -> str:
    """One spelling per mailbox: surrounding blanks and case do not name another person."""
    return value.strip().lower()


def hash_value(key: bytes, value: str, *, address: bool) -> str:
    """HMAC-SHA256 of ``value`` as 64 lowercase hex characters; addresses are normalized first.

    >>> key = b"0123456789abcdef"
    >>> spellings = [" Bob@Contoso.COM", "bob@contoso.com"]
    >>> len({hash_value(key, spelling, address=True) for spelling in spellings})
    1
    >>> hash_value(key, "Hello", address=False) == hash_value(key, "hello", address=False)
    False
    """
    text = normalize_address(value) if address else value
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).hexdigest()


def is_hash(value: str) -> bool:
    """Whether ``value`` looks like what :func:`hash_value` returns."""
    return _HASH_PATTERN.fullmatch(value) is not None


def _looks_like_address(value: str) -> bool:
    # A plain string column (User_v1 `mail`, `userPrincipalName`) holding addresses must hash
    # like the same address inside a recipient struct, or joins across datasets break.
    return "@" in value


# ---------------------------------------------------------------------------------------------
# Where the strings to hash are, by type


def is_string_type(arrow_type: pa.DataType) -> bool:
    """``string`` or ``large_string``."""
    return pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type)


def is_list_type(arrow_type: pa.DataType) -> bool:
    """``list`` or ``large_list`` (the variable-length lists the catalog and sources produce)."""
    return pa.types.is_list(arrow_type) or pa.types.is_large_list(arrow_type)


def struct_field_roles(struct_type: pa.StructType) -> dict[str, Leaf]:
    """The role of each string field of a struct: identifiers and names only beside an address."""
    string_fields = {field.name for field in struct_type if is_string_type(field.type)}
    if not string_fields & ADDRESS_FIELD_NAMES:
        return {name: Leaf.KEPT for name in string_fields}
    roles = {}
    for name in string_fields:
        if name in IDENTIFIER_FIELD_NAMES:
            roles[name] = Leaf.IDENTIFIER
        elif name in DISPLAY_NAME_FIELD_NAMES:
            roles[name] = Leaf.DISPLAY_NAME
        else:
            roles[name] = Leaf.KEPT
    return roles


def _child_roles(struct_type: pa.StructType) -> list[Leaf]:
    """The role each field is reached with, in field order. Nested values are reached as KEPT:
    their strings are kept unless a deeper struct carries an address itself, which
    `struct_field_roles` decides when the walk gets there."""
    roles = struct_field_roles(struct_type)
    return [roles.get(field.name, Leaf.KEPT) for field in struct_type]


def _changes(arrow_type: pa.DataType, role: Leaf) -> bool:
    """Whether hashing a value of this type (reached with this role) changes anything."""
    if is_string_type(arrow_type):
        return role is not Leaf.KEPT
    if is_list_type(arrow_type):
        return _changes(arrow_type.value_type, role)
    if pa.types.is_struct(arrow_type):
        return any(
            _changes(field.type, child_role)
            for field, child_role in zip(arrow_type, _child_roles(arrow_type))
        )
    return False


def can_hash(arrow_type: pa.DataType) -> bool:
    """Whether ``hash`` applies: strings, lists of strings, address structs or lists of them.

    >>> header = pa.struct([("name", pa.string()), ("value", pa.string())])
    >>> can_hash(pa.list_(pa.string())), can_hash(header)
    (True, False)
    """
    return _changes(arrow_type, Leaf.TEXT)


# ---------------------------------------------------------------------------------------------
# Rebuilding arrays with their leaves replaced


LeafFunction = Callable[[pa.Array, Leaf], pa.Array]


def _combined(array: AnyArray) -> pa.Array:
    return array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array


def _list_values_in_slice(array: pa.Array) -> tuple[pa.Array, pa.Array]:
    """Offsets starting at 0 and the values they cover: Arrow cannot rebuild a sliced list
    with a validity mask from offsets that do not start at 0."""
    offsets = array.offsets
    start, end = offsets[0].as_py(), offsets[-1].as_py()
    rebased = pc.subtract(offsets, pa.scalar(start, offsets.type))
    return rebased, array.values.slice(start, end - start)


def _map_leaves(array: pa.Array, role: Leaf, function: LeafFunction) -> pa.Array:
    """``array`` with every string leaf that the hash transform touches replaced by
    ``function(leaf, role)``; structure, types and nulls are kept."""
    arrow_type = array.type
    if len(array) == 0 or not _changes(arrow_type, role):
        return array
    if is_string_type(arrow_type):
        return function(array, role)
    if is_list_type(arrow_type):
        offsets, values = _list_values_in_slice(array)
        mapped = _map_leaves(values, role, function)
        list_class = pa.LargeListArray if pa.types.is_large_list(arrow_type) else pa.ListArray
        return list_class.from_arrays(offsets, mapped, type=arrow_type, mask=array.is_null())
    children = [
        _map_leaves(array.field(index), child_role, function)
        for index, child_role in enumerate(_child_roles(arrow_type))
    ]
    return pa.StructArray.from_arrays(children, fields=list(arrow_type), mask=array.is_null())


# Distinct values a HashMemo remembers before it starts afresh: a tenant's addresses (tens of
# thousands at most) fit, and at ~250 bytes an entry the memo stays near 12 MB whatever the size
# of the partition.
MAX_REMEMBERED_HASHES = 50_000


class HashMemo:
    """:func:`hash_value` for one key, remembering what it hashed: a copy meets the same few
    thousand addresses in every batch, and an HMAC costs far more than a dictionary look-up.

    Memory is bounded: past ``max_entries`` distinct values the memo is emptied and fills
    again. It holds the key, so it lives only as long as the copy that uses it (an
    :class:`~mgdc_pipelines.consent.enforcement.Enforcer` keeps one) and never shows it.

    >>> memo = HashMemo(b"0123456789abcdef", max_entries=2)
    >>> first = memo.hashes(["Bob@Contoso.com", "bob@contoso.com", "hello"], address_leaf=False)
    >>> first[0] == first[1] == hash_value(b"0123456789abcdef", "bob@contoso.com", address=True)
    True
    >>> first[2] == hash_value(b"0123456789abcdef", "hello", address=False)
    True
    >>> memo  # "hello" found it full (both spellings of Bob's address): it started afresh
    HashMemo(1 of at most 2 values)
    """

    def __init__(self, key: bytes, *, max_entries: int = MAX_REMEMBERED_HASHES) -> None:
        self._key = key
        self._max_entries = max_entries
        # (address, value) -> hash: the same text hashes differently as an address.
        self._hashes: dict[tuple[bool, str], str] = {}

    def __len__(self) -> int:
        return len(self._hashes)

    def __repr__(self) -> str:  # never the key, nor a value
        return f"HashMemo({len(self)} of at most {self._max_entries} values)"

    def hashes(self, values: list[str], *, address_leaf: bool) -> list[str]:
        """The hash of each of ``values`` (distinct strings), as :func:`hash_value` gives it;
        ``address_leaf``: they sit where an address or id does (always normalized)."""
        remembered, key = self._hashes, self._key
        out = []
        for value in values:
            address = address_leaf or _looks_like_address(value)
            hashed = remembered.get((address, value))
            if hashed is None:
                if len(remembered) >= self._max_entries:
                    remembered.clear()
                hashed = remembered[address, value] = hash_value(key, value, address=address)
            out.append(hashed)
        return out


def _hash_leaf(memo: HashMemo, leaf: pa.Array, role: Leaf) -> pa.Array:
    if role is Leaf.DISPLAY_NAME:
        return pa.nulls(len(leaf), type=leaf.type)
    # Hash each distinct value once: a column repeats a few thousand addresses across many rows.
    encoded = pc.dictionary_encode(leaf)
    hashed = memo.hashes(encoded.dictionary.to_pylist(), address_leaf=role is Leaf.IDENTIFIER)
    return pc.take(pa.array(hashed, type=leaf.type), encoded.indices)


def hash_array(key: bytes | HashMemo, array: AnyArray) -> pa.Array:
    """``array`` with its personal strings hashed (see the module docstring), with ``key`` or
    with a :class:`HashMemo` of it, which remembers hashes from one call to the next.

    The type and the nulls are kept, so the result fits the column it came from.
    """
    memo = key if isinstance(key, HashMemo) else HashMemo(key)
    return _map_leaves(_combined(array), Leaf.TEXT, lambda leaf, role: _hash_leaf(memo, leaf, role))


# ---------------------------------------------------------------------------------------------
# Reading leaves back (checks on written data, counts)


def _leaves(array: pa.Array, role: Leaf) -> Iterator[tuple[pa.Array, Leaf]]:
    """Every string leaf the hash transform touches, as present in the logical value: values
    under a null parent are not part of it (they are not written either)."""
    arrow_type = array.type
    if not _changes(arrow_type, role):
        return
    if is_string_type(arrow_type):
        yield array, role
    elif is_list_type(arrow_type):
        yield from _leaves(pc.list_flatten(array), role)
    else:
        for child, child_role in zip(array.flatten(), _child_roles(arrow_type)):
            yield from _leaves(child, child_role)


def _is_fully_hashed(leaf: pa.Array, role: Leaf) -> bool:
    if role is Leaf.DISPLAY_NAME:
        return leaf.null_count == len(leaf)
    looks_hashed = pc.match_substring_regex(leaf, _HASH_REGEX)
    return pc.all(looks_hashed, skip_nulls=True).as_py() is not False


def array_is_hashed(array: AnyArray) -> bool:
    """Whether every string :func:`hash_array` would hash is a hash (and every name beside an
    address is null): the check run on data already written."""
    return all(_is_fully_hashed(leaf, role) for leaf, role in _leaves(_combined(array), Leaf.TEXT))


def hashed_value_count(array: AnyArray) -> int:
    """How many non-null strings :func:`hash_array` replaces with a hash in ``array``."""
    return sum(
        len(leaf) - leaf.null_count
        for leaf, role in _leaves(_combined(array), Leaf.TEXT)
        if role.is_hashed
    )
