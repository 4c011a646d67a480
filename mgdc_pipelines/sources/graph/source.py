"""``GraphSource``: catalog datasets from the transactional Microsoft Graph API (no MGDC licence).

For each :class:`~mgdc_pipelines.sources.base.ExtractRequest` it resolves the scope into users or
groups through the directory (:mod:`.scope`), reads each unit's rows with ``$select`` of the
authorized columns only and the partition's window (:mod:`.query`), many units in parallel
within Graph's limits (:mod:`.throttle`, :mod:`.streaming`), packing the small per-unit calls
into ``$batch`` requests (:mod:`.batch`). Users' messages are read page by page instead, a long
mailbox-day in up to 4 time slices at once, while the user list streams in (:mod:`.sliced_reads`). Rows are renamed to catalog columns, stamped with
MGDC's metadata columns by the same :class:`~mgdc_pipelines.sources.rows.RowStamper` as the
synthetic source, and converted to record batches of ``request.output_schema``.

It is also a :class:`~mgdc_pipelines.sources.base.Directory` (group members and addresses, for
consent enforcement) and answers "what changed?" for sensors (:meth:`GraphSource.changes`).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pyarrow as pa

from mgdc_pipelines.catalog import rows_to_batch
from mgdc_pipelines.catalog.graph import MAX_BATCH_REQUESTS, USERS_PATH, Unit
from mgdc_pipelines.sources.base import ExtractRequest, Scope, smtp_addresses
from mgdc_pipelines.sources.graph.auth import GraphCredentials, TokenProvider
from mgdc_pipelines.sources.graph.batch import BatchCall, relative_url, require_ok, run_batch
from mgdc_pipelines.sources.graph.client import GraphClient, RetryPolicy
from mgdc_pipelines.sources.graph.delta import ChangeSet, DeltaReader
from mgdc_pipelines.sources.graph.delta_state import DEFAULT_LOCK_TIMEOUT_S, DeltaStateStore, DeltaStore
from mgdc_pipelines.sources.graph.delta_state_database import DatabaseDeltaStore, delta_namespace
from mgdc_pipelines.sources.graph.progress import Progress
from mgdc_pipelines.sources.graph.query import DatasetQuery
from mgdc_pipelines.sources.graph.scope import ScopeResolver
from mgdc_pipelines.sources.graph.sliced_reads import sliced_chunks
from mgdc_pipelines.sources.graph.stats import GraphStats
from mgdc_pipelines.sources.graph.streaming import parallel_chunks
from mgdc_pipelines.sources.graph.throttle import ConcurrencyLimiter, shared_mailbox_slots
from mgdc_pipelines.sources.graph.pooled_http import PooledHttp
from mgdc_pipelines.sources.graph.tls import open_connections, trusted_session
from mgdc_pipelines.sources.rows import RowStamper, chunked
from mgdc_pipelines.state.database import state_database_from_environment

DEFAULT_GRAPH_URL = "https://graph.microsoft.com/v1.0"
DEFAULT_MAX_CONCURRENCY = 16
ROWS_PER_CHUNK = 500  # rows a worker hands over at a time


@dataclass(frozen=True)
class GraphSettings:
    """Everything a :class:`GraphSource` needs; ``credentials`` hold the only secret."""

    credentials: GraphCredentials
    graph_url: str = DEFAULT_GRAPH_URL
    ca_bundle: str | None = None  # PEM file to trust instead of the system store
    max_concurrency: int = DEFAULT_MAX_CONCURRENCY  # requests in flight, all mailboxes together
    page_size: int | None = None  # `$top` for collections; None: Graph's default
    state_dir: str | None = None  # where delta links and the id → day index are kept (see `changes`)
    state_lock_timeout_s: float = DEFAULT_LOCK_TIMEOUT_S  # wait for another reader of the same delta state
    retry: RetryPolicy = field(default_factory=RetryPolicy)


class GraphSource:
    """Rows of a Microsoft 365 tenant, read through Microsoft Graph with app-only permissions."""

    def __init__(self, settings: GraphSettings) -> None:
        self.settings = settings
        self.last_stats: GraphStats | None = None  # counts of the latest extraction

    def __repr__(self) -> str:
        return f"GraphSource({self.settings.credentials!r}, graph_url={self.settings.graph_url!r})"

    @cached_property
    def client(self) -> GraphClient:
        settings = self.settings
        session = trusted_session(settings.ca_bundle, pool_size=settings.max_concurrency)
        credentials = settings.credentials
        mailboxes = shared_mailbox_slots(credentials.authority, credentials.client_id, settings.graph_url)
        return GraphClient(
            graph_url=settings.graph_url,
            tokens=TokenProvider(credentials, session),
            http=PooledHttp(session),
            limiter=ConcurrencyLimiter(settings.max_concurrency, mailboxes),
            policy=settings.retry,
        )

    # -- Source protocol ------------------------------------------------------------------------

    def extract(self, request: ExtractRequest) -> Iterator[pa.RecordBatch]:
        """Stream the partition's rows; the scope is resolved now, so a bad group fails early."""
        query = DatasetQuery.for_request(request, self.settings.page_size)
        label = f"{request.dataset.short_name} {request.window.start.date()}|{request.scope.key}"
        stats = GraphStats()
        self.last_stats = stats
        stop = threading.Event()
        client = self.client.with_stats(stats).with_sleep(stop.wait)
        if query.sliceable:  # a page at a time: gathered, so Arrow converts 500 rows at a time
            rows = (row for chunk in self._sliced(client, query, request, label, stats, stop) for row in chunk)
            return _record_batches(chunked(rows, ROWS_PER_CHUNK), request, stats)
        units = self._units(client, query, request)
        stats.units_total = len(units)
        progress = Progress(label, stats)
        extraction = _Extraction(client, query, request, label)
        per_task = MAX_BATCH_REQUESTS if query.endpoint.batchable else 1
        chunks = parallel_chunks(
            list(chunked(units, per_task)),
            extraction.rows_of,
            workers=min(self.settings.max_concurrency, max(1, -(-len(units) // per_task))),
            on_task_done=lambda task: progress.units_done(len(task)),
            stop=stop,
        )
        return _record_batches(chunks, request, stats)

    def _sliced(self, client: GraphClient, query: DatasetQuery, request: ExtractRequest, label: str,
                stats: GraphStats, stop: threading.Event) -> Iterator[list[dict]]:
        """Users' mail in time slices (:mod:`.sliced_reads`), read while the user list streams in."""
        progress = Progress(label, stats)

        def user_ids() -> Iterator[str]:  # on the listing's thread: connect while the list is read
            open_connections(client.session, client.graph_url, self.settings.max_concurrency)
            listed = ScopeResolver(client).iter_user_ids(request.scope, as_of=request.window.end)
            return _readable_owners(listed, request, stats)

        return sliced_chunks(
            client, query, request.window, user_ids,
            stamper=RowStamper(request.dataset, request.tenant_id), label=label,
            workers=self.settings.max_concurrency, rows_per_chunk=ROWS_PER_CHUNK,
            on_unit=lambda: stats.add(units_total=1), on_unit_done=lambda _: progress.units_done(1),
            stop=stop,
        )

    def _units(self, client: GraphClient, query: DatasetQuery, request: ExtractRequest) -> list[str]:
        resolver = ScopeResolver(client)
        if query.endpoint.unit is Unit.USER:
            listed = resolver.iter_user_ids(request.scope, as_of=request.window.end)
            return list(_readable_owners(listed, request, client.stats))
        if query.endpoint.unit is Unit.ROOM:
            return resolver.room_ids(request.scope)
        return resolver.group_ids(request.scope, as_of=request.window.end)

    # -- Directory protocol ---------------------------------------------------------------------

    def member_ids(self, group_ids: Sequence[str]) -> frozenset[str]:
        """Object ids of the groups' transitive user members (unknown group ids raise)."""
        return ScopeResolver(self.client).member_ids(group_ids)

    def addresses(self, user_ids: Iterable[str]) -> frozenset[str]:
        """Lower-case mail, UPN and SMTP alias addresses of the users (unknown ids are
        skipped)."""
        found: set[str] = set()
        params = {"$select": "mail,userPrincipalName,proxyAddresses"}
        for chunk in chunked(sorted(set(user_ids)), MAX_BATCH_REQUESTS):
            calls = [BatchCall(str(i), relative_url(f"{USERS_PATH}/{u}", params)) for i, u in enumerate(chunk)]
            answers = run_batch(self.client, calls, what="addresses of deny-listed users")
            for call in calls:
                body = require_ok(answers[call.id], call, "addresses of deny-listed users", missing_ok=True)
                for key in ("mail", "userPrincipalName"):
                    if body and body.get(key):
                        found.add(body[key].lower())
                if body and isinstance(body.get("proxyAddresses"), list):
                    found |= smtp_addresses(str(value) for value in body["proxyAddresses"])
        return frozenset(found)

    # -- Changes, for sensors -------------------------------------------------------------------

    def changes(
        self, dataset: str, scope: Scope, now: dt.datetime | None = None, date_column: str | None = None,
        columns: Sequence[str] | None = None, unread_owners: frozenset[str] = frozenset(),
    ) -> ChangeSet:
        """What changed in ``dataset`` within ``scope`` since the previous call.

        Runs the dataset's delta query (users and groups: ``/users/delta``, ``/groups/delta``;
        Message_v1 and SentItem_v1: per-folder message delta of every user in scope), starting
        from the delta link stored for (dataset, scope.key) under ``state_dir``. The new link is
        stored only after every page was read, in the same transaction as the index below (a
        failed call changes nothing and is simply repeated next time).

        The returned :class:`ChangeSet` lists changed and removed (``@removed``) object ids and
        the partition dates they affect. Snapshot datasets (users, groups): the day of ``now``
        (default: the current UTC time). Messages: the UTC days of the changed items'
        date-filter column (``date_column``, default the dataset's first), which the delta
        ``$select``s; every id's day is indexed per (dataset, scope), so a removed message adds
        the day it was last seen in, and a message whose date moved adds its old day too. The
        date column is read only if it is among ``columns`` (the app's authorized columns;
        ``None``: all): if not, changes are returned without dates, as ``undated_ids`` with the
        reason. Removed ids the index never saw (older than the baseline) are undated too.
        ``unread_owners``: users whose mailboxes are not read (the deny list's members, as in
        :class:`~mgdc_pipelines.sources.base.ExtractRequest`).

        The first call for a (dataset, scope) has no link: it reads the full state, fills the
        index, stores the link, and returns ``initial=True`` with every current id (a sensor
        usually just records the baseline). Changing the date column starts a new baseline.
        """
        reader = DeltaReader(self.client, ScopeResolver(self.client), self.delta_store(), self.settings.page_size)
        return reader.changes(dataset, scope, now, date_column, columns, unread_owners)


    def delta_store(self) -> DeltaStateStore:
        """Where delta links are kept: the deployment's state database (``MGDC_STATE_DATABASE``,
        one namespace per tenant and app), else SQLite files under ``state_dir``."""
        database = state_database_from_environment()
        if database is not None:
            credentials = self.settings.credentials
            namespace = delta_namespace(credentials.tenant_id, credentials.client_id)
            return DatabaseDeltaStore(database, namespace, self.settings.state_lock_timeout_s)
        if self.settings.state_dir is None:
            raise ValueError("GraphSource.changes needs a state_dir to keep delta links in")
        return DeltaStore(Path(self.settings.state_dir), self.settings.state_lock_timeout_s)


@dataclass(frozen=True)
class _Extraction:
    """One partition's per-task work: rows of one unit, or of a `$batch` of units."""

    client: GraphClient
    query: DatasetQuery
    request: ExtractRequest
    label: str

    @cached_property
    def stamper(self) -> RowStamper:
        return RowStamper(self.request.dataset, self.request.tenant_id)

    def rows_of(self, units: list[str]) -> Iterator[list[dict]]:
        """Stamped rows of the task's units, a chunk at a time (rows of one unit stay in order)."""
        query = self.query
        first_calls = {unit_id: (unit_id, *query.first_call(unit_id)) for unit_id in units}
        first_pages = self._batched(first_calls, f"$batch of {len(units)}") if query.endpoint.batchable else {}
        for unit_id in units:
            items = self._items(unit_id, first_pages)
            rows = (query.normalize(item) for item in items if query.in_window(item))
            yield from chunked(self.stamper.stamp(rows, unit_id), ROWS_PER_CHUNK)

    def _what(self, unit_id: str, parent: str | None = None) -> str:
        what = f"{self.label}: {self.query.endpoint.unit.value} {unit_id}"
        return what if parent is None else f"{what}, parent {parent}"

    def _items(self, unit_id: str, first_pages: dict[str, dict | None]) -> Iterator[dict]:
        query, what = self.query, self._what(unit_id)
        if not query.endpoint.collection:
            body = first_pages[unit_id] if unit_id in first_pages else self.client.get_json(
                query.path(unit_id), what=what, params=query.params,
                mailbox=query.mailbox(unit_id), missing_ok=True,
            )
            if body is not None:
                yield body
            return
        path, params = query.first_call(unit_id)
        items = self._collection(unit_id, path, params, first_pages.get(unit_id), what)
        if query.endpoint.fan_out is None:
            yield from items
        else:
            yield from self._fanned_out(unit_id, [item["id"] for item in items])

    def _fanned_out(self, unit_id: str, parents: list[str]) -> Iterator[dict]:
        """Items of each parent's collection, their first pages `$batch`ed when the endpoint allows."""
        query = self.query
        per_batch = self._parents_per_batch(unit_id)
        for chunk in chunked(parents, per_batch):
            calls = {parent: (unit_id, query.path(unit_id, parent), query.params) for parent in chunk}
            first_pages = self._batched(calls, f"$batch of {len(chunk)} for {unit_id}") if per_batch > 1 else {}
            for parent, (_, path, params) in calls.items():
                items = self._collection(unit_id, path, params, first_pages.get(parent), self._what(unit_id, parent))
                if query.parent_property is None:
                    yield from items
                else:
                    yield from ({**item, query.parent_property: parent} for item in items)

    def _parents_per_batch(self, unit_id: str) -> int:
        """20, or fewer when the unit is a mailbox: each inner request takes one of its 4 slots."""
        if not self.query.endpoint.batchable:
            return 1
        if self.query.mailbox(unit_id) is None:
            return MAX_BATCH_REQUESTS
        return min(MAX_BATCH_REQUESTS, self.client.limiter.mailboxes.per_mailbox)

    def _collection(
        self, unit_id: str, path: str, params: Mapping[str, str], first_page: dict | None, what: str
    ) -> Iterator[dict]:
        pages = self.client.pages(
            path, what=what, params=params, mailbox=self.query.mailbox(unit_id), first_page=first_page,
        )
        for page in pages:
            yield from page

    def _batched(self, calls: dict[str, tuple[str, str, Mapping[str, str]]], what: str) -> dict[str, dict | None]:
        """First pages (or the objects) of up to 20 `(unit, path, params)` calls in one `$batch`, by key."""
        query = self.query
        batch = {
            key: BatchCall(str(i), relative_url(path, params), query.mailbox(unit_id))
            for i, (key, (unit_id, path, params)) in enumerate(calls.items())
        }
        answers = run_batch(self.client, list(batch.values()), what=f"{self.label}: {what}")
        return {
            key: require_ok(
                answers[call.id], call, self._what(calls[key][0]), missing_ok=not query.endpoint.collection
            )
            for key, call in batch.items()
        }


def _readable_owners(user_ids: Iterable[str], request: ExtractRequest, stats: GraphStats) -> Iterator[str]:
    """``user_ids`` but the owners whose rows consent would remove anyway (the deny list's
    members): their mailboxes are never requested, only counted."""
    for user_id in user_ids:
        if user_id.lower() in request.unread_owners:
            stats.add(owners_not_read=1)
        else:
            yield user_id


def _record_batches(chunks: Iterator[list[dict]], request: ExtractRequest, stats: GraphStats) -> Iterator[pa.RecordBatch]:
    """Batches of ``request.batch_rows`` rows; unknown Graph properties are dropped and counted.

    Each chunk is converted when it arrives, while the workers wait on Graph, so the last
    batch is not converted row by row only after the last page came back.
    """
    pending: list[pa.RecordBatch] = []
    pending_rows = 0
    for chunk in chunks:
        batch = _to_batch(chunk, request, stats)
        pending.append(batch)
        pending_rows += batch.num_rows
        while pending_rows >= request.batch_rows:
            rows = pa.Table.from_batches(pending, schema=batch.schema)
            yield _single_batch(rows.slice(0, request.batch_rows))
            rest = rows.slice(request.batch_rows)
            pending, pending_rows = rest.to_batches(), rest.num_rows
    if pending_rows:
        yield _single_batch(pa.Table.from_batches(pending))


def _single_batch(rows: pa.Table) -> pa.RecordBatch:
    """The (non-empty) table's rows as one record batch."""
    return pa.concat_batches(rows.to_batches())


def _to_batch(rows: list[dict], request: ExtractRequest, stats: GraphStats) -> pa.RecordBatch:
    result = rows_to_batch(request.dataset, rows, columns=request.columns, unknown="ignore")
    if result.unknown_keys:
        stats.count_unknown(result.unknown_keys)
    return result.batch
