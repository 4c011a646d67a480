"""Privacy scrubbing: find the rows that involve a deny-listed person.

MGDC's legacy approval let an admin name a group whose members are "scrubbed out of extracted
data": every row whose address columns contain one of them is removed (reference §3.2). This
module knows those columns per dataset and finds, vectorized, the rows of a batch that involve
any of a set of addresses, case-insensitively and at any nesting depth (a recipient list of
``emailAddress`` structs as well as a plain address string). Datasets that name people by their
user id instead (call records, transcripts, Planner tasks) are scrubbed by those ids the same way.

>>> import pyarrow as pa
>>> from mgdc_pipelines.catalog import get_dataset
>>> message = get_dataset("Message_v1")
>>> ADDRESS_COLUMNS["Message_v1"]
('sender', 'from', 'toRecipients', 'ccRecipients', 'bccRecipients')
>>> to = pa.array(
...     [[{"emailAddress": {"name": "Eve", "address": "Eve@Contoso.com"}}], [], None],
...     message.column("toRecipients").type,
... )
>>> batch = pa.RecordBatch.from_arrays([to], names=["toRecipients"])
>>> rows_involving(batch, ["toRecipients"], frozenset({"eve@contoso.com"})).to_pylist()
[True, False, False]
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from mgdc_pipelines.catalog import Dataset
from mgdc_pipelines.consent.transforms import (
    ADDRESS_FIELD_NAMES,
    hash_value,
    is_list_type,
    is_string_type,
)

_MESSAGE_ADDRESS_COLUMNS = ("sender", "from", "toRecipients", "ccRecipients", "bccRecipients")
_EVENT_ADDRESS_COLUMNS = ("organizer", "attendees")
# Version 0 datasets spell their columns in PascalCase.
_MESSAGE_V0_ADDRESS_COLUMNS = ("Sender", "From", "ToRecipients", "CcRecipients", "BccRecipients")
_CHAT_ADDRESS_COLUMNS = ("Sender", "From", "ToRecipients")

# The reference's scrubbing table (§3.2), in our catalog's column names (real v1 deliveries
# write camelCase where the table writes PascalCase). Keyed by dataset short name.
ADDRESS_COLUMNS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "Message_v0": _MESSAGE_V0_ADDRESS_COLUMNS,
        "Message_v1": _MESSAGE_ADDRESS_COLUMNS,
        "SentItem_v0": _MESSAGE_V0_ADDRESS_COLUMNS,
        "SentItem_v1": _MESSAGE_ADDRESS_COLUMNS,
        "Event_v0": ("Organizer", "Attendees"),
        "Event_v1": _EVENT_ADDRESS_COLUMNS,
        "CalendarView_v0": _EVENT_ADDRESS_COLUMNS,
        "Contact_v0": ("EmailAddresses",),
        "Contact_v1": ("emailAddresses",),
        # Our extensions, not in MGDC's table (which predates these datasets): their rows are
        # messages and meetings too, and one with a deny-listed person involves them exactly as
        # an email or an event does. Inbox_v1 is Message_v1's Inbox folder.
        "Inbox_v1": _MESSAGE_ADDRESS_COLUMNS,
        "ConferenceRoomCalendar_v0": _EVENT_ADDRESS_COLUMNS,
        "OutlookGroupConversations_v0": ("Sender", "From", "ToRecipients", "CcRecipients"),
        "TeamChat_v1": _CHAT_ADDRESS_COLUMNS,
        "TeamChat_v2": _CHAT_ADDRESS_COLUMNS,
        "TeamsStandardChannelMessages_v0": ("Sender", "From"),
    }
)


# Datasets that name people by their directory object id, not by address: a call record's
# organizer and attendees and a Planner task's creator (``user.id``), a transcript's speakers
# (``userId``, and the ``callParticipants`` list). Our extension: MGDC's table predates them.
USER_ID_COLUMNS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "PlannerTasks_v0": ("createdBy",),
        "TeamsCallRecords_v1": ("Organizer", "Attendees"),
        "TeamsTranscript_v1": ("Events",),
    }
)
_USER_ID_FIELD_NAMES = frozenset({"userId", "callParticipants"})


def address_columns(dataset: Dataset) -> tuple[str, ...]:
    """The columns scrubbing reads for ``dataset``; empty when it is not scrubbed by address."""
    return ADDRESS_COLUMNS.get(dataset.short_name, ())


def user_id_columns(dataset: Dataset) -> tuple[str, ...]:
    """The columns scrubbing reads user ids from for ``dataset``; empty for most datasets."""
    return USER_ID_COLUMNS.get(dataset.short_name, ())


def unscrubbable(short_name: str, columns: Collection[str]) -> tuple[str, ...]:
    """The columns naming people (addresses, user ids) of the dataset ``short_name`` missing
    from ``columns``: a deny list cannot be enforced on a column that is not read, so an
    approval with one must cover them all.

    >>> unscrubbable("SentItem_v1", ["subject", "sender", "toRecipients"])
    ('from', 'ccRecipients', 'bccRecipients')
    >>> unscrubbable("TeamsCallRecords_v1", ["Id", "Organizer"])  # people by user id
    ('Attendees',)
    """
    needed = (*ADDRESS_COLUMNS.get(short_name, ()), *USER_ID_COLUMNS.get(short_name, ()))
    return tuple(column for column in needed if column not in columns)


def deny_list_gaps(grants: Iterable[tuple[str, Collection[str]]]) -> str | None:
    """Why a deny list cannot be enforced on ``grants`` ((short name, its columns) each), or
    ``None`` when every column scrubbing reads is among the columns.

    >>> gaps = deny_list_gaps([("Message_v1", ["subject", "sender"]), ("User_v1", ["id"])])
    >>> gaps.split("them all (", 1)[1].split(")", 1)[0]  # User_v1: by its owner alone
    'Message_v1: from, toRecipients, ccRecipients, bccRecipients'
    >>> deny_list_gaps([("User_v1", ["id"])]) is None
    True
    """
    gaps = [
        f"{name}: {', '.join(missing)}"
        for name, columns in grants
        if (missing := unscrubbable(name, columns))
    ]
    if not gaps:
        return None
    return (
        "a deny list removes the rows that involve its members by their address (or user id) "
        "columns, and "
        f"the grant does not read them all ({'; '.join(gaps)}), so rows that involve a "
        "deny-listed person could be copied; add them to the spec's columns (with "
        "`transforms: {<column>: drop}` a column is read for scrubbing and never written) and "
        "approve again"
    )


def normalized(addresses: pa.Array) -> pa.Array:
    """Addresses compared as mailboxes are: without surrounding blanks, case-insensitively."""
    return pc.utf8_lower(pc.utf8_trim_whitespace(addresses))


def _is_address_field(parent: str | None, name: str) -> bool:
    return name in ADDRESS_FIELD_NAMES


def _is_user_id_field(parent: str | None, name: str) -> bool:
    return name in _USER_ID_FIELD_NAMES or (parent == "user" and name == "id")


def _leaves(
    values: pa.Array,
    rows: pa.Array,
    chosen: Callable[[str | None, str], bool],
    *,
    selected: bool,
    name: str | None = None,
) -> Iterator[tuple[pa.Array, pa.Array]]:
    """Each array of strings inside ``values`` that ``chosen`` picks, with the batch row each
    string belongs to.

    Strings are picked at the top of a column (a plain address column or list of them) and,
    inside structs, only in the fields ``chosen(parent field, field)`` picks: a subject or a
    display name is not an address, a call record's own ``Id`` is not a user's.
    """
    arrow_type = values.type
    if is_string_type(arrow_type):
        if selected:
            yield values, rows
    elif is_list_type(arrow_type):
        # list_flatten and list_parent_indices skip null lists alike, so they stay aligned.
        item_rows = pc.take(rows, pc.list_parent_indices(values))
        yield from _leaves(pc.list_flatten(values), item_rows, chosen, selected=selected, name=name)
    elif pa.types.is_struct(arrow_type):
        # flatten() merges the struct's own nulls into its fields: a null sender has no address.
        for child, field in zip(values.flatten(), arrow_type):
            yield from _leaves(
                child, rows, chosen, selected=chosen(name, field.name), name=field.name
            )


def _rows_matching(
    batch: pa.RecordBatch,
    columns: Collection[str],
    wanted: frozenset[str],
    chosen: Callable[[str | None, str], bool],
    *,
    top_level: bool,
) -> pa.BooleanArray:
    involved = np.zeros(batch.num_rows, dtype=bool)
    if not wanted or batch.num_rows == 0:
        return pa.array(involved)
    denied = normalized(pa.array(sorted(wanted), type=pa.string()))
    row_numbers = pa.array(np.arange(batch.num_rows, dtype=np.int64))
    for name in columns:
        for leaf, rows in _leaves(batch.column(name), row_numbers, chosen, selected=top_level):
            # A null value matches nothing.
            matches = pc.is_in(normalized(leaf), value_set=denied.cast(leaf.type))
            involved[pc.filter(rows, matches).to_numpy()] = True
    return pa.array(involved)


def rows_involving(
    batch: pa.RecordBatch, columns: Collection[str], addresses: frozenset[str]
) -> pa.BooleanArray:
    """True for each row where any of ``columns`` holds any of ``addresses`` (case-insensitive)."""
    return _rows_matching(batch, columns, addresses, _is_address_field, top_level=True)


def rows_naming(
    batch: pa.RecordBatch, columns: Collection[str], user_ids: frozenset[str]
) -> pa.BooleanArray:
    """True for each row where a user id field of ``columns`` holds any of ``user_ids`` (object
    ids: GUIDs, compared without case).

    >>> from mgdc_pipelines.catalog import get_dataset
    >>> attendees = get_dataset("TeamsCallRecords_v1").column("Attendees").type
    >>> alice = {"user": {"id": "A1B2", "displayName": "c3d4", "tenantId": "t"}}
    >>> bob = {"user": {"id": "C3D4", "displayName": "Bob", "tenantId": "t"}}
    >>> batch = pa.RecordBatch.from_arrays([pa.array([[alice], [bob], None], attendees)],
    ...                                    names=["Attendees"])
    >>> rows_naming(batch, ["Attendees"], frozenset({"c3d4"})).to_pylist()  # not a display name
    [False, True, False]
    """
    return _rows_matching(batch, columns, user_ids, _is_user_id_field, top_level=False)


@dataclass(frozen=True)
class DeniedPeople:
    """The members of an approval's deny groups: their object ids and their SMTP addresses
    (lower-case), as the source's directory knows them."""

    user_ids: frozenset[str] = frozenset()
    addresses: frozenset[str] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.user_ids or self.addresses)

    def hashed_addresses(self, key: bytes) -> frozenset[str]:
        """The addresses as a ``hash`` transform with ``key`` writes them: what a hashed address
        column holds where one of these people was (user id columns cannot be hashed).

        >>> key = b"0123456789abcdef"
        >>> [digest] = DeniedPeople(addresses=frozenset({"eve@contoso.com"})).hashed_addresses(key)
        >>> digest == hash_value(key, "Eve@Contoso.com", address=True)
        True
        """
        return frozenset(hash_value(key, address, address=True) for address in self.addresses)


def denied_rows(
    batch: pa.RecordBatch, dataset: Dataset, denied: DeniedPeople
) -> pa.BooleanArray | None:
    """True for each row of ``batch`` that involves one of ``denied``: as the mailbox owner
    (``puser``, for datasets scoped by it), in an address column or in a user id column of
    ``dataset`` that the batch holds; ``None``: nothing to look at.

    >>> from mgdc_pipelines.catalog import get_dataset
    >>> users = get_dataset("User_v1")
    >>> batch = pa.RecordBatch.from_pylist([{"puser": "A1"}, {"puser": "b2"}],
    ...                                    schema=users.output_schema(["id"]))
    >>> denied_rows(batch, users, DeniedPeople(user_ids=frozenset({"a1"}))).to_pylist()
    [True, False]
    """
    present = batch.schema.names
    masks = []
    if denied.user_ids and dataset.scope_column == "puser" and "puser" in present:
        masks.append(_rows_matching(batch, ["puser"], denied.user_ids, _never, top_level=True))
    addresses = [c for c in address_columns(dataset) if c in present]
    if denied.addresses and addresses:
        masks.append(rows_involving(batch, addresses, denied.addresses))
    ids = [c for c in user_id_columns(dataset) if c in present]
    if denied.user_ids and ids:
        masks.append(rows_naming(batch, ids, denied.user_ids))
    return any_of(masks)


def any_of(masks: Iterable[pa.BooleanArray | None]) -> pa.BooleanArray | None:
    """True for each row that any of ``masks`` (each ``None``: nothing looked at) marks;
    ``None`` when nothing was looked at.

    >>> any_of([pa.array([True, False, False]), None, pa.array([False, False, True])]).to_pylist()
    [True, False, True]
    >>> any_of([None]) is None
    True
    """
    looked = [mask for mask in masks if mask is not None]
    return functools.reduce(pc.or_, looked) if looked else None


def _never(parent: str | None, name: str) -> bool:
    return False
