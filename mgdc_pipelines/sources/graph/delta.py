"""Incremental reads: Graph delta queries, turned into the partitions a change touches.

A delta query is read page by page (``@odata.nextLink``) until the last page gives an
``@odata.deltaLink``; calling that link later returns only what changed since, including
``{"id": ..., "@removed": {...}}`` entries for deletions. :class:`DeltaReader` turns the changes
into a :class:`ChangeSet` a sensor can act on. The links, and for message datasets an index of
the UTC day each id was seen in (deletions carry no date), are kept by
:class:`~mgdc_pipelines.sources.graph.delta_state.DeltaStore`, updated in one transaction.

>>> import tempfile, pathlib
>>> store = DeltaStore(pathlib.Path(tempfile.mkdtemp()))
>>> store.save("User_v1", "all", {"": "https://graph.example/v1.0/users/delta?$deltatoken=abc"})
>>> store.load("User_v1", "all")
{'': 'https://graph.example/v1.0/users/delta?$deltatoken=abc'}
>>> store.load("User_v1", "sales")
{}
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from mgdc_pipelines.catalog import Dataset, get_dataset
from mgdc_pipelines.catalog.graph import (
    GROUPS_DELTA_PATH,
    MESSAGES_DELTA_PATH,
    USERS_DELTA_PATH,
    graph_endpoint,
    graph_property,
    parse_odata_datetime,
    select_clause,
)
from mgdc_pipelines.sources.base import Scope
from mgdc_pipelines.sources.graph.client import NEXT_LINK, GraphClient
from mgdc_pipelines.sources.graph.delta_state import DeltaSession, DeltaStateStore, DeltaStore
from mgdc_pipelines.sources.graph.errors import MalformedPageError
from mgdc_pipelines.sources.graph.scope import ScopeResolver

log = logging.getLogger("mgdc_pipelines.sources.graph")

DELTA_LINK = "@odata.deltaLink"
REMOVED = "@removed"
TENANT_WIDE = ""  # the link key of users/groups delta (one link for the whole tenant)
# Which folder(s) each message dataset's delta reads; Message_v1 reads every folder.
MESSAGE_FOLDERS = {"SentItem_v1": ("sentitems",)}
DIRECTORY_DELTAS = {"User_v1": USERS_DELTA_PATH, "GroupDetails_v0": GROUPS_DELTA_PATH}
MESSAGE_DATASETS = ("Message_v1", "SentItem_v1")


@dataclass(frozen=True)
class ChangeSet:
    """What changed in one dataset and scope since the previous :meth:`GraphSource.changes`.

    ``changed_ids``: objects created or updated (users, groups or messages);
    ``removed_ids``: objects Graph reported with ``@removed``;
    ``partition_dates``: the daily partitions the changes fall into (see ``GraphSource.changes``);
    ``initial``: no delta link was stored yet, so every current object is listed;
    ``undated_ids``: changed or removed ids that could not be placed in a partition, and
    ``undated_reason`` why.
    """

    dataset: str
    scope: str
    changed_ids: tuple[str, ...]
    removed_ids: tuple[str, ...]
    partition_dates: tuple[dt.date, ...]
    initial: bool
    undated_ids: tuple[str, ...] = ()
    undated_reason: str = ""

    @property
    def has_changes(self) -> bool:
        return bool(self.changed_ids or self.removed_ids)


@dataclass(frozen=True)
class _Dating:
    """How a dataset's changes are placed in days: the Graph property read, or why none is."""

    column: str | None
    graph_property: str | None
    unavailable: str = ""

    @classmethod
    def of(cls, dataset: Dataset, date_column: str | None, columns: Sequence[str] | None) -> _Dating:
        if dataset.short_name in DIRECTORY_DELTAS:
            return cls(None, None)  # snapshots: a change touches the day it is read on
        column = date_column or dataset.date_filter_columns[0]
        if columns is not None and column not in columns:
            return cls(None, None, f"{dataset.short_name}'s date column {column} is not among the app's "
                                   "columns, so its delta is read without dates")
        return cls(column, graph_property(dataset, column))


@dataclass
class _Tally:
    """The ids and days of one delta read; message days go to the index page by page."""

    dating: _Dating
    index: DeltaSession | None  # None: nothing to index (users, groups, or no date column)
    initial: bool
    changed: dict[str, None] = field(default_factory=dict)
    removed: dict[str, None] = field(default_factory=dict)
    undated: dict[str, None] = field(default_factory=dict)
    dates: set[dt.date] = field(default_factory=set)
    unindexed_removals: int = 0

    def add_page(self, items: list[dict], wanted: frozenset[str] | None) -> None:
        dated: list[tuple[str, dt.date]] = []
        for item in items:
            object_id = item.get("id")
            if object_id is None or (wanted is not None and object_id not in wanted and REMOVED not in item):
                continue
            if REMOVED in item:
                self.removed[object_id] = None
                continue
            self.changed[object_id] = None
            value = item.get(self.dating.graph_property) if self.dating.graph_property else None
            if value:
                dated.append((object_id, _utc_day(value)))
            elif not self.initial and (self.dating.unavailable or self.dating.graph_property):
                self.undated[object_id] = None
        self.dates.update(day for _, day in dated)
        if self.index is not None and dated:  # a re-dated id also touches the day it was in
            self.dates.update(self.index.record(dated, previous=not self.initial))

    def finish(self) -> tuple[str, ...]:
        """Place the removals (an id also seen changed has moved between folders: kept)."""
        gone = tuple(object_id for object_id in self.removed if object_id not in self.changed)
        if self.index is not None:
            days = self.index.forget(gone)
            self.dates.update(days.values())
            missing = [object_id for object_id in gone if object_id not in days]
            self.unindexed_removals = len(missing)
            self.undated.update(dict.fromkeys(missing))
        elif self.dating.unavailable:
            self.undated.update(dict.fromkeys(gone))
        return gone

    def undated_reason(self) -> str:
        if not self.undated:
            return ""
        reasons = [self.dating.unavailable] if self.dating.unavailable else []
        if self.unindexed_removals:
            reasons.append(f"{self.unindexed_removals} deleted items were never seen by an earlier delta read")
        if len(self.undated) > self.unindexed_removals and not self.dating.unavailable:
            reasons.append("some changed items have no date")
        return "; ".join(reasons)


class DeltaReader:
    """Runs the delta queries of one dataset and scope; see ``GraphSource.changes``."""

    def __init__(
        self, client: GraphClient, resolver: ScopeResolver, store: DeltaStateStore, page_size: int | None = None
    ) -> None:
        self.client = client
        self.resolver = resolver
        self.store = store
        self.page_size = page_size  # `$top` of message delta (users/groups delta take none)

    def changes(
        self, dataset_name: str, scope: Scope, now: dt.datetime | None = None, date_column: str | None = None,
        columns: Sequence[str] | None = None, unread_owners: frozenset[str] = frozenset(),
    ) -> ChangeSet:
        dataset = get_dataset(dataset_name)
        graph_endpoint(dataset)  # NotOnGraphError for SharePoint datasets
        short = dataset.short_name
        if short not in DIRECTORY_DELTAS and short not in MESSAGE_DATASETS:
            supported = ", ".join((*DIRECTORY_DELTAS, *MESSAGE_DATASETS))
            raise ValueError(f"{dataset.name} has no Graph delta query; datasets with one: {supported}")
        now = now or dt.datetime.now(dt.timezone.utc)
        dating = _Dating.of(dataset, date_column, columns)
        with self.store.session(short, scope.key) as state:  # links move only if the index committed
            if state.links and state.date_column != dating.column:
                log.warning("%s (%s): the delta state was indexed by %s, now by %s; reading a new baseline",
                            short, scope.key, state.date_column, dating.column)
                state.reset()
            initial = not state.links
            tally = _Tally(dating, state if dating.column else None, initial)
            if short in DIRECTORY_DELTAS:
                new_links = self._directory(dataset, scope, state.links, tally)
            else:
                new_links = self._messages(dataset, scope, state.links, tally, now, unread_owners)
            removed = tally.finish()
            if short in DIRECTORY_DELTAS and (tally.changed or removed):
                tally.dates.add(now.astimezone(dt.timezone.utc).date())
            state.save_links(new_links, dating.column)  # only after every page was read
        if tally.undated or dating.unavailable:
            log.warning("%s (%s): %d changes cannot be placed in partitions: %s", short, scope.key,
                        len(tally.undated), tally.undated_reason() or dating.unavailable)
        return ChangeSet(short, scope.key, tuple(tally.changed), removed, tuple(sorted(tally.dates)), initial,
                         tuple(tally.undated), tally.undated_reason())

    def _directory(self, dataset: Dataset, scope: Scope, links: dict[str, str], tally: _Tally) -> dict[str, str]:
        start = links.get(TENANT_WIDE) or self.client.url(DIRECTORY_DELTAS[dataset.short_name])
        params = None if TENANT_WIDE in links else {"$select": select_clause(dataset, dataset.column_names)}
        wanted = self._scope_filter(dataset, scope)
        link = self._read(start, params, f"{dataset.short_name} delta ({scope.key})", None, tally, wanted)
        return {TENANT_WIDE: link}

    def _scope_filter(self, dataset: Dataset, scope: Scope) -> frozenset[str] | None:
        if scope.is_everyone:
            return None
        if dataset.short_name == "GroupDetails_v0":
            return frozenset(scope.group_ids)
        return self.resolver.member_ids(scope.group_ids)

    def _messages(
        self, dataset: Dataset, scope: Scope, links: dict[str, str], tally: _Tally, now: dt.datetime,
        unread_owners: frozenset[str],
    ) -> dict[str, str]:
        date_property = tally.dating.graph_property
        params = {"$select": f"id,{date_property}" if date_property else "id"}
        if self.page_size:
            params["$top"] = str(self.page_size)
        new_links: dict[str, str] = {}
        for user_id in self.resolver.user_ids(scope, as_of=now):
            if user_id.lower() in unread_owners:
                continue  # a deny-listed mailbox: never read (see ExtractRequest.unread_owners)
            for folder in self._folders(dataset, user_id):
                key = f"{user_id}/{folder}"
                start = links.get(key) or self.client.url(MESSAGES_DELTA_PATH.format(user=user_id, folder=folder))
                what = f"{dataset.short_name} delta ({scope.key}): user {user_id} folder {folder}"
                new_links[key] = self._read(start, None if key in links else params, what, user_id, tally, None)
        return new_links

    def _folders(self, dataset: Dataset, user_id: str) -> tuple[str, ...]:
        if dataset.short_name in MESSAGE_FOLDERS:
            return MESSAGE_FOLDERS[dataset.short_name]
        path = graph_endpoint(get_dataset("MailFolder_v0")).url_for(user_id)
        pages = self.client.pages(path, what=f"mail folders of user {user_id}", params={"$select": "id"}, mailbox=user_id)
        return tuple(item["id"] for page in pages for item in page)

    def _read(
        self, url: str, params: dict[str, str] | None, what: str, mailbox: str | None,
        tally: _Tally, wanted: frozenset[str] | None,
    ) -> str:
        """Read a delta query to its end; tally its items; return the new delta link."""
        for body in self._delta_pages(url, params, what, mailbox):
            tally.add_page(body["value"], wanted)
            if DELTA_LINK in body:
                return body[DELTA_LINK]
        raise AssertionError("unreachable: _delta_pages ends with a delta link")

    def _delta_pages(self, url: str, params: dict[str, str] | None, what: str, mailbox: str | None) -> Iterator[dict[str, Any]]:
        while True:
            body = self.client.get_json(url, what=what, params=params, mailbox=mailbox)
            if not isinstance(body.get("value"), list):
                raise MalformedPageError(f"{what}: malformed delta page (no \"value\" list) from {url}", url=url)
            self.client.stats.add(pages=1)
            yield body
            if DELTA_LINK in body:
                return
            if NEXT_LINK not in body:
                raise MalformedPageError(f"{what}: delta page from {url} has neither a nextLink nor a deltaLink", url=url)
            url, params = body[NEXT_LINK], None


def _utc_day(value: str) -> dt.date:
    return parse_odata_datetime(value).astimezone(dt.timezone.utc).date()
