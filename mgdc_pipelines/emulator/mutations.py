"""Changes made through the emulator's API (``delete_message``, ``update_message``, ``update_user``).

They are what a delta query reports beyond the generators' own timeline, and every other
endpoint sees them too (a deleted message is gone from listings; an updated message or profile
shows its new values).

>>> changes = Mutations()
>>> inbox_row = {"id": "m2", "parentFolderId": "inbox", "isRead": False}
>>> changes.delete_message("u1", "m1", folder="inbox")
>>> changes.update_message("u1", inbox_row, {"isRead": True})
>>> [dict(item) for item in changes.message_changes("u1", after=0, up_to=changes.last_change, folder="inbox")]
[{'id': 'm1', '@removed': {'reason': 'deleted'}}, {'id': 'm2', 'parentFolderId': 'inbox', 'isRead': True}]
>>> changes.message_changes("u1", after=0, up_to=changes.last_change, folder="archive")
[]
>>> rows = changes.apply("Message_v1", "u1", ({"id": "m1"}, inbox_row, {"id": "m3"}))
>>> [(row["id"], row.get("isRead")) for row in rows]
[('m2', True), ('m3', None)]
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

MESSAGE_DATASETS = frozenset({"Message_v1", "SentItem_v1"})
USER_DATASET = "User_v1"
REMOVED = {"@removed": {"reason": "deleted"}}


@dataclass(frozen=True)
class MessageChange:
    """A message's latest change: its number, its folder, and its new values (``None``: deleted)."""

    number: int
    folder: str
    row: Mapping = field(default_factory=dict)  # the message as the generators wrote it
    overrides: Mapping | None = None

    def as_delta_item(self, message_id: str) -> Mapping:
        if self.overrides is None:
            return {"id": message_id, **REMOVED}
        return {**self.row, **self.overrides}


class Mutations:
    """Thread-safe record of message deletions and updates and profile updates, numbered 1, 2, ...

    Delta tokens remember the last number they saw, so a change is reported exactly once
    whatever the emulator clock says. A message keeps only its latest change: updated then
    deleted, it is reported as deleted.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._changes = 0
        self._messages: dict[str, dict[str, MessageChange]] = defaultdict(dict)  # user → message → change
        self._updates: dict[str, list[tuple[int, dict]]] = defaultdict(list)

    @property
    def last_change(self) -> int:
        return self._changes

    def delete_message(self, user_id: str, message_id: str, folder: str) -> None:
        with self._lock:
            if _deleted(self._messages[user_id].get(message_id)):
                raise ValueError(f"message {message_id!r} of user {user_id!r} is already deleted")
            self._changes += 1
            self._messages[user_id][message_id] = MessageChange(self._changes, folder)

    def update_message(self, user_id: str, row: Mapping, properties: Mapping[str, object]) -> None:
        """Set ``properties`` on the message ``row`` (as generated); earlier updates are kept."""
        message_id = row["id"]
        with self._lock:
            previous = self._messages[user_id].get(message_id)
            if previous is not None and previous.overrides is None:
                raise ValueError(f"message {message_id!r} of user {user_id!r} was deleted; it cannot be updated")
            merged = {**(previous.overrides if previous else {}), **properties}
            self._changes += 1
            self._messages[user_id][message_id] = MessageChange(self._changes, row["parentFolderId"], row, merged)

    def update_user(self, user_id: str, properties: Mapping[str, object]) -> None:
        with self._lock:
            self._changes += 1
            self._updates[user_id].append((self._changes, dict(properties)))

    def message_changes(self, user_id: str, after: int, up_to: int, folder: str) -> list[Mapping]:
        """Delta items of the folder's messages changed by numbers ``(after, up_to]``, in order:
        the updated message, or ``{"id": ..., "@removed": ...}`` for a deleted one."""
        with self._lock:
            changes = [(message, change) for message, change in self._messages.get(user_id, {}).items()
                       if change.folder == folder and after < change.number <= up_to]
        return [change.as_delta_item(message) for message, change in sorted(changes, key=lambda c: c[1].number)]

    def users_updated(self, after: int, up_to: int) -> frozenset[str]:
        with self._lock:
            return frozenset(user for user, updates in self._updates.items()
                             if any(after < number <= up_to for number, _ in updates))

    def user_overrides(self, user_id: str) -> dict:
        with self._lock:
            merged: dict = {}
            for _, properties in self._updates.get(user_id, ()):
                merged.update(properties)
            return merged

    def apply(self, dataset: str, unit_id: str, rows: Sequence[Mapping]) -> Sequence[Mapping]:
        """The rows as the mutations leave them (unchanged rows are not copied)."""
        if dataset in MESSAGE_DATASETS:
            with self._lock:
                changed = dict(self._messages.get(unit_id, {}))
            return tuple(_message_after(row, changed.get(row.get("id"))) for row in rows
                         if not _deleted(changed.get(row.get("id")))) if changed else rows
        if dataset == USER_DATASET:
            overrides = self.user_overrides(unit_id)
            return tuple({**row, **overrides} for row in rows) if overrides else rows
        return rows


def _deleted(change: MessageChange | None) -> bool:
    return change is not None and change.overrides is None


def _message_after(row: Mapping, change: MessageChange | None) -> Mapping:
    return {**row, **change.overrides} if change is not None and change.overrides else row
