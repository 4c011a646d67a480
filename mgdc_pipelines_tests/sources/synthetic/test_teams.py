"""Teams and group owners: channels, channel messages, TeamChat_v2 and transcripts agree with
the organization (its groups, chats and calendars). Their windows: test_windows.py."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pyarrow as pa

from mgdc_pipelines.catalog import get_dataset
from mgdc_pipelines.consent.enforcement import Enforcer
from mgdc_pipelines.sources.synthetic.org_groups import GroupKind
from mgdc_pipelines_tests.sources.synthetic.helpers import (
    DAY,
    TENANT_ID,
    extract,
    group_scope,
    request,
)


def rows(source, name, *day, **options) -> list[dict]:
    return extract(source, request(name, *day, **options)).to_pylist()


def test_channels_and_their_messages_belong_to_teams_enabled_groups_only(source, tenant):
    teams = {g.id for g in tenant.groups if g.teams_enabled}
    channels = rows(source, "TeamsChannelDetails_v0", days=30)
    messages = rows(source, "TeamsStandardChannelMessages_v0")
    assert channels and messages
    assert {r["pObjectId"] for r in channels} <= teams and {r["pObjectId"] for r in messages} <= teams
    for channel in channels:
        assert channel["id"].startswith("19:") and channel["id"].endswith("@thread.tacv2")
        assert f"groupId={channel['pObjectId']}" in channel["webUrl"]
    assert {r["membershipType"] for r in rows(source, "TeamsChannelDetails_v0", days=120)} == {
        "standard", "private", "shared"}
    for nickname in ("sensitive-data-access", "people-managers"):  # security group, distribution list
        scope = group_scope(tenant, nickname)
        assert not rows(source, "TeamsChannelDetails_v0", days=30, scope=scope)
        assert not rows(source, "TeamsStandardChannelMessages_v0", scope=scope)


def test_each_team_opens_with_a_general_channel_when_its_group_is_created(source, tenant):
    team = tenant.group_by_nickname["sales"]
    created = team.created_at.date()
    channels = rows(source, "TeamsChannelDetails_v0", created, scope=group_scope(tenant, "sales"))
    general = [c for c in channels if c["displayName"] == "General"]
    assert len(general) == 1 and general[0]["createdDateTime"] == team.created_at
    assert general[0]["pObjectId"] == team.id and general[0]["membershipType"] == "standard"


def test_channel_messages_are_posted_by_the_teams_members_under_its_scope(source, tenant):
    scope = group_scope(tenant, "sales", "engineering")
    messages = rows(source, "TeamsStandardChannelMessages_v0", days=2, scope=scope)
    by_address = {u.mail: u for u in tenant.users}
    assert {m["pObjectId"] for m in messages} == set(scope.group_ids)
    for message in messages:
        author = by_address[message["From"]["EmailAddress"]["Address"]]
        assert author.index in tenant.group(message["pObjectId"]).member_users
        assert message["Sender"] == message["From"]
        assert message["SentDateTime"] <= message["CreatedDateTime"] <= message["LastModifiedDateTime"]
    threads = Counter(m["ConversationId"] for m in messages)
    assert max(threads.values()) > 1  # colleagues reply in threads


def test_group_owners_are_members_of_their_cloud_groups(source, tenant):
    owners = rows(source, "GroupOwners_v0")
    assert owners
    for owner in owners:
        group = tenant.group(owner["pObjectId"])
        assert group.kind is GroupKind.MICROSOFT_365
        assert tenant.user_by_id[owner["id"]].index in group.member_users
    owned = {r["pObjectId"] for r in owners}
    assert owned == {g.id for g in tenant.groups if g.kind is GroupKind.MICROSOFT_365}


def test_team_chat_v2_holds_the_same_copies_as_v1_with_their_threads(source, tenant):
    sales = group_scope(tenant, "sales")
    v1 = {(r["Id"], r["puser"]): r for r in rows(source, "TeamChat_v1", scope=sales)}
    v2 = {(r["Id"], r["puser"]): r for r in rows(source, "TeamChat_v2", scope=sales)}
    assert v2 and v1.keys() == v2.keys()
    shared = set(get_dataset("TeamChat_v2").column_names) & set(get_dataset("TeamChat_v1").column_names)
    assert len(shared) == 16
    for key, row in v2.items():
        assert {c: row[c] for c in shared} == {c: v1[key][c] for c in shared}
        assert row["ThreadType"] == "chat" and row["ThreadId"].startswith("19:")
    group_chats = {r["ThreadId"] for r in v2.values() if r["Subject"]}
    assert group_chats and all(t.endswith("@thread.v2") for t in group_chats)


def test_transcripts_belong_to_their_organizers_online_meetings(source, tenant):
    transcripts = rows(source, "TeamsTranscript_v1")
    assert transcripts
    views = rows(source, "CalendarView_v0", DAY - dt.timedelta(days=1), days=2)  # meetings end before
    calendar = {(e["iCalUId"], e["puser"]): e for e in views if e["isOrganizer"]}
    by_address = {u.mail.lower(): u.id for u in tenant.users}
    for transcript in transcripts:
        meeting = calendar[(transcript["ICalUId"], transcript["puser"])]
        assert meeting["isOnlineMeeting"] and not meeting["isCancelled"]
        ended = dt.datetime.fromisoformat(meeting["end"]["dateTime"][:19]).replace(tzinfo=dt.timezone.utc)
        assert ended < transcript["CreatedDateTime"] <= ended + dt.timedelta(minutes=5)
        invited = {transcript["puser"]} | {
            by_address.get(a["emailAddress"]["address"].lower()) for a in meeting["attendees"]}
        speakers = {e["speakerId"].split("@")[0] for e in transcript["Entries"]}
        assert speakers and speakers <= invited
        assert [e["eventType"] for e in transcript["Events"]][0] == "CallStarted"
        assert {e["callId"] for e in transcript["Events"]} == {transcript["ScopeId"]}


def test_consent_keeps_the_authorized_teams_rows_of_a_wider_extraction(source, tenant):
    """Group-scoped rows are about their group: enforcement keeps those of the granted groups."""
    sales = tenant.group_by_nickname["sales"].id
    for name in ("TeamsChannelDetails_v0", "TeamsStandardChannelMessages_v0", "GroupOwners_v0"):
        days = 30 if name == "TeamsChannelDetails_v0" else 1  # channels are opened now and then
        req = request(name, days=days, scope=group_scope(tenant, "sales", "engineering"))
        enforcer = Enforcer(dataset=get_dataset(name), authorized_columns=req.columns,
                            tenant_id=TENANT_ID, scope_group_ids=frozenset({sales}))

        written = pa.Table.from_batches([enforcer.apply(b) for b in source.extract(req)])

        assert set(written.column("pObjectId").to_pylist()) == {sales}
        engineering = rows(source, name, days=days, scope=group_scope(tenant, "engineering"))
        assert enforcer.counts.rows_out_of_scope == len(engineering) > 0
