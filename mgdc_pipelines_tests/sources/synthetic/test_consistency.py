"""The datasets tell one story: mailboxes, calendars, chats and the org chart agree."""

from __future__ import annotations

from collections import defaultdict

import pytest

from mgdc_pipelines.sources import Scope
from mgdc_pipelines_tests.sources.synthetic.helpers import extract, request


@pytest.fixture(scope="module")
def inboxes(source):
    """Message_v1 by sentDateTime: all copies of a message share it, so one day has them all."""
    return extract(source, request("Message_v1", date_column="sentDateTime")).to_pylist()


def test_sent_messages_reach_every_internal_recipient_mailbox(source, tenant, inboxes):
    sent = extract(source, request("SentItem_v1", date_column="sentDateTime")).to_pylist()
    by_address = {u.mail.lower(): u for u in tenant.users}
    held = {(r["internetMessageId"], r["puser"]) for r in inboxes}
    assert sent
    for message in sent:
        assert (
            message["internetMessageId"],
            message["puser"],
        ) in held  # Sent Items is part of Message_v1
        for recipient in (
            message["toRecipients"] + message["ccRecipients"] + message["bccRecipients"]
        ):
            user = by_address.get(recipient["emailAddress"]["address"].lower())
            if user is not None and user.is_valid:
                assert (message["internetMessageId"], user.id) in held


def test_copies_share_content_but_not_mailbox_ids(tenant, inboxes):
    copies = defaultdict(list)
    for row in inboxes:
        copies[row["internetMessageId"]].append(row)
    shared = [rows for rows in copies.values() if len(rows) > 1]
    assert shared
    for rows in shared:
        assert len({r["id"] for r in rows}) == len(rows)
        assert len({r["puser"] for r in rows}) == len(rows)
        for field in (
            "subject",
            "conversationId",
            "body",
            "sentDateTime",
            "sender",
            "toRecipients",
        ):
            assert len({repr(r[field]) for r in rows}) == 1, field
    mail_to_id = {u.mail.lower(): u.id for u in tenant.users}
    blind_copies = [r for r in inboxes if r["bccRecipients"]]
    assert blind_copies
    for row in blind_copies:  # only the sender's own copy shows Bcc
        assert row["puser"] == mail_to_id[row["sender"]["emailAddress"]["address"].lower()]


def test_replies_continue_their_thread(inboxes):
    threads = defaultdict(set)
    for row in inboxes:
        threads[row["conversationId"]].add(row["subject"])
    replied = [
        subjects for subjects in threads.values() if any(s.startswith("RE: ") for s in subjects)
    ]
    assert replied
    for subjects in replied:
        originals = {s.removeprefix("RE: ") for s in subjects}
        assert len(originals) == 1


def test_most_mail_is_sent_in_the_senders_working_hours(source, tenant):
    rows = extract(source, request("SentItem_v1", date_column="sentDateTime", days=3)).to_pylist()
    by_id = {u.id: u for u in tenant.users}
    in_hours = 0
    for row in rows:
        office = by_id[row["puser"]].office
        local = row["sentDateTime"].astimezone(office.zone)
        minute = local.hour * 60 + local.minute
        in_hours += (
            office.is_workday(local.date())
            and office.workday_start_minute <= minute <= office.workday_end_minute
        )
    assert 0.7 < in_hours / len(rows) < 0.98  # mostly in hours, some after hours


def test_manager_and_direct_report_rows_mirror_each_other(source):
    managers = {(r["puser"], r["id"]) for r in extract(source, request("Manager_v0")).to_pylist()}
    reports = {
        (r["id"], r["puser"]) for r in extract(source, request("DirectReport_v0")).to_pylist()
    }
    assert managers and managers == reports


def test_scoped_manager_rows_point_at_real_managers(source, tenant):
    scope = Scope("sales", (tenant.group_by_nickname["sales"].id,))
    for row in extract(source, request("Manager_v0", scope=scope)).to_pylist():
        user = tenant.user_by_id[row["puser"]]
        assert tenant.users[user.manager].id == row["id"]


def test_meeting_occurrences_appear_in_every_attendee_calendar(source, tenant):
    rows = extract(source, request("CalendarView_v0", days=2)).to_pylist()
    calendars = defaultdict(set)
    for row in rows:
        calendars[(row["iCalUId"], row["start"]["dateTime"])].add(row["puser"])
    by_address = {u.mail.lower(): u for u in tenant.users}
    for row in rows:
        if row["isOrganizer"]:
            expected = {
                by_address[a["emailAddress"]["address"].lower()].id
                for a in row["attendees"]
                if a["emailAddress"]["address"].lower() in by_address
            } | {row["puser"]}
            assert calendars[(row["iCalUId"], row["start"]["dateTime"])] == expected


def test_chat_messages_are_in_every_participant_mailbox(source, tenant):
    rows = extract(source, request("TeamChat_v1", date_column="SentDateTime")).to_pylist()
    holders = defaultdict(set)
    for row in rows:
        holders[row["InternetMessageId"]].add(row["puser"])
    by_address = {u.mail.lower(): u.id for u in tenant.users}
    for row in rows:
        participants = {by_address[row["From"]["EmailAddress"]["Address"].lower()]}
        participants |= {
            by_address[r["EmailAddress"]["Address"].lower()] for r in row["ToRecipients"]
        }
        assert holders[row["InternetMessageId"]] == participants


def test_message_folders_exist_in_the_mailbox_folder_list(source, inboxes):
    folders = {(r["puser"], r["id"]) for r in extract(source, request("MailFolder_v0")).to_pylist()}
    assert {(r["puser"], r["parentFolderId"]) for r in inboxes} <= folders


def test_team_sites_belong_to_the_groups(source, tenant):
    sites = extract(source, request("SharePointSites_v1")).to_pylist()
    connected = {r["GroupId"] for r in sites if r["IsTeamsConnectedSite"]}
    assert tenant.group_by_nickname["sales"].id in connected
    permissions = extract(source, request("SharePointPermissions_v1")).to_pylist()
    assert {r["SiteId"] for r in permissions} <= {r["Id"] for r in sites}
    assert {r["LinkScope"] for r in permissions} >= {"Anyone", "Organization", "SpecificPeople"}
    names = {w["Name"] for r in permissions for w in r["SharedWith"]}
    assert "Everyone except external users" in names
    assert any(w["Type"] == "External" for r in permissions for w in r["SharedWith"])
