"""What consent code raises: a refused request names the check, the dataset and the value.

>>> str(ConsentRefused("columns", "BasicDataSet_v0.Message_v1", "columns not authorized: body"))
"consent check 'columns' refused BasicDataSet_v0.Message_v1: columns not authorized: body"
"""

from __future__ import annotations

import os

# The eight MGDC runtime checks (reference §3.1), in the order they run after `not_suspended`.
CHECK_NAMES = (
    "approved",
    "app_id",
    "tenant",
    "not_expired",
    "dataset",
    "columns",
    "destination",
    "scope",
)
# Checks of our own: an app suspended by a blocking asset check, a broken signature, a hash key
# read from another variable than the grant's, a downstream entry outside the grant.
EXTRA_CHECK_NAMES = ("not_suspended", "signature", "hash_key", "downstream")


class ConsentError(Exception):
    """Base class: anything consent refuses or cannot read."""


class ConsentRefused(ConsentError):
    """A runtime request falls outside the grant; raised before any source or sink is used."""

    def __init__(self, check: str, dataset: str, detail: str) -> None:
        self.check = check
        self.dataset = dataset
        self.detail = detail
        super().__init__(f"consent check '{check}' refused {dataset}: {detail}")

    def __reduce__(self):  # keep the three fields when pickled across processes
        return (type(self), (self.check, self.dataset, self.detail))


class AuthorizationInvalid(ConsentError):
    """An authorization file that is tampered, unsigned, signed with another key or malformed."""

    def __init__(self, path: str | os.PathLike[str], reason: str) -> None:
        self.path = str(path)
        self.reason = reason
        super().__init__(f"authorization {self.path} is invalid: {reason}")

    def __reduce__(self):
        return (type(self), (self.path, self.reason))
