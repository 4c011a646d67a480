"""Version 3: where each mailbox's copy of a message sits and what its owner did with it.

The same shares as version 1's ``mail.mailbox_copy``, drawn for every copy at once from the
hash of (message, owner); each date column stays within ``mail.COLUMN_LAG`` of the message's
``sentDateTime``, so a window on any of them maps back to the days of mail that can reach it.

>>> import numpy as np
>>> sent_copy = np.array([1, 0, 0, 0], bool)
>>> state = copy_state(np.arange(4, dtype=np.uint64), np.array([100] * 4), sent_copy)
>>> state.folder.tolist()[0] == FOLDERS.index(SENT_ITEMS), bool((state.received >= 100).all())
(True, True)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mgdc_pipelines.sources.synthetic.activity.array_random import draw, mix, weighted_choice
from mgdc_pipelines.sources.synthetic.datasets.mail_folders import (
    ARCHIVE,
    DELETED_ITEMS,
    INBOX,
    SENT_ITEMS,
)

FOLDERS = (INBOX, ARCHIVE, DELETED_ITEMS, SENT_ITEMS)  # received copies: the first three
RECEIVED_FOLDER_CUM_WEIGHTS = (85, 95, 100)
NOT_FLAGGED, FLAGGED, COMPLETE = 0, 1, 2
LATER = (600, 3 * 86_400)  # seconds after which a copy touched later was last modified


@dataclass(frozen=True)
class CopyState:
    """Per copy: seconds since the epoch, folder (index in :data:`FOLDERS`), read state, flag
    (kind, start and due seconds) and category (index, -1 for none)."""

    created: np.ndarray
    received: np.ndarray
    modified: np.ndarray
    folder: np.ndarray
    is_read: np.ndarray
    flag: np.ndarray
    flag_start: np.ndarray
    flag_due: np.ndarray
    category: np.ndarray


def _between(keys: np.ndarray, field: int, low, high) -> np.ndarray:
    """An integer in ``[low, high]`` for each key (like ``random.randint``)."""
    return low + (draw(keys, field) * (np.asarray(high) - low + 1)).astype(np.int64)


def copy_state(keys: np.ndarray, sent: np.ndarray, sent_copy: np.ndarray) -> CopyState:
    """The state of each copy (``keys``: hashes of message and owner)."""
    touched = draw(keys, 1) < np.where(sent_copy, 0.1, 0.4)
    received = np.where(sent_copy, sent, sent + _between(keys, 2, 1, 25))
    drafted = sent - _between(keys, 3, 60, 1770)  # a sender drafts before sending
    created = np.where(sent_copy, drafted, received + _between(keys, 3, 0, 1))
    since = np.where(sent_copy, sent, created)
    quiet = since + np.where(sent_copy, _between(keys, 4, 1, 3), _between(keys, 4, 0, 2))
    modified = np.where(touched, since + _between(keys, 5, *LATER), quiet)
    filed = weighted_choice(draw(keys, 6), RECEIVED_FOLDER_CUM_WEIGHTS)
    folder = np.where(sent_copy, FOLDERS.index(SENT_ITEMS), filed)
    is_read = sent_copy | touched | (draw(keys, 7) < 0.6)
    category_share = np.where(sent_copy, np.where(touched, 0.5, 0.0), 0.08)
    category = np.where(draw(keys, 8) < category_share, _between(keys, 9, 0, 4), -1)
    flag_share = np.where(sent_copy, np.where(touched, 0.5, 0.0), 0.09)
    roll = draw(keys, 10)
    flag = np.where(roll < flag_share * 2 / 3, FLAGGED, np.where(roll < flag_share, COMPLETE, 0))
    days, hours = _between(keys, 11, 1, 7) * 86_400, _between(keys, 11, 1, 48) * 3_600
    due = received + np.where(flag == FLAGGED, days, hours)
    return CopyState(
        created, received, modified, folder, is_read, flag, received, due, category
    )


def copy_keys(message_keys: np.ndarray, owners: np.ndarray) -> np.ndarray:
    """The hash each copy's draws come from.

    >>> message = np.array([1], np.uint64)
    >>> bool(copy_keys(message, np.array([2]))[0] != copy_keys(message, np.array([3]))[0])
    True
    """
    return mix(message_keys, owners)
