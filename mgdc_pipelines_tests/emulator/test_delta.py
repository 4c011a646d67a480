"""Delta queries on the emulator: a full round, then only what changed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from mgdc_pipelines.catalog.graph import (
    GROUPS_DELTA_PATH,
    MESSAGES_DELTA_PATH,
    USERS_DELTA_PATH,
    GraphEndpoint,
    odata_datetime,
)
from mgdc_pipelines.emulator import EmulatorConfig, GraphEmulator
from mgdc_pipelines_tests.emulator.conftest import CLOCK, TENANT, GraphClient

RECEIVED_FROM = CLOCK - dt.timedelta(days=3)


@pytest.fixture
def graph() -> Iterator[GraphClient]:
    """A fresh emulator per test: delta tests mutate the tenant."""
    with GraphEmulator(EmulatorConfig(tenant=TENANT, clock=CLOCK, page_size=20)) as emulator:
        yield GraphClient(emulator)


def _round(graph: GraphClient, first: str, params: dict | None = None) -> tuple[list[dict], str]:
    """Every item of a delta round and its deltaLink."""
    rows, pages = graph.all_pages(first, params)
    assert all("@odata.deltaLink" not in page for page in pages[:-1])
    return rows, pages[-1]["@odata.deltaLink"]


def _parse(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_users_delta_returns_everyone_then_only_updated_users(graph: GraphClient) -> None:
    emulator = graph.emulator
    everyone, delta_link = _round(graph, USERS_DELTA_PATH, {"$select": "id,jobTitle"})
    emulator.set_clock(CLOCK + dt.timedelta(hours=1))
    nothing, delta_link = _round(graph, delta_link)
    promoted = emulator.tenant.users[5].id
    emulator.update_user(promoted, jobTitle="Chief Emulation Officer")
    emulator.set_clock(CLOCK + dt.timedelta(hours=2))

    changed, _ = _round(graph, delta_link)

    assert [u["id"] for u in everyone] == [u.id for u in emulator.tenant.users if u.created_at < CLOCK]
    assert all(set(user) == {"id", "jobTitle"} for user in everyone)
    assert nothing == []
    assert changed == [{"id": promoted, "jobTitle": "Chief Emulation Officer"}]
    assert graph.get(f"/users/{promoted}", {"$select": "jobTitle"}).json()["jobTitle"] == "Chief Emulation Officer"


def test_groups_delta_ends_with_a_delta_link(graph: GraphClient) -> None:
    groups, delta_link = _round(graph, GROUPS_DELTA_PATH, {"$select": "id,displayName"})

    assert [g["id"] for g in groups] == [g.id for g in graph.emulator.tenant.groups if g.created_at < CLOCK]
    assert delta_link.startswith(graph.emulator.graph_url + GROUPS_DELTA_PATH + "?")
    assert "$select=id,displayName" in delta_link and "$deltatoken=" in delta_link


def test_message_delta_reports_modified_and_deleted_messages_only(graph: GraphClient) -> None:
    emulator = graph.emulator
    owner = emulator.tenant.users[3].id
    path = MESSAGES_DELTA_PATH.format(user=owner, folder="inbox")
    params = {"$select": "id,receivedDateTime,lastModifiedDateTime,parentFolderId",
              "$filter": f"receivedDateTime ge {odata_datetime(RECEIVED_FROM)}"}
    initial, delta_link = _round(graph, path, params)
    later = CLOCK + dt.timedelta(days=1)
    emulator.set_clock(later)
    gone = initial[0]["id"]
    emulator.delete_message(owner, gone)

    changes, _ = _round(graph, delta_link)

    inbox = {m["parentFolderId"] for m in initial}
    assert len(initial) > 5 and len(inbox) == 1
    assert all(RECEIVED_FROM <= _parse(m["receivedDateTime"]) < CLOCK for m in initial)
    modified = [m for m in changes if "@removed" not in m]
    assert modified and all(CLOCK <= _parse(m["lastModifiedDateTime"]) < later for m in modified)
    assert {m["parentFolderId"] for m in modified} == inbox
    assert [m for m in changes if "@removed" in m] == [{"id": gone, "@removed": {"reason": "deleted"}}]
    listing = graph.get(f"/users/{owner}/messages", _window_params("id")).json()
    assert gone not in {m["id"] for m in listing["value"]}


def test_an_invalid_delta_token_is_410(graph: GraphClient) -> None:
    response = graph.get(USERS_DELTA_PATH, {"$deltatoken": "garbage"})

    assert response.status_code == 410
    assert response.json()["error"]["code"] == "SyncStateNotFound"


def _window_params(select: str) -> dict:
    return {"$filter": GraphEndpoint.date_filter("receivedDateTime", RECEIVED_FROM, CLOCK),
            "$select": select, "$top": "1000"}


def _sender_with_sent_mail(graph: GraphClient) -> tuple[str, dict]:
    """A user and one message they sent in the window (from the SentItem_v1 endpoint)."""
    for user in graph.emulator.tenant.users[:20]:
        listing = graph.get(f"/users/{user.id}/mailFolders/sentitems/messages", _window_params("id,isRead")).json()
        if listing.get("value"):
            return user.id, listing["value"][0]
    raise AssertionError("no user of the test tenant sent mail in the window")


def test_an_updated_message_is_served_with_its_new_values_and_reported_once_in_its_folder_only(graph: GraphClient) -> None:
    emulator = graph.emulator
    owner, sent = _sender_with_sent_mail(graph)
    select = {"$select": "id,isRead,categories,lastModifiedDateTime,parentFolderId"}
    links = {folder: _round(graph, MESSAGES_DELTA_PATH.format(user=owner, folder=folder), select)[1]
             for folder in ("sentitems", "inbox")}
    later = CLOCK + dt.timedelta(minutes=5)
    emulator.set_clock(later)  # no generated change falls in [CLOCK, later) for these folders' rows below

    emulator.update_message(owner, sent["id"], isRead=not sent["isRead"], categories=["Red category"])

    sent_changes, sent_link = _round(graph, links["sentitems"])
    inbox_changes, _ = _round(graph, links["inbox"])
    [reported] = [m for m in sent_changes if m["id"] == sent["id"]]
    assert (reported["isRead"], reported["categories"]) == (not sent["isRead"], ["Red category"])
    assert _parse(reported["lastModifiedDateTime"]) == later
    assert sent["id"] not in {m["id"] for m in inbox_changes}
    assert sent["id"] not in {m["id"] for m in _round(graph, sent_link)[0]}  # reported once
    for path in (f"/users/{owner}/messages", f"/users/{owner}/mailFolders/sentitems/messages"):
        served = {m["id"]: m for m in graph.get(path, _window_params("id,isRead,categories")).json()["value"]}
        assert (served[sent["id"]]["isRead"], served[sent["id"]]["categories"]) == (not sent["isRead"], ["Red category"])


def test_a_deleted_message_is_removed_only_in_its_own_folders_delta(graph: GraphClient) -> None:
    emulator = graph.emulator
    owner, sent = _sender_with_sent_mail(graph)
    select = {"$select": "id,parentFolderId"}
    links = {folder: _round(graph, MESSAGES_DELTA_PATH.format(user=owner, folder=folder), select)[1]
             for folder in ("sentitems", "inbox")}

    emulator.delete_message(owner, sent["id"])

    removed = {folder: [m["id"] for m in _round(graph, link)[0] if "@removed" in m] for folder, link in links.items()}
    assert removed == {"sentitems": [sent["id"]], "inbox": []}
    listing = graph.get(f"/users/{owner}/mailFolders/sentitems/messages", _window_params("id")).json()
    assert sent["id"] not in {m["id"] for m in listing["value"]}


def test_changing_an_unknown_message_or_a_fixed_property_is_refused_by_name(graph: GraphClient) -> None:
    emulator = graph.emulator
    owner, sent = _sender_with_sent_mail(graph)
    with pytest.raises(ValueError, match="update_message: \\['id', 'parentFolderId'\\] cannot be set"):
        emulator.update_message(owner, sent["id"], parentFolderId="elsewhere", id="x")
    emulator.configure(mutable_message_days=30)  # an unknown id is searched for that far back
    with pytest.raises(ValueError, match=f"user '{owner}' has no message 'AAMk-nope' received in the 30 days before"):
        emulator.delete_message(owner, "AAMk-nope")
    emulator.delete_message(owner, sent["id"])
    with pytest.raises(ValueError, match="was deleted; it cannot be updated"):
        emulator.update_message(owner, sent["id"], isRead=True)
