"""Graph resources on the emulator: the synthetic rows, paging, $select, $filter, scope expansion."""

from __future__ import annotations

from collections import Counter

import pyarrow as pa
import pytest

from mgdc_pipelines.catalog import get_dataset, rows_to_batch
from mgdc_pipelines.catalog.graph import (
    GROUPS_PATH,
    ROOM_MAILBOX_PATH,
    ROOMS_PATH,
    TRANSITIVE_USERS_PATH,
    USERS_PATH,
    TimeQuery,
    graph_datasets,
    graph_endpoint,
    graph_property,
    select_clause,
)
from mgdc_pipelines.sources.base import ExtractRequest, Scope, TimeWindow
from mgdc_pipelines.sources.graph.query import DatasetQuery
from mgdc_pipelines.sources.synthetic import SyntheticSource
from mgdc_pipelines_tests.emulator.conftest import DAY, TENANT, GraphClient, day_filter

VALID_USERS = "accountEnabled eq true and userType eq 'Member' and createdDateTime lt 2026-03-11T00:00:00Z"


def _synthetic_rows(name: str, window: TimeWindow) -> list[dict]:
    dataset = get_dataset(name)
    date_column = dataset.date_filter_columns[0] if dataset.date_filter_columns else None
    request = ExtractRequest(dataset, dataset.column_names, date_column, window, Scope.everyone(), "t")
    batches = list(SyntheticSource(TENANT).extract(request))
    return pa.Table.from_batches(batches, request.output_schema).to_pylist() if batches else []


def _as_catalog_rows(request: ExtractRequest, served: list[dict]) -> list[dict]:
    """What the Graph source does with served JSON: the window kept where Graph cannot filter,
    Graph names → catalog columns → Arrow."""
    dataset, query = request.dataset, DatasetQuery.for_request(request, page_size=None)
    renamed = [query.normalize(row) for row in served if query.in_window(row)]
    return rows_to_batch(dataset, renamed).batch.select(list(dataset.column_names)).to_pylist()


@pytest.mark.parametrize("name", graph_datasets())
def test_each_dataset_serves_exactly_the_synthetic_rows_of_a_unit(graph: GraphClient, name: str) -> None:
    dataset, endpoint = get_dataset(name), graph_endpoint(get_dataset(name))
    window = TimeWindow.for_day(DAY)
    graph.emulator.set_clock(window.end)  # snapshots: as of the partition's end, as SyntheticSource
    expected = _synthetic_rows(name, window)
    unit, _ = Counter(row[dataset.scope_column] for row in expected).most_common(1)[0]
    date_column = dataset.date_filter_columns[0] if dataset.date_filter_columns else None
    date_property = graph_property(dataset, date_column) if date_column else None
    params = endpoint.time_params(date_property, window.start, window.end)
    # As the Graph source asks: a v0 dataset shares its path with a richer v1 one, TeamChat_v1 with _v2.
    params["$select"] = select_clause(dataset, dataset.column_names)

    if endpoint.fan_out is not None:  # one collection per parent listed for the unit
        parents, _ = graph.all_pages(endpoint.fan_out.listing_for(unit), {"$select": "id"})
        served = [row for parent in parents for row in graph.all_pages(endpoint.url_for(unit, parent["id"]), params)[0]]
    elif endpoint.collection:
        served, _ = graph.all_pages(endpoint.url_for(unit), params)
    else:
        response = graph.get(endpoint.url_for(unit), params)
        response.raise_for_status()
        served = [response.json()]

    wanted = [{c: row[c] for c in dataset.column_names} for row in expected if row[dataset.scope_column] == unit]
    request = ExtractRequest(
        dataset, dataset.column_names, date_column, window, Scope.everyone(), "t"
    )
    if endpoint.time_query is TimeQuery.IN_SOURCE:  # Graph serves the whole collection
        assert len(served) > len(wanted)
    if endpoint.fan_out is not None:  # rows come list by list, not in date order
        wanted = sorted(wanted, key=repr)
        assert sorted(_as_catalog_rows(request, served), key=repr) == wanted
    else:
        assert _as_catalog_rows(request, served) == wanted


def test_next_links_cover_every_row_exactly_once(graph: GraphClient) -> None:
    user = graph.emulator.tenant.users[7].id
    week = ("receivedDateTime ge 2026-03-02T00:00:00Z and receivedDateTime lt 2026-03-09T00:00:00Z")
    everything = graph.get(f"/users/{user}/messages", {"$filter": week, "$top": "1000", "$select": "id"}).json()

    rows, pages = graph.all_pages(f"/users/{user}/messages", {"$filter": week, "$top": "7", "$select": "id"})

    ids = [row["id"] for row in rows]
    assert len(pages) > 2 and all(len(page["value"]) <= 7 for page in pages)
    assert ids == [row["id"] for row in everything["value"]] and len(set(ids)) == len(ids)
    assert all(page["@odata.nextLink"].startswith(graph.emulator.graph_url + f"/users/{user}/messages?")
               for page in pages[:-1])
    assert "$skip=" in pages[0]["@odata.nextLink"]


def test_directory_listings_page_with_a_skiptoken(graph: GraphClient) -> None:
    rows, pages = graph.all_pages(USERS_PATH, {"$select": "id", "$top": "9"})

    assert [row["id"] for row in rows] == [user.id for user in graph.emulator.tenant.users]
    assert "$skiptoken=" in pages[0]["@odata.nextLink"] and "$skip=" not in pages[0]["@odata.nextLink"]


def test_select_restricts_properties_and_rejects_unknown_ones(graph: GraphClient) -> None:
    user = graph.emulator.tenant.users[3].id
    params = {"$filter": day_filter("receivedDateTime"), "$select": "id,subject"}

    page = graph.get(f"/users/{user}/messages", params).json()
    unknown = graph.get(f"/users/{user}/messages", {**params, "$select": "id,subjct"})

    assert page["value"] and all(set(row) == {"@odata.type", "id", "subject"} for row in page["value"])
    assert unknown.status_code == 400 and "'subjct'" in unknown.json()["error"]["message"]


@pytest.mark.parametrize("params, named", [
    ({"$filter": "subject eq 'x'"}, "subject eq 'x'"),
    ({"$filter": "receivedDateTime ge 2026-03-10T00:00:00Z"}, "receivedDateTime ge 2026-03-10T00:00:00Z"),
    ({"$filter": "receivedDateTime ge 2026-03-10T00:00:00Z or isRead eq true"}, "or isRead eq true"),
    ({"$filter": day_filter("receivedDateTime"), "$top": "1001"}, "$top"),
    ({"$filter": day_filter("receivedDateTime"), "$orderby": "receivedDateTime desc"}, "$orderby"),
    ({"$filter": day_filter("receivedDateTime"), "$orderby": "subject"}, "'subject'"),
])
def test_unsupported_queries_get_a_400_naming_them(graph: GraphClient, params: dict, named: str) -> None:
    response = graph.get(f"/users/{graph.emulator.tenant.users[3].id}/messages", params)

    assert response.status_code == 400
    assert named in response.json()["error"]["message"]


def test_messages_ordered_by_the_filtered_date_come_ascending(graph: GraphClient) -> None:
    user = graph.emulator.tenant.users[3].id
    params = {"$filter": day_filter("receivedDateTime"), "$select": "receivedDateTime", "$top": "1000"}
    ordered = graph.get(f"/users/{user}/messages", {**params, "$orderby": "receivedDateTime asc"}).json()["value"]
    dates = [row["receivedDateTime"] for row in ordered]
    assert len(dates) > 1 and dates == sorted(dates)
    assert ordered == graph.get(f"/users/{user}/messages", params).json()["value"]


def test_scope_expansion_lists_the_valid_users_in_index_order(graph: GraphClient) -> None:
    tenant = graph.emulator.tenant
    group = tenant.group_by_nickname["sales"]
    as_of = TimeWindow.for_day(DAY).end
    advanced = {"ConsistencyLevel": "eventual"}

    everyone, _ = graph.all_pages(USERS_PATH, {"$filter": VALID_USERS, "$select": "id"})
    members, _ = graph.all_pages(TRANSITIVE_USERS_PATH.format(group=group.id),
                                 {"$filter": VALID_USERS, "$select": "id"}, **advanced)
    without_header = graph.get(TRANSITIVE_USERS_PATH.format(group=group.id), {"$filter": VALID_USERS})
    unknown_group = graph.get(TRANSITIVE_USERS_PATH.format(group="no-such-group"), {"$select": "id"}, **advanced)

    assert [u["id"] for u in everyone] == [u.id for u in tenant.users_in_scope(Scope.everyone(), as_of)]
    assert [u["id"] for u in members] == [u.id for u in tenant.users_in_scope(Scope("s", (group.id,)), as_of)]
    assert without_header.status_code == 400 and "ConsistencyLevel" in without_header.text
    assert unknown_group.status_code == 404
    assert unknown_group.json()["error"]["code"] == "Request_ResourceNotFound"


def test_groups_listing_filters_on_creation(graph: GraphClient) -> None:
    tenant = graph.emulator.tenant
    cutoff = sorted(g.created_at for g in tenant.groups)[len(tenant.groups) // 2]

    groups, _ = graph.all_pages(GROUPS_PATH, {"$filter": f"createdDateTime lt {cutoff:%Y-%m-%dT%H:%M:%SZ}",
                                              "$select": "id"})

    assert [g["id"] for g in groups] == [g.id for g in tenant.groups if g.created_at < cutoff]


def test_a_user_without_a_manager_is_a_404(graph: GraphClient) -> None:
    chief = next(user for user in graph.emulator.tenant.users if user.level == 0)

    response = graph.get(f"/users/{chief.id}/manager", {"$select": "id"})

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "Request_ResourceNotFound"


def test_rooms_are_places_whose_addresses_name_room_mailboxes_not_users(graph: GraphClient) -> None:
    places, _ = graph.all_pages(ROOMS_PATH, {"$select": "emailAddress,displayName"})
    address = places[0]["emailAddress"]
    room = graph.get(ROOM_MAILBOX_PATH.format(room=address), {"$select": "id,mail"}).json()
    person = graph.emulator.tenant.users[3]
    profile = graph.get(ROOM_MAILBOX_PATH.format(room=person.id), {"$select": "id,mail"}).json()

    assert len(places) == len({p["emailAddress"] for p in places}) > 0
    assert room["mail"] == address and room["id"] not in {u.id for u in graph.emulator.tenant.users}
    assert profile["mail"] == person.mail  # a person's id is no room: the profile route answers


def test_teams_resources_refuse_the_date_filters_graph_does_not_support(graph: GraphClient) -> None:
    team = graph.emulator.tenant.group_by_nickname["sales"].id
    created = {"$filter": day_filter("createdDateTime")}

    messages = graph.get(f"/teams/{team}/channels/getAllMessages", created)
    channels = graph.get(f"/teams/{team}/channels", created)

    assert messages.status_code == channels.status_code == 400
    assert "lastModifiedDateTime" in messages.json()["error"]["message"]
    served = graph.get(f"/teams/{team}/channels/getAllMessages", {"$filter": day_filter("lastModifiedDateTime")})
    assert served.status_code == 200 and served.json()["value"]


def test_transcripts_are_served_only_for_the_organizer_named_in_the_path(graph: GraphClient) -> None:
    alice, bob = (user.id for user in graph.emulator.tenant.users[:2])
    path = "/users/{}/onlineMeetings/getAllTranscripts(meetingOrganizerUserId='{}')"
    params = {"$filter": day_filter("createdDateTime")}

    assert graph.get(path.format(alice, alice), params).status_code == 200
    assert graph.get(path.format(alice, bob), params).status_code == 400


def test_team_chat_v1_and_v2_share_a_resource_told_apart_by_select(graph: GraphClient) -> None:
    user = graph.emulator.tenant.users[3].id
    path, day = f"/users/{user}/chats/getAllMessages", {"$filter": day_filter("createdDateTime")}

    v2 = graph.get(path, {**day, "$select": "id,threadId"})
    mixed = graph.get(path, {**day, "$select": "changeKey,threadId"})

    served = v2.json()["value"]
    assert v2.status_code == 200 and served and all(row["threadId"].startswith("19:") for row in served)
    assert mixed.status_code == 400 and "TeamChat_v1, TeamChat_v2" in mixed.json()["error"]["message"]
