"""Where each catalog dataset lives in the transactional Microsoft Graph API (reference §6).

This is the one contract the Graph source (``sources/graph/``) and the Graph emulator
(``emulator/``) share: the endpoint per dataset, how a partition's day becomes a query, and how
catalog column names map to Graph property names. Neither side spells a Graph path or a
property name on its own.

>>> from mgdc_pipelines.catalog import get_dataset
>>> endpoint = graph_endpoint(get_dataset("Message_v1"))
>>> endpoint.url_for("5f1c")
'/users/5f1c/messages'
>>> import datetime as dt
>>> endpoint.date_filter("receivedDateTime", dt.datetime(2026, 11, 20, tzinfo=dt.timezone.utc),
...                      dt.datetime(2026, 11, 21, tzinfo=dt.timezone.utc))
'receivedDateTime ge 2026-11-20T00:00:00Z and receivedDateTime lt 2026-11-21T00:00:00Z'
>>> tasks = graph_endpoint(get_dataset("TodoTasks_v0"))  # a fan-out: one collection per list
>>> tasks.fan_out.listing_for("5f1c"), tasks.url_for("5f1c", parent="AQMk")
('/users/5f1c/todo/lists', '/users/5f1c/todo/lists/AQMk/tasks')
>>> graph_property(get_dataset("TeamChat_v1"), "CreatedDateTime")
'createdDateTime'
>>> graph_endpoint(get_dataset("SharePointSites_v1"))  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
mgdc_pipelines.catalog.graph.NotOnGraphError: BasicDataSet_v0.SharePointSites_v1 is not available from the Graph source; use the landing source (MGDC deliveries) for it. Datasets the Graph source serves: ..., ConferenceRoomCalendar_v0, ...
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass

from mgdc_pipelines.catalog.datasets.contacts import with_address_types
from mgdc_pipelines.catalog.model import Dataset

GRAPH_VERSION = "v1.0"
GRAPH_SCOPE = "https://graph.microsoft.com/.default"  # client credentials: resource/.default only
ODATA_TYPE_PROPERTY = "@odata.type"  # always returned, never `$select`ed

# Scope expansion and tenant-wide listings (not datasets themselves).
USERS_PATH = "/users"
GROUPS_PATH = "/groups"
TRANSITIVE_USERS_PATH = "/groups/{group}/transitiveMembers/microsoft.graph.user"
ROOMS_PATH = "/places/microsoft.graph.room"  # room mailboxes, by their `emailAddress`
ROOM_MAILBOX_PATH = "/users/{room}"  # a room mailbox's directory entry, by address: its object id
BATCH_PATH = "/$batch"
MAX_BATCH_REQUESTS = 20  # Graph's JSON batching limit

# Delta queries (reference §6 "Delta query", "Message delta").
USERS_DELTA_PATH = "/users/delta"
GROUPS_DELTA_PATH = "/groups/delta"
MESSAGES_DELTA_PATH = "/users/{user}/mailFolders/{folder}/messages/delta"


class Unit(str, enum.Enum):
    """What one Graph call is about: a user's mailbox/profile, a group, or a room's mailbox."""

    USER = "user"
    GROUP = "group"
    ROOM = "room"  # a Room-type user, listed by ROOMS_PATH rather than among the users


class TimeQuery(str, enum.Enum):
    """How a partition's time window becomes query parameters."""

    NONE = "none"  # snapshot: the current state
    FILTER = "filter"  # `$filter=<property> ge <start> and <property> lt <end>`
    CALENDAR_VIEW = "calendar_view"  # `startDateTime=<start>&endDateTime=<end>`
    # Graph ignores or refuses `$filter` here (Planner, Teams channels): the source reads every
    # row and keeps the window's, on a date column the app is authorized to read.
    IN_SOURCE = "in_source"


@dataclass(frozen=True)
class FanOut:
    """A dataset Graph serves as one collection per parent item of a unit, not per unit.

    ``listing`` (a ``{user}`` or ``{group}`` path) lists the unit's parents; each parent's id
    fills the ``{parent}`` placeholder of the endpoint's path. ``column`` is the catalog column
    that carries the parent's id in every row: the Graph source fills it from the parent (Graph's
    items need not have it, e.g. a todoTask has no parentFolderId) and the emulator files rows
    under their parent by it.
    """

    listing: str
    column: str

    def listing_for(self, unit_id: str) -> str:
        return self.listing.format(user=unit_id, group=unit_id)


@dataclass(frozen=True)
class GraphEndpoint:
    """One dataset's Graph resource.

    ``path`` is relative to ``/v1.0`` with a ``{user}`` or ``{group}`` placeholder. A
    ``collection`` returns ``{"value": [...]}`` pages with ``@odata.nextLink``; otherwise one
    object (a 404 means no row, e.g. a user without a manager). ``batchable`` endpoints are
    small per-unit calls worth packing into ``$batch`` requests of up to 20 (with a
    ``fan_out``: the listings of 20 units, then the first pages of 20 parents at a time).
    ``filter_properties`` names the only date properties Graph's ``$filter`` accepts there
    (empty: any of the dataset's date-filter columns).
    """

    dataset: str  # catalog short name
    path: str
    unit: Unit
    time_query: TimeQuery = TimeQuery.NONE
    collection: bool = True
    batchable: bool = False
    # (catalog column, Graph property) where the property is not the column in lowerCamel.
    renamed: tuple[tuple[str, str], ...] = ()
    fan_out: FanOut | None = None
    filter_properties: tuple[str, ...] = ()
    # Fills a row with what MGDC writes and Graph does not serve (Contact_v0's address types).
    completes: Callable[[dict], dict] | None = None

    def url_for(self, unit_id: str, parent: str | None = None) -> str:
        if (parent is None) != (self.fan_out is None):
            raise ValueError(f"{self.dataset}: a parent id is needed exactly when the endpoint fans out")
        return self.path.format(user=unit_id, group=unit_id, parent=parent)

    @staticmethod
    def date_filter(graph_property_name: str, start: dt.datetime, end: dt.datetime) -> str:
        """The half-open ``[start, end)`` window as an OData ``$filter`` expression."""
        return (
            f"{graph_property_name} ge {odata_datetime(start)} and "
            f"{graph_property_name} lt {odata_datetime(end)}"
        )

    def window_problem(self, dataset: Dataset, date_column: str | None, columns: Collection[str]) -> str | None:
        """Why Graph cannot give one partition of ``dataset`` filtered on ``date_column`` to an
        app reading ``columns`` (``None``: it can). Spec validation reports it; the Graph source
        refuses with it before any request.

        >>> from mgdc_pipelines.catalog import get_dataset
        >>> planner = get_dataset("PlannerTasks_v0")
        >>> graph_endpoint(planner).window_problem(planner, "createdDateTime", ["title", "createdDateTime"])
        >>> print(graph_endpoint(planner).window_problem(planner, "createdDateTime", ["title"]))
        PlannerTasks_v0 from Graph: Graph cannot filter it by date, so the Graph source keeps each partition's rows itself and must read createdDateTime; add createdDateTime to the dataset's columns (the admin's grant must include it)
        """
        if date_column is None:
            return None
        if self.time_query is TimeQuery.IN_SOURCE and date_column not in columns:
            # Reading a column the grant does not hold, even only to filter, would break consent.
            return (
                f"{dataset.short_name} from Graph: Graph cannot filter it by date, so the Graph source "
                f"keeps each partition's rows itself and must read {date_column}; add {date_column} "
                "to the dataset's columns (the admin's grant must include it)"
            )
        takes = self.filter_properties
        if self.time_query is TimeQuery.FILTER and takes and graph_property(dataset, date_column) not in takes:
            allowed = [c for c in dataset.date_filter_columns if graph_property(dataset, c) in takes]
            return (
                f"{dataset.short_name} from Graph can be filtered on {', '.join(allowed)} only "
                f"(Graph's $filter on {self.path} takes {', '.join(takes)} only): set the dataset's "
                "date_filter_column to it, or use the landing source"
            )
        return None

    def time_params(self, date_property: str | None, start: dt.datetime, end: dt.datetime) -> dict[str, str]:
        """Query parameters selecting one partition's window (none for snapshots)."""
        if self.time_query is TimeQuery.FILTER:
            if date_property is None:
                raise ValueError(f"{self.dataset}: a date-filter property is required")
            return {"$filter": self.date_filter(date_property, start, end)}
        if self.time_query is TimeQuery.CALENDAR_VIEW:
            return {"startDateTime": odata_datetime(start), "endDateTime": odata_datetime(end)}
        return {}


class NotOnGraphError(ValueError):
    """The dataset has no transactional Graph equivalent (SharePoint datasets)."""


# One tuple per dataset family, in the order of the catalog's modules.
# A v0 dataset reads the same Graph resource as its v1 pair: the Graph source spells what
# Graph returns as the v0 dataset does (sources/graph/query.py).
_MAIL_ENDPOINTS = (
    *(GraphEndpoint(name, "/users/{user}/mailFolders", Unit.USER, batchable=True)
      for name in ("MailFolder_v0", "MailFolder_v2")),
    *(GraphEndpoint(name, "/users/{user}/messages", Unit.USER, TimeQuery.FILTER)
      for name in ("Message_v0", "Message_v1")),
    *(GraphEndpoint(name, "/users/{user}/mailFolders/sentitems/messages", Unit.USER, TimeQuery.FILTER)
      for name in ("SentItem_v0", "SentItem_v1")),
    GraphEndpoint("Inbox_v1", "/users/{user}/mailFolders/inbox/messages", Unit.USER, TimeQuery.FILTER),
    GraphEndpoint(
        "MailboxSettings_v0", "/users/{user}/mailboxSettings", Unit.USER, collection=False, batchable=True
    ),
)

_CALENDAR_ENDPOINTS = (
    *(GraphEndpoint(name, "/users/{user}/events", Unit.USER, TimeQuery.FILTER)
      for name in ("Event_v0", "Event_v1")),
    GraphEndpoint("CalendarView_v0", "/users/{user}/calendarView", Unit.USER, TimeQuery.CALENDAR_VIEW),
    GraphEndpoint(
        "ConferenceRoomCalendar_v0", "/users/{user}/calendarView", Unit.ROOM, TimeQuery.CALENDAR_VIEW
    ),
)

_CONTACT_ENDPOINTS = (
    GraphEndpoint("Contact_v0", "/users/{user}/contacts", Unit.USER, renamed=(("MobilePhone1", "mobilePhone"),),
                  completes=with_address_types),
    GraphEndpoint("Contact_v1", "/users/{user}/contacts", Unit.USER),
)

_DIRECTORY_ENDPOINTS = (
    GraphEndpoint("User_v1", "/users/{user}", Unit.USER, collection=False, batchable=True),
    GraphEndpoint("Manager_v0", "/users/{user}/manager", Unit.USER, collection=False, batchable=True),
    GraphEndpoint("DirectReport_v0", "/users/{user}/directReports", Unit.USER, batchable=True),
    GraphEndpoint("LicenseDetails_v0", "/users/{user}/licenseDetails", Unit.USER, batchable=True),
)

_DEVICE_ENDPOINTS = (
    GraphEndpoint("OwnedDevices_v0", "/users/{user}/ownedDevices", Unit.USER, batchable=True),
    GraphEndpoint(
        "RegisteredDevices_v0", "/users/{user}/registeredDevices", Unit.USER, batchable=True
    ),
)

_GROUP_ENDPOINTS = (
    GraphEndpoint("GroupDetails_v0", "/groups/{group}", Unit.GROUP, collection=False, batchable=True),
    GraphEndpoint("GroupMembers_v0", "/groups/{group}/members", Unit.GROUP, batchable=True),
    GraphEndpoint("GroupOwners_v0", "/groups/{group}/owners", Unit.GROUP, batchable=True),
)

# OutlookGroupConversations_v0: Graph has the group's threads and their posts, which the fan-out
# could walk, but a `post` lacks most of the dataset's columns (subject, sentDateTime, isRead,
# importance, toRecipients, internetMessageId, webLink, ...) so no window on SentDateTime can
# be asked for, and the threads listing takes no date filter: every partition would read every
# thread the group ever had. No endpoint: the landing source serves it.
_CONVERSATION_ENDPOINTS: tuple[GraphEndpoint, ...] = ()

# TeamChat_v1 and _v2 share Graph's resource (the same messages; the emulator serves the
# dataset whose properties hold the `$select`).
# Channels: Graph has no `$filter` on createdDateTime there, so the source reads a team's
# channels (a few dozen) and keeps those created in the window.
_TEAMS_ENDPOINTS = (
    GraphEndpoint("TeamChat_v1", "/users/{user}/chats/getAllMessages", Unit.USER, TimeQuery.FILTER),
    GraphEndpoint("TeamChat_v2", "/users/{user}/chats/getAllMessages", Unit.USER, TimeQuery.FILTER),
    GraphEndpoint("TeamsChannelDetails_v0", "/teams/{group}/channels", Unit.GROUP, TimeQuery.IN_SOURCE),
    GraphEndpoint(
        "TeamsStandardChannelMessages_v0", "/teams/{group}/channels/getAllMessages", Unit.GROUP,
        TimeQuery.FILTER, filter_properties=("lastModifiedDateTime",),
    ),
    GraphEndpoint(
        "TeamsTranscript_v1",
        "/users/{user}/onlineMeetings/getAllTranscripts(meetingOrganizerUserId='{user}')",
        Unit.USER, TimeQuery.FILTER,
    ),
)

# TeamsCallRecords_v1: Graph v1.0 keeps call records tenant-wide only (`/communications/
# callRecords`, filtered on startDateTime or a participant id, 30 days back); no per-user path.
_CALL_ENDPOINTS: tuple[GraphEndpoint, ...] = ()

_PLANNER_ENDPOINTS = (
    GraphEndpoint("PlannerTasks_v0", "/users/{user}/planner/tasks", Unit.USER, TimeQuery.IN_SOURCE),
)

TODO_LISTS_PATH = "/users/{user}/todo/lists"
_TODO_ENDPOINTS = (
    GraphEndpoint("TodoTaskFolders_v0", TODO_LISTS_PATH, Unit.USER, batchable=True),
    GraphEndpoint(
        "TodoTasks_v0", TODO_LISTS_PATH + "/{parent}/tasks", Unit.USER, TimeQuery.FILTER,
        batchable=True, fan_out=FanOut(TODO_LISTS_PATH, "ParentFolderId"),
    ),
)

_ENDPOINTS = {
    endpoint.dataset: endpoint
    for family in (
        _MAIL_ENDPOINTS, _CALENDAR_ENDPOINTS, _CONTACT_ENDPOINTS, _DIRECTORY_ENDPOINTS,
        _DEVICE_ENDPOINTS, _GROUP_ENDPOINTS, _CONVERSATION_ENDPOINTS, _TEAMS_ENDPOINTS,
        _CALL_ENDPOINTS, _PLANNER_ENDPOINTS, _TODO_ENDPOINTS,
    )
    for endpoint in family
}


def graph_datasets() -> tuple[str, ...]:
    """Short names of the datasets the Graph source serves."""
    return tuple(sorted(_ENDPOINTS))


def graph_endpoint(dataset: Dataset) -> GraphEndpoint:
    """The dataset's endpoint; datasets without one raise :class:`NotOnGraphError`."""
    try:
        return _ENDPOINTS[dataset.short_name]
    except KeyError:
        raise NotOnGraphError(
            f"{dataset.name} is not available from the Graph source; use the landing source "
            f"(MGDC deliveries) for it. Datasets the Graph source serves: {', '.join(graph_datasets())}"
        ) from None


def graph_property(dataset: Dataset, column: str) -> str:
    """The Graph JSON property that carries a catalog column."""
    dataset.column(column)  # raises on unknown columns
    if column == "ODataType":
        return ODATA_TYPE_PROPERTY
    endpoint = _ENDPOINTS.get(dataset.short_name)
    renamed = dict(endpoint.renamed).get(column) if endpoint else None
    if renamed:
        return renamed
    # Graph's properties are lowerCamel; MGDC spells v0 (and TeamChat) columns in PascalCase.
    return column[:1].lower() + column[1:]


def catalog_columns_by_property(dataset: Dataset) -> dict[str, str]:
    """Graph property → catalog column, for every content column of the dataset."""
    return {graph_property(dataset, column): column for column in dataset.column_names}


def select_clause(dataset: Dataset, columns: Iterable[str]) -> str:
    """``$select`` for the given catalog columns: their properties, ``@odata.type`` left out."""
    properties = (graph_property(dataset, column) for column in columns)
    return ",".join(p for p in properties if not p.startswith("@"))


def parse_odata_datetime(text: str) -> dt.datetime:
    """An ISO-8601 instant as Graph writes it (``Z``, an offset, up to seven fractional digits);
    text without an offset is UTC. Raises ``ValueError`` on anything else.

    >>> parse_odata_datetime("2026-11-20T09:30:00.1234567Z").isoformat()
    '2026-11-20T09:30:00.123456+00:00'
    """
    moment = dt.datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)


def odata_datetime(moment: dt.datetime) -> str:
    """``2026-11-20T00:00:00Z``: a UTC instant as OData writes it in ``$filter``."""
    if moment.tzinfo is None:
        raise ValueError(f"expected a timezone-aware datetime, got {moment!r}")
    utc = moment.astimezone(dt.timezone.utc)
    text = utc.strftime("%Y-%m-%dT%H:%M:%S")
    if utc.microsecond:
        text += f".{utc.microsecond:06d}".rstrip("0")
    return text + "Z"
