"""Graph's resources under ``/v1.0``: each catalog dataset's endpoint, listings and delta.

Every path comes from ``catalog/graph.py``; a request is matched to one handler, which returns
the JSON body or raises :class:`GraphError`. Outlook collections page with ``$skip``,
directory and Teams ones with an opaque ``$skiptoken``; nextLinks are absolute.

>>> mailbox_of("/users/42/messages"), mailbox_of("/users/42/mailboxSettings"), mailbox_of("/users/42/manager")
('42', '42', None)
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from mgdc_pipelines.catalog import get_dataset
from mgdc_pipelines.catalog.graph import (
    GROUPS_PATH,
    ROOM_MAILBOX_PATH,
    ROOMS_PATH,
    TRANSITIVE_USERS_PATH,
    USERS_PATH,
    FanOut,
    GraphEndpoint,
    TimeQuery,
    catalog_columns_by_property,
    graph_datasets,
    graph_endpoint,
    graph_property,
    parse_odata_datetime,
)
from mgdc_pipelines.emulator.config import EmulatorConfig
from mgdc_pipelines.emulator.delta import DeltaRoutes
from mgdc_pipelines.emulator.directory import GROUP_FILTERS, USER_FILTERS, DirectoryRows, matching
from mgdc_pipelines.emulator.graph_rows import GraphRows
from mgdc_pipelines.emulator.mutations import Mutations
from mgdc_pipelines.emulator.odata import (
    GraphError,
    bad_request,
    decode_skiptoken,
    encode_skiptoken,
    link,
    not_found,
    parse_filter,
    parse_select,
    parse_skip,
    parse_top,
    path_pattern,
    project,
    selectable_properties,
    unsupported_filter,
)
from mgdc_pipelines.sources.synthetic.activity.rooms import RoomMailbox, room_mailbox, room_mailboxes
from mgdc_pipelines.sources.synthetic.randomness import stable_guid

_DAY = dt.timedelta(days=1)
_OUTLOOK = re.compile(
    r"^/users/(?P<user>[^/]+)/(messages|mailFolders|mailboxSettings|contacts|contactFolders|events|calendarView|calendars?)(/|$)",
    re.IGNORECASE,
)


def mailbox_of(path: str) -> str | None:
    """The user whose mailbox an Outlook path reads (Exchange's limits apply), else ``None``."""
    match = _OUTLOOK.match(path)
    return match["user"] if match else None


@dataclass(frozen=True)
class Call:
    """One Graph request as the routes see it (path relative to ``/v1.0``)."""

    method: str
    path: str
    params: Mapping[str, str]
    headers: Mapping[str, str]  # lower-case names


class Host(Protocol):
    """What the routes need from the running emulator."""

    graph_url: str
    config: EmulatorConfig

    def now(self) -> dt.datetime: ...


class GraphRoutes:
    """Dispatches a :class:`Call` to the handler of its path."""

    def __init__(self, host: Host, rows: GraphRows, mutations: Mutations) -> None:
        self._host, self._rows, self._mutations = host, rows, mutations
        self._directory = DirectoryRows(rows, mutations)
        delta = DeltaRoutes(host, rows, mutations, self._directory)
        self._routes: list[tuple[re.Pattern, Callable[..., dict]]] = [
            *delta.routes(),
            (path_pattern(USERS_PATH), self._users),
            (path_pattern(GROUPS_PATH), self._groups),
            (path_pattern(TRANSITIVE_USERS_PATH), self._transitive_users),
            (path_pattern(ROOMS_PATH), self._rooms),
            (path_pattern(ROOM_MAILBOX_PATH), self._room_mailbox),  # not a room: the next route
            *((path_pattern(path), self._dataset_handler(names))
              for path, names in datasets_by_path().items()),
        ]

    def serve(self, call: Call) -> dict:
        for pattern, handler in self._routes:
            match = pattern.match(call.path)
            if match:
                if call.method != "GET":
                    raise GraphError(405, "Request_BadRequest", f"{call.method} is not supported on {call.path}")
                served = handler(call, **match.groupdict())
                if served is not None:
                    return served
        raise GraphError(400, "BadRequest", f"Resource not found for the segment '{call.path}'.")

    # --- catalog datasets ------------------------------------------------------------------

    def _dataset_handler(self, names: Sequence[str]) -> Callable[..., dict]:
        """Serves one path's datasets (v0 and v1, TeamChat_v1 and _v2, people and rooms on one
        calendar path): the first, richest first, whose properties hold every `$select`ed one and
        whose generator knows the unit."""
        handlers = [(set(selectable_properties(name)), self._unit_handler(name)) for name in names]
        known = set().union(*(properties for properties, _ in handlers))

        def handler(call: Call, user: str | None = None, group: str | None = None,
                    parent: str | None = None) -> dict:
            unit_id = user or group or ""
            wanted = set(parse_select(call.params.get("$select"), known, call.path) or ())
            candidates = [serve for properties, serve in handlers if wanted <= properties]
            if not candidates:
                raise bad_request(f"$select mixes properties of {', '.join(sorted(names))} on {call.path}")
            for serve in candidates:
                served = serve(call, unit_id, parent)
                if served is not None:
                    return served
            raise not_found(unit_id)

        return handler

    def _unit_handler(self, name: str) -> Callable[..., dict | None]:
        dataset = get_dataset(name)
        endpoint = graph_endpoint(dataset)
        selectable = selectable_properties(name)

        def handler(call: Call, unit_id: str, parent: str | None = None) -> dict | None:
            unit = self._rows.unit(dataset, unit_id)
            if unit is None:
                return None
            select = parse_select(call.params.get("$select"), selectable, call.path)
            start, end, date_column = self._window(endpoint, call)
            if getattr(unit, "user_type", None) == "Guest":
                rows = self._guest_rows(name, unit, call)
            else:
                rows = self._rows.rows(name, unit_id, start, end, date_column)
                rows = self._mutations.apply(name, unit_id, rows)
            if endpoint.fan_out is not None:
                rows = self._children(dataset, endpoint.fan_out, unit_id, parent, rows)
            if endpoint.collection:
                return self._page(call, rows, lambda row: project(row, select))
            if not rows:
                raise not_found(f"{call.path}")
            return {"@odata.context": self._context(call), **project(rows[0], select)}

        return handler

    def _children(self, dataset, fan_out: FanOut, unit_id: str, parent: str, rows: Sequence) -> tuple:
        """The rows filed under ``parent``, which must be one of the unit's listed parents."""
        listing = _listing_dataset(fan_out)
        now = self._host.now()
        if parent not in {row["id"] for row in self._rows.rows(listing, unit_id, now - _DAY, now)}:
            raise not_found(parent)
        key = graph_property(dataset, fan_out.column)
        return tuple(row for row in rows if row.get(key) == parent)

    def _guest_rows(self, dataset: str, user, call: Call) -> tuple:
        """A guest has a directory entry but no mailbox, manager or reports here."""
        if dataset == "User_v1":
            return (self._directory.user(user, self._host.now()),)
        if dataset in ("Manager_v0", "DirectReport_v0"):
            return ()
        raise GraphError(404, "MailboxNotEnabledForRESTAPI",
                         f"The mailbox of {call.path} is not enabled for REST API.")

    def _window(self, endpoint: GraphEndpoint, call: Call) -> tuple[dt.datetime, dt.datetime, str | None]:
        """The generator window: the `$filter` range, the calendar view, all history (where Graph
        cannot filter by date), or the day before now."""
        if endpoint.time_query is TimeQuery.FILTER:
            return _filter_window(endpoint, call)
        _no_filter(call)
        if endpoint.time_query is TimeQuery.IN_SOURCE:
            # No date filter here: the whole collection, every row the tenant ever made.
            config = self._rows.tenant.config
            history = dt.datetime.combine(config.tenant_start, dt.time(), tzinfo=dt.timezone.utc)
            return history, self._host.now(), get_dataset(endpoint.dataset).date_filter_columns[0]
        if endpoint.time_query is TimeQuery.CALENDAR_VIEW:
            start, end = (_datetime_param(call, name) for name in ("startDateTime", "endDateTime"))
            if end <= start:
                raise bad_request(f"endDateTime {call.params['endDateTime']} must be after startDateTime")
            return start, end, None
        now = self._host.now()
        return now - _DAY, now, None

    # --- listings ---------------------------------------------------------------------------

    def _users(self, call: Call) -> dict:
        return self._list_users(call, self._rows.tenant.users)

    def _transitive_users(self, call: Call, group: str) -> dict:
        tenant = self._rows.tenant
        if group not in tenant.group_by_id:
            raise not_found(group)
        if "$filter" in call.params and call.headers.get("consistencylevel", "").lower() != "eventual":
            raise GraphError(400, "Request_UnsupportedQuery",
                             "$filter on transitiveMembers is an advanced query: send the header "
                             "'ConsistencyLevel: eventual'.")
        return self._list_users(call, tenant.members_of(group))

    def _list_users(self, call: Call, users: Sequence) -> dict:
        select = parse_select(call.params.get("$select"), selectable_properties("User_v1"), call.path)
        chosen = matching(users, _comparisons(call), USER_FILTERS, call.path)
        now = self._host.now()
        return self._page(call, chosen, lambda user: project(self._directory.user(user, now), select))

    def _rooms(self, call: Call) -> dict:
        select = parse_select(call.params.get("$select"), ROOM_PROPERTIES, call.path)
        rooms = room_mailboxes(self._rows.tenant)
        return self._page(call, rooms, lambda room: project(_place(room), select))

    def _room_mailbox(self, call: Call, room: str) -> dict | None:
        """A room mailbox's directory entry, by id or address (``None``: not a room)."""
        mailbox = room_mailbox(self._rows.tenant, room)
        if mailbox is None:
            return None
        select = parse_select(call.params.get("$select"), ROOM_USER_PROPERTIES, call.path)
        entry = {"id": mailbox.id, "displayName": mailbox.name, "mail": mailbox.address,
                 "userPrincipalName": mailbox.address, "accountEnabled": False}
        return {"@odata.context": self._context(call), **project(entry, select)}

    def _groups(self, call: Call) -> dict:
        select = parse_select(call.params.get("$select"), selectable_properties("GroupDetails_v0"), call.path)
        chosen = matching(self._rows.tenant.groups, _comparisons(call), GROUP_FILTERS, call.path)
        now = self._host.now()
        return self._page(call, chosen, lambda group: project(self._directory.group(group, now), select))

    # --- paging -----------------------------------------------------------------------------

    def _page(self, call: Call, items: Sequence, to_json: Callable[[object], dict]) -> dict:
        size = parse_top(call.params, self._host.config.page_size)
        outlook = mailbox_of(call.path) is not None
        if outlook:
            offset = parse_skip(call.params)
        else:
            token = call.params.get("$skiptoken")
            offset = decode_skiptoken(token) if token is not None else 0
        body = {"@odata.context": self._context(call),
                "value": [to_json(item) for item in items[offset:offset + size]]}
        if offset + size < len(items):
            after = str(offset + size)
            body["@odata.nextLink"] = (
                link(self._host.graph_url, call.path, call.params, skip=after) if outlook
                else link(self._host.graph_url, call.path, call.params, skiptoken=encode_skiptoken(int(after)))
            )
        return body

    def _context(self, call: Call) -> str:
        return f"{self._host.graph_url}/$metadata#{call.path.lstrip('/')}"


def datasets_by_path() -> dict[str, tuple[str, ...]]:
    """The datasets served on each Graph path, richest first.

    A v0 dataset reads the same resource as its v1 pair, and Graph answers both the same way:
    the path serves the dataset with the most columns, which the other's columns are read from.

    >>> datasets_by_path()["/users/{user}/messages"]
    ('Message_v1', 'Message_v0')
    """
    by_path: dict[str, list] = {}
    for name in graph_datasets():
        dataset = get_dataset(name)
        by_path.setdefault(graph_endpoint(dataset).path, []).append((len(dataset.columns), name))
    return {path: tuple(name for _, name in sorted(ranked, reverse=True)) for path, ranked in by_path.items()}


ROOM_PROPERTIES = ("id", "emailAddress", "displayName", "building", "floorNumber")
ROOM_USER_PROPERTIES = ("id", "displayName", "mail", "userPrincipalName", "accountEnabled")


def _place(room: RoomMailbox) -> dict:
    """The room as Graph's places API lists it: ``id`` is the place's, not the mailbox's."""
    return {
        "id": stable_guid("place", room.address),
        "emailAddress": room.address,
        "displayName": room.name,
        "building": room.office.building_prefix,
        "floorNumber": room.floor,
    }


def _listing_dataset(fan_out: FanOut) -> str:
    """The snapshot dataset served at the fan-out's listing path: the parents are its rows."""
    for name in graph_datasets():
        if graph_endpoint(get_dataset(name)).path == fan_out.listing:
            return name
    raise ValueError(f"the emulator serves fan-out listings of datasets only; {fan_out.listing} is none")


def _comparisons(call: Call) -> tuple:
    text = call.params.get("$filter")
    return parse_filter(text) if text else ()


def _no_filter(call: Call) -> None:
    if "$filter" in call.params:
        raise unsupported_filter(parse_filter(call.params["$filter"]), call.path, "no $filter on this resource")


def _filter_window(endpoint: GraphEndpoint, call: Call) -> tuple[dt.datetime, dt.datetime, str]:
    """``<p> ge <start> and <p> lt <end>`` on a date-filter property of the dataset."""
    dataset = get_dataset(endpoint.dataset)
    by_property = catalog_columns_by_property(dataset)
    dates = {p: c for p, c in by_property.items() if c in dataset.date_filter_columns
             and (not endpoint.filter_properties or p in endpoint.filter_properties)}
    supported = f"`<p> ge <datetime> and <p> lt <datetime>` with <p> one of {', '.join(dates)}"
    text = call.params.get("$filter")
    if not text:
        raise bad_request(f"{call.path} needs a date window: $filter={supported}")
    comparisons = parse_filter(text)
    operators = sorted(c.operator for c in comparisons)
    if (
        operators != ["ge", "lt"]
        or len({c.property for c in comparisons}) != 1
        or comparisons[0].property not in dates
        or not all(isinstance(c.value, dt.datetime) for c in comparisons)
    ):
        raise unsupported_filter(comparisons, call.path, supported)
    _require_date_order(call, comparisons[0].property)
    bounds = {c.operator: c.value for c in comparisons}
    if bounds["lt"] <= bounds["ge"]:
        raise bad_request(f'Empty date window in $filter "{text}": the lt bound must follow the ge bound')
    return bounds["ge"], bounds["lt"], dates[comparisons[0].property]


def _require_date_order(call: Call, date_property: str) -> None:
    """Rows are served in ascending order of the filtered date; ``$orderby`` may only say so
    (Graph: the ``$orderby`` property must be the ``$filter``'s)."""
    order = call.params.get("$orderby")
    if order is not None and " ".join(order.split()) not in (date_property, f"{date_property} asc"):
        raise bad_request(f"Unsupported $orderby '{order}' on {call.path}: the emulator serves "
                          f"'{date_property}' ascending, the property the $filter names")


def _datetime_param(call: Call, name: str) -> dt.datetime:
    text = call.params.get(name)
    if text is None:
        raise bad_request(f"This request requires a time window specified by the query string parameters "
                          f"StartDateTime and EndDateTime; {name} is missing.", code="ErrorInvalidParameter")
    try:
        return parse_odata_datetime(text)
    except ValueError:
        raise bad_request(f"{name}={text!r} is not an ISO-8601 datetime") from None
