"""PlannerTasks_v0: tasks in the plans of the tenant's Microsoft 365 groups.

Every Microsoft 365 group has one plan (its ``planId``) with a few buckets, in use from when
the company adopted Planner (late in its hiring span). Tasks are made per
*(group, UTC week)*: created on the group's working days by a member, assigned to one or two
members (valid accounts that existed then), titled after what the group works on. A user's rows
are the tasks assigned to them, one row per assignee as Graph's ``/users/{id}/planner/tasks``
returns them. Progress (percentComplete, completion) is the task's state at ``as_of``.

``assignments`` and ``completedBy`` are Graph objects; the catalog types them as strings, which
the source writes as compact JSON text.
"""

from __future__ import annotations

import base64
import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from mgdc_pipelines.sources.synthetic.activity import phrases
from mgdc_pipelines.sources.synthetic.activity.timing import send_minute
from mgdc_pipelines.sources.synthetic.caching import BoundedCache
from mgdc_pipelines.sources.synthetic.datasets.base import Generator, RowContext, Unit
from mgdc_pipelines.sources.synthetic.identifiers import conversation_id
from mgdc_pipelines.sources.synthetic.org_groups import ALL_COMPANY, Group, GroupKind
from mgdc_pipelines.sources.synthetic.people import User
from mgdc_pipelines.sources.synthetic.randomness import (
    chance,
    pick,
    poisson,
    rng_for,
    sample_distinct,
    stable_bytes,
)
from mgdc_pipelines.sources.synthetic.tenant import SyntheticTenant

PLANNER_APP_ID = "09abbdfd-ed23-44ee-a2d9-a627aa1c90f3"  # Planner on the web (the doc's sample)
BUCKETS = ("Backlog", "This sprint", "Waiting on others", "Follow-ups")
LABELS_IN_USE = 3  # teams use their plan's first labels only: category1 .. category3
TASKS_PER_MEMBER_PER_WEEK = 0.4
ADOPTION = 0.9  # share of the hiring span after which teams plan in Planner
MAX_TASKS_PER_WEEK = 30.0
WEEK = dt.timedelta(days=7)
PRIORITIES, PRIORITY_WEIGHTS = (1, 3, 5, 9), (5, 20, 60, 15)  # urgent, important, medium, low
_WEEKS = BoundedCache(8192)  # (config, group, week) -> tasks; a pure function of its key


@dataclass(frozen=True, slots=True)
class Task:
    """A Planner task as its group's plan holds it; its progress is read at a moment."""

    id: str
    group: Group
    bucket: int
    title: str
    created: dt.datetime
    creator: User
    assignees: tuple[User, ...]
    started: dt.datetime | None  # None: never started (stale)
    completed: dt.datetime | None
    start_date: dt.datetime | None
    due: dt.datetime | None
    priority: int
    labels: tuple[int, ...]
    checklist: int
    references: int
    described: bool
    discussed: bool

    @property
    def created_text(self) -> str:
        """``2023-10-18T07:07:08.568918Z``: Planner keeps sub-second creation times."""
        return self.created.isoformat(timespec="microseconds").replace("+00:00", "Z")

    @property
    def assigned(self) -> frozenset[int]:
        return frozenset(assignee.index for assignee in self.assignees)

    def percent_complete(self, as_of: dt.datetime) -> int:
        if self.completed and self.completed < as_of:
            return 100
        return 50 if self.started and self.started < as_of else 0


def planner_task_rows(ctx: RowContext, user: User) -> Iterator[dict]:
    """The tasks assigned to ``user`` whose creation falls in the window."""
    window = ctx.window
    # A task is made in its group's UTC week but placed in the creator's local day: look a
    # week around the window so no task created inside it is missed.
    monday, last = _monday(window.start - WEEK), _monday(window.end + WEEK)
    while monday <= last:
        for group in _plans_of(ctx.tenant).get(user.index, ()):
            for task in _week_tasks(ctx.tenant, group, monday):
                if user.index in task.assigned and window.contains(task.created):
                    yield task_row(ctx, task)
        monday += WEEK


def task_row(ctx: RowContext, task: Task) -> dict:
    as_of = ctx.as_of
    progress = task.percent_complete(as_of)
    closer = task.assignees[0]
    return {
        "planId": plan_id(task.group.id),
        "bucketId": bucket_id(task.group.id, task.bucket),
        "title": task.title,
        "orderHint": order_hint(task.created, task.id),
        "assigneePriority": order_hint(task.created, task.title) if task.priority < 5 else "",
        "percentComplete": progress,
        "startDateTime": task.start_date,
        "createdDateTime": task.created,
        "dueDateTime": task.due,
        "hasDescription": task.described,
        "previewType": "description" if task.described and task.checklist == 0 else "automatic",
        "completedDateTime": task.completed if progress == 100 else None,
        "completedBy": _identity(closer) if progress == 100 else None,
        "referenceCount": task.references,
        "checklistItemCount": task.checklist,
        "activeChecklistItemCount": {0: task.checklist, 50: task.checklist // 2}.get(progress, 0),
        "conversationThreadId": (
            conversation_id(task.group.id, "planner", task.id) if task.discussed else None
        ),
        "priority": task.priority,
        "id": task.id,
        "createdBy": _identity(task.creator),
        "appliedCategories": {f"category{label}": True for label in task.labels},
        "assignments": {
            assignee.id: {
                "assignedBy": _identity(task.creator),
                "assignedDateTime": task.created_text,
                "orderHint": order_hint(task.created, assignee.id),
            }
            for assignee in task.assignees
        },
    }


def _identity(user: User) -> dict:
    """Planner's identity sets name the user and the app by id only."""
    return {"application": {"displayName": None, "id": PLANNER_APP_ID},
            "user": {"displayName": None, "id": user.id}}


def planner_id(*key: object) -> str:
    """A 28-character, case-sensitive Planner id (plans, buckets, tasks)."""
    return base64.urlsafe_b64encode(stable_bytes(21, "planner", *key)).decode()


def plan_id(group_id: str) -> str:
    return planner_id("plan", group_id)


def bucket_id(group_id: str, bucket: int) -> str:
    return planner_id("bucket", group_id, bucket)


def order_hint(created: dt.datetime, *key: object) -> str:
    """``8585039941169399459Pd``: Planner's order hints sort newest first."""
    ticks = int(created.timestamp() * 10_000_000)
    suffix = base64.b64encode(stable_bytes(3, "hint", *key)).decode()[:2]
    return f"{8_586_700_000_000_000_000 - ticks}P{suffix}"


@lru_cache(maxsize=4)
def _plans_of(tenant: SyntheticTenant) -> dict[int, tuple[Group, ...]]:
    """User index → the Microsoft 365 groups (plans) the user is a valid member of."""
    plans: dict[int, list[Group]] = {}
    for group in tenant.groups:
        if group.kind is GroupKind.MICROSOFT_365:
            for index in tenant.valid_member_indices(group.id):
                plans.setdefault(index, []).append(group)
    return {index: tuple(groups) for index, groups in plans.items()}


def _monday(moment: dt.datetime) -> dt.date:
    day = moment.astimezone(dt.timezone.utc).date()
    return day - dt.timedelta(days=day.weekday())


def _week_tasks(tenant: SyntheticTenant, group: Group, monday: dt.date) -> tuple[Task, ...]:
    key = (tenant.config, group.id, monday)
    return _WEEKS.get(key, lambda: tuple(_make_week(tenant, group, monday)))


def _make_week(tenant: SyntheticTenant, group: Group, monday: dt.date) -> Iterator[Task]:
    week_start = dt.datetime.combine(monday, dt.time(), tzinfo=dt.timezone.utc)
    if week_start + WEEK <= max(group.created_at, _adoption(tenant)):
        return
    members = [tenant.users[i] for i in tenant.valid_member_indices(group.id)]
    rng = rng_for(tenant.config.seed, "planner", group.id, monday)
    # The company-wide group's plan holds a few announcements' follow-ups, not team work.
    company_wide = group.mail_nickname == ALL_COMPANY
    mean = 1.0 if company_wide else len(members) * TASKS_PER_MEMBER_PER_WEEK
    for number in range(poisson(rng, min(mean, MAX_TASKS_PER_WEEK))):
        task = _make_task(tenant, group, members, monday, number, rng)
        if task is not None:
            yield task


def _make_task(tenant, group, members, monday, number, rng: random.Random) -> Task | None:
    creator = pick(rng, members)
    day = monday + dt.timedelta(days=rng.randrange(5))  # teams plan on working days
    created = creator.office.to_utc(day, send_minute(rng, creator.office, 0.05))
    created += dt.timedelta(microseconds=rng.randrange(1_000_000))
    present = [m for m in members if m.created_at < created]
    if creator.created_at >= created or created < max(group.created_at, _adoption(tenant)):
        return None
    assignees = sample_distinct(rng, present, 2 if chance(rng, 0.2) else 1)
    if chance(rng, 0.4) and creator not in assignees:
        assignees[0] = creator  # people plan their own work too
    if chance(rng, 0.3):  # a quick one: done within hours
        started = created + _days(rng, 0, 0.05)
        completed = started + _days(rng, 0.02, 0.3)
    else:
        started = created + _days(rng, 0, 5) if chance(rng, 0.9) else None
        completed = started + _days(rng, 0.5, 20) if started and chance(rng, 0.8) else None
    due = _at_ten(day + dt.timedelta(days=rng.randint(1, 21))) if chance(rng, 0.7) else None
    department = group.department.nickname if group.department else creator.department_key
    return Task(
        id=planner_id("task", group.id, monday, number),
        group=group,
        bucket=rng.randrange(len(BUCKETS)),
        title=phrases.fill(pick(rng, phrases.SUBJECTS[department]), rng),
        created=created,
        creator=creator,
        assignees=tuple(assignees),
        started=started,
        completed=completed,
        start_date=(
            _at_ten(day + dt.timedelta(days=rng.randint(0, 3))) if chance(rng, 0.3) else None
        ),
        due=due,
        priority=rng.choices(PRIORITIES, PRIORITY_WEIGHTS)[0],
        labels=_labels(rng),
        checklist=rng.randint(1, 6) if chance(rng, 0.35) else 0,
        references=rng.randint(1, 2) if chance(rng, 0.2) else 0,
        described=chance(rng, 0.5),
        discussed=chance(rng, 0.25),
    )


def _labels(rng: random.Random) -> tuple[int, ...]:
    """Up to two of the labels in use."""
    count = rng.choice((0, 0, 1, 2))
    return tuple(sorted(sample_distinct(rng, range(1, LABELS_IN_USE + 1), count)))


def _adoption(tenant: SyntheticTenant) -> dt.datetime:
    config = tenant.config
    start = dt.datetime.combine(config.tenant_start, dt.time(), tzinfo=dt.timezone.utc)
    return start + dt.timedelta(days=config.hiring_span_days * ADOPTION)


def _days(rng: random.Random, low: float, high: float) -> dt.timedelta:
    return dt.timedelta(seconds=round(rng.uniform(low, high) * 86400))


def _at_ten(day: dt.date) -> dt.datetime:
    """Planner stores start and due dates as 10:00 UTC on the chosen day (the doc's sample)."""
    return dt.datetime.combine(day, dt.time(10), tzinfo=dt.timezone.utc)


GENERATORS = (Generator("PlannerTasks_v0", Unit.USER, planner_task_rows),)
