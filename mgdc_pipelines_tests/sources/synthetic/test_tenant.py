"""The organization model: people, org chart, groups, scopes, collaboration neighbourhoods."""

from __future__ import annotations

import uuid
from collections import Counter

import pytest

from mgdc_pipelines.sources import Scope
from mgdc_pipelines.sources.synthetic import SyntheticTenant, TenantConfig

DEPARTMENT_GROUPS = (
    "engineering",
    "sales",
    "support",
    "marketing",
    "operations",
    "finance",
    "hr",
    "legal",
)


def test_group_ids_are_uuid5_of_seed_and_nickname(tenant, config):
    for group in tenant.groups:
        expected = uuid.uuid5(
            uuid.NAMESPACE_URL, f"mgdc-synthetic/{config.seed}/group/{group.mail_nickname}"
        )
        assert group.id == str(expected)
    nicknames = {g.mail_nickname for g in tenant.groups}
    assert {
        *DEPARTMENT_GROUPS,
        "all-company",
        "sensitive-data-access",
        "people-managers",
    } <= nicknames
    assert {"project-atlas", "project-borealis", "project-cascade"} <= nicknames


def test_the_demo_spec_group_ids_match_seed_42():
    tenant = SyntheticTenant(TenantConfig(seed=42, users=40))
    assert tenant.group_by_nickname["sales"].id == "3af3fdfe-f047-5c2e-87b2-226f88aba79e"
    assert tenant.group_by_nickname["engineering"].id == "96f7b3c4-3c1b-590e-bf5a-b683cb913652"


def test_user_ids_are_uuid5_of_seed_and_index(tenant, config):
    for user in tenant.users[:5]:
        assert user.id == str(
            uuid.uuid5(uuid.NAMESPACE_URL, f"mgdc-synthetic/{config.seed}/user/{user.index}")
        )
    assert len({u.id for u in tenant.users}) == len(tenant.users)
    assert len({u.mail.lower() for u in tenant.users}) == len(tenant.users)


def test_org_chart_is_one_tree_under_the_ceo(tenant):
    ceo = tenant.users[0]
    assert ceo.job_title == "Chief Executive Officer" and ceo.manager is None
    assert len(ceo.direct_reports) == len(DEPARTMENT_GROUPS)  # one VP per department
    for user in tenant.users:
        if not user.is_valid:
            assert user.manager is None and not user.direct_reports
            continue
        for report in user.direct_reports:
            assert tenant.users[report].manager == user.index
        if user.index:
            manager = tenant.users[user.manager]
            assert user.index in manager.direct_reports
            assert manager.created_at < user.created_at  # managers join first
            assert user.department is manager.department or manager.index == 0


def test_the_directory_has_guests_and_disabled_accounts_that_are_not_valid(tenant):
    kinds = Counter((u.user_type, u.account_enabled) for u in tenant.users)
    assert kinds[("Guest", True)] == 3
    assert kinds[("Member", False)] >= 1
    assert all(
        not u.is_valid for u in tenant.users if u.user_type == "Guest" or not u.account_enabled
    )


def test_offices_span_several_time_zones(tenant):
    zones = {u.office.time_zone for u in tenant.users if u.office}
    assert len(zones) >= 4


def test_members_of_is_transitive_through_nested_groups(tenant):
    secure = tenant.group_by_nickname["sensitive-data-access"]
    finance = {u.index for u in tenant.members_of(tenant.group_by_nickname["finance"].id)}
    legal = {u.index for u in tenant.members_of(tenant.group_by_nickname["legal"].id)}
    assert {u.index for u in tenant.members_of(secure.id)} == finance | legal | {0}
    assert secure.member_users == (0,)  # the rest comes from the nested groups


def test_scope_resolution_returns_only_valid_users(tenant):
    sales = tenant.group_by_nickname["sales"]
    members = tenant.members_of(sales.id)
    in_scope = tenant.users_in_scope(Scope("sales", (sales.id,)))
    assert {u.index for u in in_scope} == {u.index for u in members if u.is_valid}
    everyone = tenant.users_in_scope(Scope.everyone())
    assert len(everyone) == tenant.valid_user_count
    assert all(u.is_valid for u in everyone)


def test_a_user_in_two_scope_groups_appears_once(tenant):
    scope = Scope(
        "two", (tenant.group_by_nickname["sales"].id, tenant.group_by_nickname["all-company"].id)
    )
    indices = [u.index for u in tenant.users_in_scope(scope)]
    assert len(indices) == len(set(indices)) == tenant.valid_user_count


def test_unknown_group_id_is_a_clear_error(tenant):
    with pytest.raises(ValueError) as error:
        tenant.users_in_scope(Scope("bogus", ("11111111-1111-1111-1111-111111111111",)))
    message = str(error.value)
    assert "unknown group id '11111111-1111-1111-1111-111111111111'" in message
    assert "sales=" + tenant.group_by_nickname["sales"].id in message


def test_potential_senders_invert_audiences(tenant):
    for sender, audience in enumerate(tenant.collaboration.audiences):
        for member in audience.members:
            assert sender in tenant.potential_senders(member)
            assert tenant.users[member].is_valid
    assert all(not tenant.audience(u.index).members for u in tenant.users if not u.is_valid)


def test_a_two_thousand_user_tenant_builds(tenant):
    big = SyntheticTenant(TenantConfig(seed=3, users=2000))
    assert len(big.users) == 2000 + big.config.guest_users
    assert max(len(u.direct_reports) for u in big.users) <= 8
    assert len(big.users_in_scope(Scope.everyone())) > 1900
