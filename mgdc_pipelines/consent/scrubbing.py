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
('sender', 'from', 'toRecipients', 'ccRecipients', 'bccRecipients', 'replyTo')
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
import re
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

# MGDC's table, then `replyTo`: where replies go names a person too (an assistant's mail
# answered to their manager).
_MESSAGE_ADDRESS_COLUMNS = (
    "sender", "from", "toRecipients", "ccRecipients", "bccRecipients", "replyTo",
)
_EVENT_ADDRESS_COLUMNS = ("organizer", "attendees")
# Version 0 datasets spell their columns in PascalCase.
_MESSAGE_V0_ADDRESS_COLUMNS = (
    "Sender", "From", "ToRecipients", "CcRecipients", "BccRecipients", "ReplyTo",
)
_CHAT_ADDRESS_COLUMNS = ("Sender", "From", "ToRecipients", "ReplyTo")

# The reference's scrubbing table (§3.2), in our catalog's column names (real v1 deliveries
# write camelCase where the table writes PascalCase), then our extensions. Keyed by dataset short
# name. A column is listed when its strings (top-level) or the address fields of its structs
# (`ADDRESS_FIELDS`) hold people's SMTP addresses.
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
        # Our extensions, not in MGDC's table (which predates these datasets, and whose deny
        # list promised its members would be scrubbed out of extracted data): a row that names
        # a deny-listed person involves them exactly as an email or an event does. Inbox_v1 is
        # Message_v1's Inbox folder.
        "Inbox_v1": _MESSAGE_ADDRESS_COLUMNS,
        "ConferenceRoomCalendar_v0": _EVENT_ADDRESS_COLUMNS,
        "OutlookGroupConversations_v0": ("Sender", "From", "ToRecipients", "CcRecipients", "ReplyTo"),
        "TeamChat_v1": _CHAT_ADDRESS_COLUMNS,
        "TeamChat_v2": _CHAT_ADDRESS_COLUMNS,
        "TeamsStandardChannelMessages_v0": ("Sender", "From", "ReplyTo"),
        "TeamsConversationActivity_v0": ("InteractionMetadata",),
        "OneDriveSyncHealth_v1": ("UserEmail",),
        "SharePointFileActions_v1": ("ActorEmail",),
        "SharePointFiles_v1": ("Author", "ModifiedBy"),
        "SharePointGroups_v1": ("Owner", "Members"),
        "SharePointPermissions_v1": ("SharedWith", "ShareCreatedBy", "ShareLastModifiedBy"),
        "SharePointSites_v1": ("SiteArchivedBy", "Owner", "SecondaryContact"),
    }
)
# Where a struct holds a person's address: the hash transform's address fields, and the
# addresses Teams logs for an interaction.
ADDRESS_FIELDS = ADDRESS_FIELD_NAMES | {"InteractionInitiatorEmail", "InteractionTargetEmails"}

_TEAMS_MEMBER_COLUMNS = ("MembersAdded", "MembersRemoved", "ThreadMembers")

# Columns that name people by their directory object id, a GUID: a top-level string that is, or
# holds, one (a manager's or group member's `id`, the owner of a tenant-wide OneDrive row, a 1:1
# chat's thread id `19:<id>_<id>@unq.gbl.spaces`, Planner's identity sets kept as JSON text), or
# the id fields of its structs (`USER_ID_FIELDS`, and a `user`'s `id`). Our extension:
# MGDC's table predates them.
USER_ID_COLUMNS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "Manager_v0": ("id",),
        "DirectReport_v0": ("id",),
        "GroupMembers_v0": ("id",),
        "GroupOwners_v0": ("id",),
        "OneDriveSyncErrors_v0": ("puser",),
        "OneDriveSyncHealth_v1": ("puser",),
        "PlannerTasks_v0": ("createdBy", "completedBy", "assignments"),
        "TeamsCallRecords_v1": ("Organizer", "Attendees"),
        "TeamsTranscript_v1": ("Entries", "Events"),
        "TeamsChannelActivity_v0": _TEAMS_MEMBER_COLUMNS,
        "TeamsConversationActivity_v0": ("Team_Id", *_TEAMS_MEMBER_COLUMNS, "Mentions"),
        "SharePointGroups_v1": ("Owner", "Members"),
        "SharePointPermissions_v1": ("SharedWith",),
        "SharePointSites_v1": ("Owner", "SecondaryContact"),
    }
)
USER_ID_FIELDS = frozenset(
    {"userId", "callParticipants", "speakerId", "editorId", "MemberId", "ObjectId", "AadObjectId"}
)


def address_columns(dataset: Dataset) -> tuple[str, ...]:
    """The columns scrubbing reads for ``dataset``; empty when it is not scrubbed by address."""
    return ADDRESS_COLUMNS.get(dataset.short_name, ())


def user_id_columns(dataset: Dataset) -> tuple[str, ...]:
    """The columns scrubbing reads user ids from for ``dataset``; empty for most datasets."""
    return USER_ID_COLUMNS.get(dataset.short_name, ())


def people_columns(dataset: Dataset) -> tuple[str, ...]:
    """Every column a deny list reads for ``dataset``: its owner (``puser``, for datasets
    scoped by it), its address columns and its user id columns, each once.

    >>> from mgdc_pipelines.catalog import get_dataset
    >>> people_columns(get_dataset("TeamsCallRecords_v1"))
    ('puser', 'Organizer', 'Attendees')
    """
    owner = ("puser",) if dataset.scope_column == "puser" else ()
    return tuple(dict.fromkeys((*owner, *_naming_columns(dataset.short_name))))


def _naming_columns(short_name: str) -> tuple[str, ...]:
    """The address and user id columns of the dataset ``short_name``, each once."""
    both = (*ADDRESS_COLUMNS.get(short_name, ()), *USER_ID_COLUMNS.get(short_name, ()))
    return tuple(dict.fromkeys(both))


def unscrubbable(short_name: str, columns: Collection[str]) -> tuple[str, ...]:
    """The columns naming people (addresses, user ids) of the dataset ``short_name`` missing
    from ``columns``: a deny list cannot be enforced on a column that is not read, so an
    approval with one must cover them all.

    >>> unscrubbable("SentItem_v1", ["subject", "sender", "toRecipients"])
    ('from', 'ccRecipients', 'bccRecipients', 'replyTo')
    >>> unscrubbable("TeamsCallRecords_v1", ["Id", "Organizer"])  # people by user id
    ('Attendees',)
    """
    return tuple(column for column in _naming_columns(short_name) if column not in columns)


def deny_list_gaps(grants: Iterable[tuple[str, Collection[str]]]) -> str | None:
    """Why a deny list cannot be enforced on ``grants`` ((short name, its columns) each), or
    ``None`` when every column scrubbing reads is among the columns.

    >>> gaps = deny_list_gaps([("Message_v1", ["subject", "sender"]), ("User_v1", ["id"])])
    >>> gaps.split("them all (", 1)[1].split(")", 1)[0]  # User_v1: by its owner alone
    'Message_v1: from, toRecipients, ccRecipients, bccRecipients, replyTo'
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
    return name in ADDRESS_FIELDS


def _is_user_id_field(parent: str | None, name: str) -> bool:
    return name in USER_ID_FIELDS or (parent == "user" and name == "id")


def _leaves(
    values: pa.Array,
    rows: pa.Array,
    chosen: Callable[[str | None, str], bool],
    *,
    selected: bool = True,
    name: str | None = None,
) -> Iterator[tuple[pa.Array, pa.Array]]:
    """Each array of strings inside ``values`` that ``chosen`` picks, with the batch row each
    string belongs to.

    Strings are picked at the top of a column (a plain address or id column, or a list of them)
    and, inside structs, only in the fields ``chosen(parent field, field)`` picks: a subject or a
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


LeafTest = Callable[[pa.Array], pa.Array]


def _equal_to_any(wanted: frozenset[str]) -> LeafTest:
    """Strings equal to one of ``wanted``, without surrounding blanks or case (addresses)."""
    values = normalized(pa.array(sorted(wanted), type=pa.string()))
    return lambda leaf: pc.is_in(normalized(leaf), value_set=values.cast(leaf.type))


def _holding_any(wanted: frozenset[str]) -> LeafTest:
    """Strings that hold one of ``wanted`` (object ids: GUIDs, without case), alone or inside
    a longer identifier: a thread id, a ``<id>@<tenant>`` speaker, an identity set as JSON."""
    pattern = "|".join(re.escape(value.lower()) for value in sorted(wanted))
    return lambda leaf: pc.match_substring_regex(pc.utf8_lower(leaf), pattern)


def _rows_matching(
    batch: pa.RecordBatch,
    columns: Collection[str],
    matches: LeafTest,
    chosen: Callable[[str | None, str], bool],
) -> pa.BooleanArray:
    involved = np.zeros(batch.num_rows, dtype=bool)
    if batch.num_rows == 0:
        return pa.array(involved)
    row_numbers = pa.array(np.arange(batch.num_rows, dtype=np.int64))
    for name in columns:
        for leaf, rows in _leaves(batch.column(name), row_numbers, chosen):
            # A null value matches nothing (filter drops null selections).
            involved[pc.filter(rows, matches(leaf)).to_numpy()] = True
    return pa.array(involved)


def rows_involving(
    batch: pa.RecordBatch, columns: Collection[str], addresses: frozenset[str]
) -> pa.BooleanArray:
    """True for each row where any of ``columns`` holds any of ``addresses`` (case-insensitive)."""
    if not addresses:
        return pa.array(np.zeros(batch.num_rows, dtype=bool))
    return _rows_matching(batch, columns, _equal_to_any(addresses), _is_address_field)


def rows_naming(
    batch: pa.RecordBatch, columns: Collection[str], user_ids: frozenset[str]
) -> pa.BooleanArray:
    """True for each row where a user id of ``columns`` (a top-level string, or a user id
    field of its structs) holds any of ``user_ids`` (object ids: GUIDs, compared without case,
    also inside longer identifiers).

    >>> from mgdc_pipelines.catalog import get_dataset
    >>> attendees = get_dataset("TeamsCallRecords_v1").column("Attendees").type
    >>> alice = {"user": {"id": "A1B2", "displayName": "c3d4", "tenantId": "t"}}
    >>> bob = {"user": {"id": "C3D4", "displayName": "Bob", "tenantId": "t"}}
    >>> batch = pa.RecordBatch.from_arrays([pa.array([[alice], [bob], None], attendees)],
    ...                                    names=["Attendees"])
    >>> rows_naming(batch, ["Attendees"], frozenset({"c3d4"})).to_pylist()  # not a display name
    [False, True, False]
    >>> chats = pa.RecordBatch.from_pydict({"Team_Id": ["19:a1b2_c3d4@unq.gbl.spaces", "19:x"]})
    >>> rows_naming(chats, ["Team_Id"], frozenset({"C3D4"})).to_pylist()  # a 1:1 chat's thread
    [True, False]
    """
    if not user_ids:
        return pa.array(np.zeros(batch.num_rows, dtype=bool))
    return _rows_matching(batch, columns, _holding_any(user_ids), _is_user_id_field)


@dataclass(frozen=True)
class DeniedPeople:
    """The members of an approval's deny groups: their object ids and their SMTP addresses
    (lower-case), as the source's directory knows them."""

    user_ids: frozenset[str] = frozenset()
    addresses: frozenset[str] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.user_ids or self.addresses)

    def hashed(self, key: bytes) -> DeniedPeople:
        """The same people as a ``hash`` transform with ``key`` writes them: what hashed columns
        hold where one of them was. An address, or an id beside one, is hashed normalized
        (lower-case); an id in a column of its own is hashed as written, so both spellings of
        an id are kept.

        >>> key = b"0123456789abcdef"
        >>> hashed = DeniedPeople(frozenset({"A1"}), frozenset({"eve@contoso.com"})).hashed(key)
        >>> hashed.addresses == {hash_value(key, "Eve@Contoso.com", address=True)}
        True
        >>> hashed.user_ids == {hash_value(key, "A1", address=False), hash_value(key, "a1", address=False)}
        True
        """
        return DeniedPeople(
            user_ids=frozenset(hash_value(key, i, address=False) for i in self.user_ids)
            | frozenset(hash_value(key, i, address=True) for i in self.user_ids),
            addresses=frozenset(hash_value(key, a, address=True) for a in self.addresses),
        )


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
        masks.append(_rows_matching(batch, ["puser"], _equal_to_any(denied.user_ids), _never))
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
