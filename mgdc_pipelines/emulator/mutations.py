"""Changes made through the emulator's API (``delete_message``, ``update_user``).

They are what a delta query reports beyond the generators' own timeline, and every other
endpoint sees them too (a deleted message is gone from listings; an updated profile shows).

>>> changes = Mutations()
>>> changes.delete_message("u1", "m1")
>>> changes.deleted_messages("u1", after=0, up_to=changes.last_change), changes.deleted_messages("u1", 1, 1)
(['m1'], [])
>>> rows = changes.apply("Message_v1", "u1", ({"id": "m1"}, {"id": "m2"}))
>>> [row["id"] for row in rows]
['m2']
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Mapping, Sequence

MESSAGE_DATASETS = frozenset({"Message_v1", "SentItem_v1"})
USER_DATASET = "User_v1"


class Mutations:
    """Thread-safe record of deletions and profile updates, numbered 1, 2, ... in order.

    Delta tokens remember the last number they saw, so a change is reported exactly once
    whatever the emulator clock says.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._changes = 0
        self._deleted: dict[str, dict[str, int]] = defaultdict(dict)  # user → message → change number
        self._updates: dict[str, list[tuple[int, dict]]] = defaultdict(list)

    @property
    def last_change(self) -> int:
        return self._changes

    def delete_message(self, user_id: str, message_id: str) -> None:
        with self._lock:
            self._changes += 1
            self._deleted[user_id][message_id] = self._changes

    def update_user(self, user_id: str, properties: Mapping[str, object]) -> None:
        with self._lock:
            self._changes += 1
            self._updates[user_id].append((self._changes, dict(properties)))

    def deleted_messages(self, user_id: str, after: int, up_to: int) -> list[str]:
        """Messages deleted by changes numbered ``(after, up_to]``, in deletion order."""
        with self._lock:
            deleted = list(self._deleted.get(user_id, {}).items())
        return [message for message, number in sorted(deleted, key=lambda item: item[1]) if after < number <= up_to]

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
                deleted = set(self._deleted.get(unit_id, ()))
            return tuple(row for row in rows if row.get("id") not in deleted) if deleted else rows
        if dataset == USER_DATASET:
            overrides = self.user_overrides(unit_id)
            return tuple({**row, **overrides} for row in rows) if overrides else rows
        return rows
