"""Scope semantics: who a user-scoped partition covers, what a group-scoped one describes."""

from __future__ import annotations

import pytest

from mgdc_pipelines.sources import Scope
from mgdc_pipelines_tests.sources.synthetic.helpers import column, extract, group_scope, request

USER_SCOPED = ("Message_v1", "TeamChat_v1", "Event_v1", "User_v1", "Contact_v1")


@pytest.mark.parametrize("name", USER_SCOPED)
def test_group_scope_covers_only_valid_transitive_members(source, tenant, name):
    scope = group_scope(tenant, "sensitive-data-access")  # nests finance and legal
    table = extract(source, request(name, scope=scope))
    members = tenant.members_of(scope.group_ids[0])
    valid = {u.id for u in members if u.is_valid}
    owners = set(column(table, "puser"))
    assert owners and owners <= valid
    finance = {u.id for u in tenant.members_of(tenant.group_by_nickname["finance"].id)}
    assert owners & finance  # reached through the nested group


@pytest.mark.parametrize("name", USER_SCOPED)
def test_invalid_accounts_never_own_rows(source, tenant, name):
    invalid = {u.id for u in tenant.users if not u.is_valid}
    table = extract(source, request(name))
    assert invalid.isdisjoint(column(table, "puser"))


def test_everyone_scope_covers_every_valid_user(source, tenant):
    table = extract(source, request("User_v1"))
    assert sorted(column(table, "puser")) == sorted(
        u.id for u in tenant.users_in_scope(Scope.everyone())
    )
    assert column(table, "puser") == column(table, "id")


def test_group_datasets_describe_the_scope_groups_themselves(source, tenant):
    scope = group_scope(tenant, "sales", "project-atlas")
    details = extract(source, request("GroupDetails_v0", scope=scope))
    assert sorted(column(details, "pObjectId")) == sorted(scope.group_ids)
    assert column(details, "pObjectId") == column(details, "id")
    members = extract(source, request("GroupMembers_v0", scope=scope))
    assert set(column(members, "pObjectId")) == set(scope.group_ids)
    atlas = tenant.group_by_nickname["project-atlas"]
    listed = {r["id"] for r in members.to_pylist() if r["pObjectId"] == atlas.id}
    assert listed == {
        tenant.users[i].id for i in atlas.member_users
    }  # guests included: it is the directory


def test_group_members_list_nested_groups_as_groups(source, tenant):
    scope = group_scope(tenant, "sensitive-data-access")
    rows = extract(source, request("GroupMembers_v0", scope=scope)).to_pylist()
    nested = {r["displayName"] for r in rows if r["ODataType"] == "#microsoft.graph.group"}
    assert nested == {"Finance", "Legal"}


def test_whole_organization_scope_lists_all_groups(source, tenant):
    details = extract(source, request("GroupDetails_v0"))
    assert sorted(column(details, "pObjectId")) == sorted(g.id for g in tenant.groups)


def test_sharepoint_ignores_the_scope(source, tenant):
    everyone = extract(source, request("SharePointSites_v1"))
    scoped = extract(source, request("SharePointSites_v1", scope=group_scope(tenant, "sales")))
    assert everyone.equals(scoped)
    assert "puser" not in everyone.schema.names


def test_an_unknown_group_fails_before_any_row_is_made(source):
    scope = Scope("ghost", ("22222222-2222-2222-2222-222222222222",))
    with pytest.raises(
        ValueError,
        match="unknown group id '22222222-2222-2222-2222-222222222222'.*known groups: all-company=",
    ):
        source.extract(request("Message_v1", scope=scope))
