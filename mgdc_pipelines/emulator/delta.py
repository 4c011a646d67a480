"""Delta queries: ``/users/delta``, ``/groups/delta`` and per-folder message delta.

A round starts without a token and returns everything (users and groups created before now;
the folder's messages received since the `$filter` bound, or the last
``message_delta_lookback_days``). Its last page carries ``@odata.deltaLink`` whose opaque
``$deltatoken`` holds the clock at issue; calling it returns what changed in
``[token time, now)``: users and groups created then, messages whose ``lastModifiedDateTime``
falls in it, and every change made through the emulator's API since the token was issued
(profile updates; updated messages; deleted messages as ``{"id": ..., "@removed": {"reason":
"deleted"}}``, in the delta of the folder they were in).
Pages in between carry a ``$skiptoken`` that pins the round's interval, so a slow client sees
one consistent round.

>>> issued = dt.datetime(2026, 3, 10, tzinfo=dt.timezone.utc)
>>> first_round = DeltaState().pinned(issued, last_change=7)
>>> next_round = DeltaState.from_params({"$deltatoken": first_round.deltatoken()})
>>> next_round.since == issued, next_round.since_change, next_round.until
(True, 7, None)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from mgdc_pipelines.catalog.graph import (
    GROUPS_DELTA_PATH,
    MESSAGES_DELTA_PATH,
    USERS_DELTA_PATH,
    parse_odata_datetime,
)
from mgdc_pipelines.emulator.directory import DirectoryRows
from mgdc_pipelines.emulator.graph_rows import GraphRows
from mgdc_pipelines.emulator.mutations import Mutations
from mgdc_pipelines.emulator.odata import (
    GraphError,
    decode_token,
    encode_token,
    link,
    not_found,
    parse_filter,
    parse_select,
    parse_top,
    path_pattern,
    project,
    selectable_properties,
    unsupported_filter,
)
from mgdc_pipelines.sources.synthetic.datasets.mail_folders import WELL_KNOWN_FOLDERS, folder_id

_WELL_KNOWN = {key for key, *_ in WELL_KNOWN_FOLDERS}
_TOKENS = ("$skiptoken", "$deltatoken")


@dataclass(frozen=True)
class DeltaState:
    """Where a delta round stands.

    Generated changes are those in the clock interval ``[since, until)`` (``since=None``: the
    initial round); changes made through the emulator's API are those numbered
    ``(since_change, until_change]``, so none is lost or repeated even when the clock stands still.
    """

    since: dt.datetime | None = None
    until: dt.datetime | None = None
    since_change: int = 0
    until_change: int | None = None
    offset: int = 0

    @classmethod
    def from_params(cls, params: Mapping[str, str]) -> DeltaState:
        try:
            if "$skiptoken" in params:
                state = decode_token(params["$skiptoken"])
                return cls(_moment(state["since"]), _moment(state["until"]), int(state["since_change"]),
                           int(state["until_change"]), int(state["offset"]))
            if "$deltatoken" in params:
                state = decode_token(params["$deltatoken"])
                return cls(_moment(state["since"]), since_change=int(state["since_change"]))
        except (ValueError, KeyError, TypeError):
            raise GraphError(410, "SyncStateNotFound",
                             "The sync state in the delta token is invalid or expired; "
                             "start a new delta round without a token.") from None
        return cls()

    def pinned(self, now: dt.datetime, last_change: int) -> DeltaState:
        """The round with its end fixed (at the first page: now and the latest change)."""
        if self.until is not None:
            return self
        return DeltaState(self.since, now, self.since_change, last_change, self.offset)

    def skiptoken(self, offset: int) -> str:
        return encode_token({"since": _text(self.since), "until": _text(self.until),
                             "since_change": self.since_change, "until_change": self.until_change,
                             "offset": offset})

    def deltatoken(self) -> str:
        return encode_token({"since": _text(self.until), "since_change": self.until_change})


def _text(moment: dt.datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _moment(text: str | None) -> dt.datetime | None:
    if text is None:
        return None
    moment = dt.datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError(text)
    return moment


# A round's items, given its pinned state.
Changes = Callable[[DeltaState], Sequence[Mapping]]


class DeltaRoutes:
    def __init__(self, host, rows: GraphRows, mutations: Mutations, directory: DirectoryRows) -> None:
        self._host, self._rows, self._mutations, self._directory = host, rows, mutations, directory

    def routes(self) -> Iterator[tuple]:
        yield path_pattern(USERS_DELTA_PATH), self._users
        yield path_pattern(GROUPS_DELTA_PATH), self._groups
        yield path_pattern(MESSAGES_DELTA_PATH), self._messages

    def _users(self, call) -> dict:
        select = parse_select(call.params.get("$select"), selectable_properties("User_v1"), call.path)
        _reject_filter(call)
        users = self._rows.tenant.users

        def changes(state: DeltaState) -> list[Mapping]:
            updated = (self._mutations.users_updated(state.since_change, state.until_change)
                       if state.since else frozenset())
            return [self._directory.user(user, state.until) for user in users
                    if _created_in(user.created_at, state) or user.id in updated]

        return self._round(call, changes, select)

    def _groups(self, call) -> dict:
        select = parse_select(call.params.get("$select"), selectable_properties("GroupDetails_v0"), call.path)
        _reject_filter(call)
        groups = self._rows.tenant.groups

        def changes(state: DeltaState) -> list[Mapping]:
            return [self._directory.group(g, state.until) for g in groups if _created_in(g.created_at, state)]

        return self._round(call, changes, select)

    def _messages(self, call, user: str, folder: str) -> dict:
        owner = self._rows.tenant.user_by_id.get(user)
        if owner is None:
            raise not_found(user)
        select = parse_select(call.params.get("$select"), selectable_properties("Message_v1"), call.path)
        received_from = _received_from(call)
        folder_key = folder.lower() if folder.lower() in _WELL_KNOWN else None
        parent = folder_id(owner, folder_key) if folder_key else folder
        lookback = dt.timedelta(days=self._host.config.message_delta_lookback_days)

        def changes(state: DeltaState) -> list[Mapping]:
            since, until = state.since, state.until
            if since is None:
                start, column = received_from or until - lookback, "receivedDateTime"
            else:
                start, column = since, "lastModifiedDateTime"
            rows = self._rows.rows("Message_v1", user, start, until, column) if start < until else ()
            rows = self._mutations.apply("Message_v1", user, rows)
            if since is not None:  # plus the folder's messages updated or deleted through the API
                changed = self._mutations.message_changes(user, state.since_change, state.until_change, parent)
                reported = {item["id"] for item in changed}
                rows = [*(row for row in rows if row["id"] not in reported), *changed]
            return [row for row in rows if "@removed" in row or (
                row.get("parentFolderId") == parent
                and (received_from is None or parse_odata_datetime(row["receivedDateTime"]) >= received_from))]

        return self._round(call, changes, select)

    def _round(self, call, changes: Changes, select: tuple[str, ...] | None) -> dict:
        state = DeltaState.from_params(call.params).pinned(self._host.now(), self._mutations.last_change)
        items = changes(state)
        size = parse_top(call.params, self._host.config.page_size)
        page = items[state.offset:state.offset + size]
        carried = {k: v for k, v in call.params.items() if k not in _TOKENS}
        body = {
            "@odata.context": f"{self._host.graph_url}/$metadata#{call.path.lstrip('/')}",
            "value": [row if "@removed" in row else project(row, select) for row in page],
        }
        graph_url = self._host.graph_url
        if state.offset + size < len(items):
            after = state.skiptoken(state.offset + size)
            body["@odata.nextLink"] = link(graph_url, call.path, carried, skiptoken=after)
        else:
            body["@odata.deltaLink"] = link(graph_url, call.path, carried, deltatoken=state.deltatoken())
        return body


def _created_in(created: dt.datetime, state: DeltaState) -> bool:
    return created < state.until and (state.since is None or state.since <= created)


def _reject_filter(call) -> None:
    if "$filter" in call.params:
        raise unsupported_filter(parse_filter(call.params["$filter"]), call.path, "no $filter on this delta query")


def _received_from(call) -> dt.datetime | None:
    text = call.params.get("$filter")
    if not text:
        return None
    comparisons = parse_filter(text)
    if (len(comparisons) != 1 or comparisons[0].property != "receivedDateTime"
            or comparisons[0].operator != "ge" or not isinstance(comparisons[0].value, dt.datetime)):
        raise unsupported_filter(comparisons, call.path, "`receivedDateTime ge <datetime>`")
    return comparisons[0].value
