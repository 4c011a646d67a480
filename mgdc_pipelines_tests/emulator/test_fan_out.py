"""Fan-out routes on the emulator: a user's To Do lists, then one task collection per list."""

from __future__ import annotations

from mgdc_pipelines_tests.emulator.conftest import GraphClient, day_filter

WEEK = "lastModifiedDateTime ge 2026-03-03T00:00:00Z and lastModifiedDateTime lt 2026-03-10T00:00:00Z"


def _lists(graph: GraphClient, user: str) -> list[str]:
    rows, _ = graph.all_pages(f"/users/{user}/todo/lists", {"$select": "id"})
    return [row["id"] for row in rows]


def test_each_list_serves_its_own_tasks_a_page_at_a_time(graph: GraphClient) -> None:
    users = graph.emulator.tenant.users
    user = max(users[:12], key=lambda u: len(_lists(graph, u.id))).id
    lists = _lists(graph, user)
    params = {"$filter": WEEK, "$select": "id,parentFolderId"}
    by_list = {list_id: graph.all_pages(f"/users/{user}/todo/lists/{list_id}/tasks", {**params, "$top": "1"})
               for list_id in lists}

    assert len(lists) >= 3 and max(len(pages) for _, pages in by_list.values()) >= 2
    for list_id, (rows, _) in by_list.items():
        assert {row["parentFolderId"] for row in rows} <= {list_id}
    paged = sorted(row["id"] for rows, _ in by_list.values() for row in rows)
    whole = sorted(row["id"] for list_id in lists
                   for row in graph.all_pages(f"/users/{user}/todo/lists/{list_id}/tasks", params)[0])
    assert paged == whole and len(set(paged)) == len(paged)


def test_a_list_of_another_user_is_a_404_and_a_window_is_required(graph: GraphClient) -> None:
    first, second = (u.id for u in graph.emulator.tenant.users[:2])
    foreign = _lists(graph, second)[0]
    tasks = f"/users/{first}/todo/lists/{foreign}/tasks"

    response = graph.get(tasks, {"$filter": day_filter("createdDateTime")})
    assert response.status_code == 404 and foreign in response.json()["error"]["message"]
    unfiltered = graph.get(f"/users/{first}/todo/lists/{_lists(graph, first)[0]}/tasks")
    assert unfiltered.status_code == 400 and "needs a date window" in unfiltered.json()["error"]["message"]
