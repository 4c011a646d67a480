"""Incremental reads: Graph delta queries, and the delta links kept between calls.

A delta query is read page by page (``@odata.nextLink``) until the last page gives an
``@odata.deltaLink``; calling that link later returns only what changed since, including
``{"id": ..., "@removed": {...}}`` entries for deletions. :class:`DeltaStore` keeps the links of
one (dataset, scope) in one JSON file, replaced atomically, so a crash never leaves half a state.
:class:`DeltaReader` turns the changes into a :class:`ChangeSet` a sensor can act on.

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
import json
import os
import re
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mgdc_pipelines.catalog import Dataset, get_dataset
from mgdc_pipelines.catalog.graph import (
    GROUPS_DELTA_PATH,
    MESSAGES_DELTA_PATH,
    USERS_DELTA_PATH,
    graph_endpoint,
    graph_property,
    select_clause,
)
from mgdc_pipelines.sources.base import Scope
from mgdc_pipelines.sources.graph.client import NEXT_LINK, GraphClient
from mgdc_pipelines.sources.graph.errors import MalformedPageError
from mgdc_pipelines.sources.graph.scope import ScopeResolver

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
    ``initial``: no delta link was stored yet, so every current object is listed.
    """

    dataset: str
    scope: str
    changed_ids: tuple[str, ...]
    removed_ids: tuple[str, ...]
    partition_dates: tuple[dt.date, ...]
    initial: bool

    @property
    def has_changes(self) -> bool:
        return bool(self.changed_ids or self.removed_ids)


class DeltaStore:
    """Delta links by (dataset, scope) as ``<root>/<dataset>/<scope>.json``, written atomically."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path(self, dataset: str, scope: str) -> Path:
        for part in (dataset, scope):
            if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", part):
                raise ValueError(f"delta state key {part!r} must be a dataset name or scope alias")
        return self.root / dataset / f"{scope}.json"

    def load(self, dataset: str, scope: str) -> dict[str, str]:
        path = self.path(dataset, scope)
        if not path.exists():
            return {}
        try:
            return dict(json.loads(path.read_text())["links"])
        except (ValueError, KeyError, TypeError) as error:
            raise ValueError(f"delta state {path} is unreadable ({error}); delete it to start over") from None

    def save(self, dataset: str, scope: str, links: Mapping[str, str]) -> None:
        path = self.path(dataset, scope)
        path.parent.mkdir(parents=True, exist_ok=True)
        document = {"dataset": dataset, "scope": scope, "links": dict(sorted(links.items()))}
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(handle, "w") as file:
                json.dump(document, file, indent=1)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise


@dataclass
class _Tally:
    changed: dict[str, None]
    removed: dict[str, None]
    dates: set[dt.date]


class DeltaReader:
    """Runs the delta queries of one dataset and scope; see ``GraphSource.changes``."""

    def __init__(
        self, client: GraphClient, resolver: ScopeResolver, store: DeltaStore, page_size: int | None = None
    ) -> None:
        self.client = client
        self.resolver = resolver
        self.store = store
        self.page_size = page_size  # `$top` of message delta (users/groups delta take none)

    def changes(
        self, dataset_name: str, scope: Scope, now: dt.datetime | None = None, date_column: str | None = None
    ) -> ChangeSet:
        dataset = get_dataset(dataset_name)
        graph_endpoint(dataset)  # NotOnGraphError for SharePoint datasets
        now = now or dt.datetime.now(dt.timezone.utc)
        short = dataset.short_name
        links = self.store.load(short, scope.key)
        tally = _Tally({}, {}, set())
        if short in DIRECTORY_DELTAS:
            new_links = self._directory(dataset, scope, links, tally)
            if tally.changed or tally.removed:
                tally.dates.add(now.astimezone(dt.timezone.utc).date())
        elif short in MESSAGE_DATASETS:
            new_links = self._messages(dataset, scope, links, tally, now, date_column)
        else:
            supported = ", ".join((*DIRECTORY_DELTAS, *MESSAGE_DATASETS))
            raise ValueError(f"{dataset.name} has no Graph delta query; datasets with one: {supported}")
        self.store.save(short, scope.key, new_links)  # only after every page was read
        return ChangeSet(
            short, scope.key, tuple(tally.changed), tuple(tally.removed), tuple(sorted(tally.dates)), not links
        )

    def _directory(self, dataset: Dataset, scope: Scope, links: dict[str, str], tally: _Tally) -> dict[str, str]:
        start = links.get(TENANT_WIDE) or self.client.url(DIRECTORY_DELTAS[dataset.short_name])
        params = None if TENANT_WIDE in links else {"$select": select_clause(dataset, dataset.column_names)}
        wanted = self._scope_filter(dataset, scope)
        link = self._read(start, params, f"{dataset.short_name} delta ({scope.key})", None, tally, wanted, None)
        return {TENANT_WIDE: link}

    def _scope_filter(self, dataset: Dataset, scope: Scope) -> frozenset[str] | None:
        if scope.is_everyone:
            return None
        if dataset.short_name == "GroupDetails_v0":
            return frozenset(scope.group_ids)
        return self.resolver.member_ids(scope.group_ids)

    def _messages(
        self, dataset: Dataset, scope: Scope, links: dict[str, str], tally: _Tally,
        now: dt.datetime, date_column: str | None,
    ) -> dict[str, str]:
        column = date_column or dataset.date_filter_columns[0]
        date_property = graph_property(dataset, column)
        params = {"$select": f"id,{date_property}"}
        if self.page_size:
            params["$top"] = str(self.page_size)
        new_links: dict[str, str] = {}
        for user_id in self.resolver.user_ids(scope, as_of=now):
            for folder in self._folders(dataset, user_id):
                key = f"{user_id}/{folder}"
                start = links.get(key) or self.client.url(MESSAGES_DELTA_PATH.format(user=user_id, folder=folder))
                what = f"{dataset.short_name} delta ({scope.key}): user {user_id} folder {folder}"
                new_links[key] = self._read(
                    start, None if key in links else params, what, user_id, tally, None, date_property
                )
        return new_links

    def _folders(self, dataset: Dataset, user_id: str) -> tuple[str, ...]:
        if dataset.short_name in MESSAGE_FOLDERS:
            return MESSAGE_FOLDERS[dataset.short_name]
        path = graph_endpoint(get_dataset("MailFolder_v0")).url_for(user_id)
        pages = self.client.pages(path, what=f"mail folders of user {user_id}", params={"$select": "id"}, mailbox=user_id)
        return tuple(item["id"] for page in pages for item in page)

    def _read(
        self, url: str, params: dict[str, str] | None, what: str, mailbox: str | None,
        tally: _Tally, wanted: frozenset[str] | None, date_property: str | None,
    ) -> str:
        """Read a delta query to its end; tally its items; return the new delta link."""
        for body in self._delta_pages(url, params, what, mailbox):
            for item in body.get("value", []):
                object_id = item.get("id")
                if object_id is None or (wanted is not None and object_id not in wanted and REMOVED not in item):
                    continue
                if REMOVED in item:
                    tally.removed[object_id] = None
                    tally.changed.pop(object_id, None)
                    continue
                tally.changed[object_id] = None
                if date_property and item.get(date_property):
                    tally.dates.add(_utc_day(item[date_property]))
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
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(dt.timezone.utc).date()

