"""The v0 mail, calendar and contact datasets, Inbox_v1, MailFolder_v2, MailboxSettings_v0 and the
room calendars agree with the rest of the organization."""

from __future__ import annotations

import json
from collections import defaultdict

import pytest

from mgdc_pipelines.catalog import get_dataset
from mgdc_pipelines_tests.sources.synthetic.helpers import extract, group_scope, request

# (v0, v1, the v0 column whose v1 name is not just lowerCamel)
VERSION_PAIRS = [
    ("Message_v0", "Message_v1", {}),
    ("SentItem_v0", "SentItem_v1", {}),
    ("Event_v0", "Event_v1", {}),
    ("Contact_v0", "Contact_v1", {"MobilePhone1": "mobilePhone"}),
]
# Contact_v0's addresses carry a Type that Contact_v1's lack (the DCS sample's spelling).
ADDRESS_TYPES = {"HomeAddress": "Home", "BusinessAddress": "Business", "OtherAddress": "Other"}


def lower_keys(value):
    if isinstance(value, dict):
        return {key.lower(): lower_keys(item) for key, item in value.items()}
    if isinstance(value, list):
        return [lower_keys(item) for item in value]
    return value


@pytest.mark.parametrize(("v0", "v1", "renamed"), VERSION_PAIRS)
def test_a_v0_dataset_holds_its_v1_pairs_rows_in_pascal_case(source, v0, v1, renamed):
    old = extract(source, request(v0)).to_pylist()  # the first date-filter column of each
    new = {(row["id"], row["puser"]): row for row in extract(source, request(v1)).to_pylist()}
    assert old and len(old) == len(new)
    nested_pascal = False
    content = [name for name in get_dataset(v0).column_names if name != "ODataType"]
    for row in old:
        pair = new[(row["Id"], row["puser"])]
        for name in content:
            value = row[name]
            v1_value = pair[renamed.get(name, name[:1].lower() + name[1:])]
            if v0 == "Contact_v0" and name in ADDRESS_TYPES:
                value = {key: item for key, item in value.items() if key != "Type"}
                v1_value = v1_value or dict.fromkeys(value)  # v1 leaves an unknown address empty
            assert lower_keys(value) == lower_keys(v1_value), name
            nested_pascal |= isinstance(value, dict) and any(k[:1].isupper() for k in value)
        assert row["ODataType"].startswith("#Microsoft.OutlookServices.")
    assert nested_pascal, "v0 deliveries spell nested fields in PascalCase"


def test_contact_v0_addresses_say_which_address_they_are_even_when_empty(source):
    rows = extract(source, request("Contact_v0", columns=list(ADDRESS_TYPES))).to_pylist()
    assert rows
    for row in rows:
        for column, kind in ADDRESS_TYPES.items():
            assert row[column]["Type"] == f"Microsoft.OutlookServices.PhysicalAddressType'{kind}'"
    assert any(row["BusinessAddress"]["City"] for row in rows)
    assert any(row["HomeAddress"]["City"] is None for row in rows)


def test_inbox_holds_exactly_the_messages_filed_in_each_inbox_folder(source):
    inbox_folders = {
        (r["puser"], r["id"]) for r in extract(source, request("MailFolder_v0")).to_pylist()
        if r["displayName"] == "Inbox"
    }
    messages = extract(source, request("Message_v1")).to_pylist()
    in_inbox = {(r["puser"], r["id"]) for r in messages if (r["puser"], r["parentFolderId"]) in inbox_folders}
    inbox = extract(source, request("Inbox_v1")).to_pylist()
    assert in_inbox and {(r["puser"], r["id"]) for r in inbox} == in_inbox
    assert len(in_inbox) < len(messages)  # sent, archived and deleted copies stay out


def test_mail_folder_v2_lists_each_folders_children(source):
    v0 = extract(source, request("MailFolder_v0")).to_pylist()
    v2 = extract(source, request("MailFolder_v2")).to_pylist()
    assert {(r["puser"], r["id"], r["totalItemCount"]) for r in v0} == {
        (r["puser"], r["Id"], r["TotalItemCount"]) for r in v2
    }
    children = defaultdict(set)
    for row in v2:
        children[(row["puser"], row["ParentFolderId"])].add(row["Id"])
    for row in v2:
        listed = json.loads(row["ChildFolders"])
        assert set(listed) == children[(row["puser"], row["Id"])]
        assert len(listed) == row["ChildFolderCount"]
    assert any(json.loads(row["ChildFolders"]) for row in v2)


def test_mailbox_settings_follow_each_users_office(source, tenant):
    settings = extract(source, request("MailboxSettings_v0")).to_pylist()
    profiles = {r["puser"]: r for r in extract(source, request("User_v1")).to_pylist()}
    archives = {
        (r["puser"], r["id"]) for r in extract(source, request("MailFolder_v0")).to_pylist()
        if r["displayName"] == "Archive"
    }
    assert sorted(row["puser"] for row in settings) == sorted(profiles)  # one per valid mailbox
    for row in settings:
        office = tenant.user_by_id[row["puser"]].office
        assert row["timeZone"] == office.windows_time_zone == row["workingHours"]["timeZone"]["name"]
        assert row["language"]["locale"] == profiles[row["puser"]]["preferredLanguage"]
        assert (row["puser"], row["archiveFolder"]) in archives
        assert len(row["workingHours"]["daysOfWeek"]) == 7 - len(office.weekend)


@pytest.fixture(scope="module")
def room_calendars(source):
    return extract(source, request("ConferenceRoomCalendar_v0", days=2)).to_pylist()


def test_every_booked_room_occurrence_is_in_that_rooms_calendar(source, room_calendars):
    people = extract(source, request("CalendarView_v0", days=2)).to_pylist()
    booked = {
        (row["location"]["locationEmailAddress"], row["iCalUId"], row["start"]["dateTime"])
        for row in people
        if row["location"]["locationType"] == "conferenceRoom"
    }
    rooms = {
        (row["location"]["locationEmailAddress"], row["iCalUId"], row["start"]["dateTime"])
        for row in room_calendars
    }
    assert booked and rooms == booked


def test_a_room_calendar_holds_only_its_own_bookings_and_no_person_owns_one(tenant, room_calendars):
    room_of = defaultdict(set)
    for row in room_calendars:
        room_of[row["puser"]].add(row["location"]["locationEmailAddress"])
        resources = [a for a in row["attendees"] if a["type"] == "resource"]
        assert [a["emailAddress"]["address"] for a in resources] == [row["location"]["locationEmailAddress"]]
        assert not row["isOrganizer"] and row["responseStatus"]["response"] == "accepted"
    assert all(len(addresses) == 1 for addresses in room_of.values())
    assert set(room_of).isdisjoint(user.id for user in tenant.users)


def test_a_group_scope_reaches_no_room_mailbox(source, tenant, room_calendars):
    scope = group_scope(tenant, "sales")
    assert room_calendars
    assert extract(source, request("ConferenceRoomCalendar_v0", scope=scope)).num_rows == 0
