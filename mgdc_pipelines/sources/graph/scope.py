"""Which users or groups one partition covers, asked of the directory as MGDC would decide it.

Valid users are enabled member accounts (no guests, no disabled accounts) created before the
window's end; a group scope covers its transitive members (nested groups included), each user
once. These are advanced queries, so they carry ``ConsistencyLevel: eventual``.

>>> import datetime as dt
>>> valid_user_filter(dt.datetime(2026, 11, 21, tzinfo=dt.timezone.utc))
"accountEnabled eq true and userType eq 'Member' and createdDateTime lt 2026-11-21T00:00:00Z"
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence

from mgdc_pipelines.catalog.graph import (
    GROUPS_PATH,
    MAX_BATCH_REQUESTS,
    ROOM_MAILBOX_PATH,
    ROOMS_PATH,
    TRANSITIVE_USERS_PATH,
    USERS_PATH,
    odata_datetime,
)
from mgdc_pipelines.sources.base import Scope
from mgdc_pipelines.sources.graph.batch import BatchCall, relative_url, require_ok, run_batch
from mgdc_pipelines.sources.graph.client import GraphClient
from mgdc_pipelines.sources.graph.errors import GraphError

ADVANCED_QUERY = {"ConsistencyLevel": "eventual"}
DIRECTORY_PAGE_SIZE = "999"  # the largest $top the directory allows


def valid_user_filter(as_of: dt.datetime) -> str:
    return (
        "accountEnabled eq true and userType eq 'Member' and "
        f"createdDateTime lt {odata_datetime(as_of)}"
    )


def valid_user_params(as_of: dt.datetime) -> dict[str, str]:
    """Query parameters listing the valid users' ids at ``as_of``, the directory's largest pages."""
    return {"$filter": valid_user_filter(as_of), "$select": "id", "$top": DIRECTORY_PAGE_SIZE}


class ScopeResolver:
    """Expands a :class:`~mgdc_pipelines.sources.base.Scope` into object ids through Graph."""

    def __init__(self, client: GraphClient) -> None:
        self.client = client

    def user_ids(self, scope: Scope, as_of: dt.datetime) -> list[str]:
        """Valid users in scope at ``as_of``: the organization's, or the groups' (deduplicated)."""
        return list(self.iter_user_ids(scope, as_of))

    def iter_user_ids(self, scope: Scope, as_of: dt.datetime) -> Iterator[str]:
        """:meth:`user_ids` as the directory's pages arrive (each user once)."""
        params = valid_user_params(as_of)
        if scope.is_everyone:
            yield from self._iter_ids(USERS_PATH, params, f"users of scope {scope.key}")
            return
        yield from _unique(
            user_id
            for group_id in scope.group_ids
            for user_id in self._iter_ids(
                TRANSITIVE_USERS_PATH.format(group=group_id), params,
                f"members of group {group_id} (scope {scope.key})",
            )
        )

    def room_ids(self, scope: Scope) -> list[str]:
        """Object ids of the room mailboxes in scope. Rooms are listed as places, by address, and
        belong to no group: only the organization's scope covers them."""
        if not scope.is_everyone:
            return []
        pages = self.client.pages(ROOMS_PATH, what=f"rooms of scope {scope.key}", params={"$select": "emailAddress"})
        addresses = [item["emailAddress"] for page in pages for item in page]
        calls = [
            BatchCall(str(i), relative_url(ROOM_MAILBOX_PATH.format(room=address), {"$select": "id"}))
            for i, address in enumerate(addresses)
        ]
        ids = []
        for start in range(0, len(calls), MAX_BATCH_REQUESTS):
            chunk = calls[start:start + MAX_BATCH_REQUESTS]
            answers = run_batch(self.client, chunk, what=f"room mailboxes of scope {scope.key}")
            ids += [require_ok(answers[call.id], call, f"room mailbox {addresses[int(call.id)]}")["id"] for call in chunk]
        return ids

    def member_ids(self, group_ids: Sequence[str]) -> frozenset[str]:
        """Every transitive user member of the groups (guests and disabled accounts too)."""
        params = {"$select": "id", "$top": DIRECTORY_PAGE_SIZE}
        return frozenset(
            user_id
            for group_id in group_ids
            for user_id in self._ids(TRANSITIVE_USERS_PATH.format(group=group_id), params, f"members of group {group_id}")
        )

    def group_ids(self, scope: Scope, as_of: dt.datetime) -> list[str]:
        """Groups in scope that exist at ``as_of``; an unknown scope group is an error."""
        params = {"$filter": f"createdDateTime lt {odata_datetime(as_of)}", "$select": "id", "$top": DIRECTORY_PAGE_SIZE}
        existing = self._ids(GROUPS_PATH, params, f"groups of scope {scope.key}")
        if scope.is_everyone:
            return existing
        known = set(existing)
        for group_id in scope.group_ids:
            if group_id not in known:
                self._require_group(group_id, scope)  # created later (skipped) or unknown (error)
        return [g for g in _unique(scope.group_ids) if g in known]

    def _require_group(self, group_id: str, scope: Scope) -> None:
        what = f"group {group_id} of scope {scope.key}"
        found = self.client.get_json(f"{GROUPS_PATH}/{group_id}", what=what, params={"$select": "id"}, missing_ok=True)
        if found is None:
            raise GraphError(f"{what}: no such group in the tenant (HTTP 404)", url=self.client.url(f"{GROUPS_PATH}/{group_id}"), status=404)

    def _ids(self, path: str, params: dict[str, str], what: str) -> list[str]:
        return list(self._iter_ids(path, params, what))

    def _iter_ids(self, path: str, params: dict[str, str], what: str) -> Iterator[str]:
        for page in self.client.pages(path, what=what, params=params, headers=ADVANCED_QUERY):
            yield from (item["id"] for item in page)


def _unique(ids: Iterable[str]) -> Iterator[str]:
    """Each id once, in first-seen order, as the ids arrive."""
    seen: set[str] = set()
    for item in ids:
        if item not in seen:
            seen.add(item)
            yield item
