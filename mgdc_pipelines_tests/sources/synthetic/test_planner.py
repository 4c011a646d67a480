"""PlannerTasks_v0: tasks of the Microsoft 365 groups' plans, assigned to their members."""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict

import pytest

from mgdc_pipelines.sources.synthetic.datasets.planner import plan_id
from mgdc_pipelines.sources.synthetic.org_groups import GroupKind
from mgdc_pipelines_tests.sources.synthetic.helpers import (
    DAY,
    column,
    extract,
    group_scope,
    request,
)

WEEK = 7


@pytest.fixture(scope="module")
def week(source):
    return extract(source, request("PlannerTasks_v0", days=WEEK)).to_pylist()


@pytest.fixture(scope="module")
def plans(tenant) -> dict[str, object]:
    """planId → its Microsoft 365 group."""
    return {plan_id(g.id): g for g in tenant.groups if g.kind is GroupKind.MICROSOFT_365}


def test_tasks_belong_to_the_plans_of_microsoft_365_groups(week, plans):
    assert len(week) > 20
    assert {row["planId"] for row in week} <= set(plans)
    assert len({row["planId"] for row in week}) > 1


def test_creators_and_assignees_are_valid_members_of_the_plans_group(week, plans, tenant):
    for row in week:
        members = {tenant.users[i].id for i in tenant.valid_member_indices(plans[row["planId"]].id)}
        assignments = json.loads(row["assignments"])
        assert row["puser"] in assignments  # a user's rows are the tasks assigned to them
        assert set(assignments) <= members
        assert row["createdBy"]["user"]["id"] in members
        creator = row["createdBy"]["user"]["id"]
        assert all(a["assignedBy"]["user"]["id"] == creator for a in assignments.values())


def test_a_task_with_two_assignees_appears_once_for_each(week):
    owners = defaultdict(set)
    for row in week:
        owners[row["id"]].add(row["puser"])
    for row in week:
        assert owners[row["id"]] == set(json.loads(row["assignments"]))
    assert any(len(users) == 2 for users in owners.values())


def test_progress_and_completion_agree(week):
    as_of = request("PlannerTasks_v0", days=WEEK).window.end
    assert {row["percentComplete"] for row in week} == {0, 50, 100}
    for row in week:
        done = row["percentComplete"] == 100
        assert (row["completedDateTime"] is not None) == done == (row["completedBy"] is not None)
        if done:
            assert row["createdDateTime"] < row["completedDateTime"] < as_of
            assert json.loads(row["completedBy"])["user"]["id"] in json.loads(row["assignments"])
            assert row["activeChecklistItemCount"] == 0
        assert 0 <= row["activeChecklistItemCount"] <= row["checklistItemCount"]


def keys(table) -> list[tuple[str, str]]:
    return sorted(zip(column(table, "id"), column(table, "puser")))


def test_rows_fall_in_the_window_and_days_split_it_exactly(source):
    whole = request("PlannerTasks_v0", days=2)
    both = extract(source, whole)
    assert all(whole.window.contains(moment) for moment in column(both, "createdDateTime"))
    first = extract(source, request("PlannerTasks_v0"))
    second = extract(source, request("PlannerTasks_v0", DAY + dt.timedelta(days=1)))
    assert keys(both) == sorted(keys(first) + keys(second)) and keys(first) and keys(second)


def test_a_group_scope_holds_its_members_tasks_from_every_plan(source, tenant):
    scope = group_scope(tenant, "engineering")
    table = extract(source, request("PlannerTasks_v0", days=WEEK, scope=scope))
    members = {u.id for u in tenant.users_in_scope(scope)}
    assert set(column(table, "puser")) <= members and table.num_rows
    engineering = plan_id(tenant.group_by_nickname["engineering"].id)
    assert engineering in set(column(table, "planId"))


def test_a_day_holds_exactly_what_a_wide_window_puts_on_that_day(source):
    """Tasks are made per UTC week but placed in local days: the look-around misses none."""
    wide = extract(source, request("PlannerTasks_v0", DAY - dt.timedelta(days=4), days=9))
    day = request("PlannerTasks_v0").window
    expected = sorted(
        (task, user)
        for task, user, moment in zip(
            column(wide, "id"), column(wide, "puser"), column(wide, "createdDateTime")
        )
        if day.contains(moment)
    )
    assert expected and keys(extract(source, request("PlannerTasks_v0"))) == expected
