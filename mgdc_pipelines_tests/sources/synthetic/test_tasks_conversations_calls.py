"""To Do, group conversations and call records agree with mail, groups and calendars."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from mgdc_pipelines.sources.synthetic.org_groups import GroupKind
from mgdc_pipelines_tests.sources.synthetic.helpers import DAY, extract, request


def test_every_task_sits_in_one_of_its_owners_lists(source):
    tasks = extract(source, request("TodoTasks_v0", days=2, date_column="LastModifiedDateTime")).to_pylist()
    lists = extract(source, request("TodoTaskFolders_v0", DAY + dt.timedelta(days=1))).to_pylist()
    assert tasks and {(t["puser"], t["ParentFolderId"]) for t in tasks} <= {(f["puser"], f["Id"]) for f in lists}
    by_user = defaultdict(list)
    for folder in lists:
        by_user[folder["puser"]].append(folder)
    for folders in by_user.values():
        assert [f["Name"] for f in folders if f["IsDefaultFolder"]] == ["Tasks"]
        assert "Flagged Emails" in [f["Name"] for f in folders]


def test_each_flagged_message_is_a_task_in_flagged_emails_from_when_it_was_flagged(source):
    messages = extract(source, request("Message_v1", date_column="lastModifiedDateTime")).to_pylist()
    flagged = {(m["puser"], m["subject"], m["lastModifiedDateTime"]) for m in messages
               if not m["flag"]["flagStatus"].endswith("'notFlagged'")}
    lists = extract(source, request("TodoTaskFolders_v0")).to_pylist()
    flagged_lists = {f["Id"] for f in lists if f["Name"] == "Flagged Emails"}
    tasks = extract(source, request("TodoTasks_v0", date_column="CreatedDateTime")).to_pylist()
    from_mail = {(t["puser"], t["Subject"], t["CreatedDateTime"])
                 for t in tasks if t["ParentFolderId"] in flagged_lists}
    assert flagged and from_mail == flagged


def test_group_posts_come_from_members_of_microsoft_365_groups(source, tenant):
    posts = extract(source, request("OutlookGroupConversations_v0", days=2, date_column="SentDateTime")).to_pylist()
    assert posts
    for post in posts:
        group = tenant.group(post["pObjectId"])
        members = {tenant.users[i].mail for i in tenant.valid_member_indices(group.id)}
        assert group.kind is GroupKind.MICROSOFT_365
        assert post["From"]["emailAddress"]["address"] in members
        assert post["ToRecipients"] == [{"emailAddress": {"name": group.display_name, "address": group.mail}}]
        assert post["HasAttachments"] == str(bool(post["Attachments"])) and post["IsRead"] in ("True", "False")


def test_meeting_call_records_match_a_meeting_in_the_users_calendar(source, tenant):
    records = extract(source, request("TeamsCallRecords_v1")).to_pylist()
    calendar = extract(source, request("CalendarView_v0", DAY - dt.timedelta(days=1), days=2)).to_pylist()
    events = {(e["puser"], e["iCalUId"]): e for e in calendar}
    meetings = [r for r in records if r["CommunicationSubType"] == "OnlineMeeting"]
    assert meetings
    for record in meetings:
        event = events[(record["puser"], record["ICalUid"])]
        assert event["isOnlineMeeting"] and not event["isCancelled"]
        organizer = tenant.user_by_id[record["Organizer"]["user"]["id"]]
        invited = {a["emailAddress"]["address"] for a in event["attendees"]} | {organizer.mail}
        assert event["organizer"]["emailAddress"]["address"] == organizer.mail
        joined = [tenant.user_by_id[a["user"]["id"]] for a in record["Attendees"] if a["user"]["id"]]
        assert {u.mail for u in joined} <= invited and record["puser"] in {u.id for u in joined}


def test_every_participant_holds_the_same_call_record(source):
    records = extract(source, request("TeamsCallRecords_v1")).to_pylist()
    holders, participants = defaultdict(set), {}
    for record in records:
        holders[record["CommunicationId"]].add(record["puser"])
        shared = (record["StartTime"], record["EndTime"], record["CreatedDateTime"], repr(record["Attendees"]))
        assert participants.setdefault(record["CommunicationId"], shared) == shared
    assert {r["CommunicationSubType"] for r in records} == {"OnlineMeeting", "AdHocCall"}
    for record in records:
        assert holders[record["CommunicationId"]] == {a["user"]["id"] for a in record["Attendees"] if a["user"]["id"]}
