"""TodoTaskFolders_v0 and TodoTasks_v0: each mailbox's Microsoft To Do lists and their tasks.

Every user has "Tasks" (the default list), "Flagged Emails" and up to three lists of their own,
each created some days after the account. Tasks are of two kinds:

* personal tasks, created on working days in "Tasks" or an own list, often completed within
  two weeks (some weekly ones repeat);
* flagged mail: every copy of a message that Message_v1 shows as flagged (or flagged and
  completed) is a task in "Flagged Emails", created when the message was last touched, with
  the flag's due and completion dates.

A task's ``ParentFolderId`` is always the id of one of its owner's lists at the time, so the
two datasets (and Graph's ``/todo/lists/{list}/tasks``) join on it.

>>> from mgdc_pipelines.sources.synthetic import SyntheticTenant, TenantConfig
>>> user = SyntheticTenant(TenantConfig(seed=42, users=20)).users[3]
>>> [task_list.name for task_list in task_lists(42, user)][:2]
['Tasks', 'Flagged Emails']
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from mgdc_pipelines.sources.synthetic.activity.timing import activity_level, send_minute
from mgdc_pipelines.sources.synthetic.datasets.base import Generator, RowContext, Unit
from mgdc_pipelines.sources.synthetic.datasets.mail import COLUMN_LAG, NOT_FLAGGED, mailbox_copy
from mgdc_pipelines.sources.synthetic.identifiers import change_key, item_id, mail_folder_id
from mgdc_pipelines.sources.synthetic.people import User
from mgdc_pipelines.sources.synthetic.randomness import chance, pick, poisson, rng_for, sample_distinct, stable_guid
from mgdc_pipelines.sources.synthetic.shapes import NO_END_DATE, body
from mgdc_pipelines.sources.synthetic.wordlists import listed

DEFAULT_LIST, FLAGGED_LIST = "Tasks", "Flagged Emails"
OWN_LISTS = listed("Groceries, Reading list, Project ideas, Follow-ups, Travel prep, Weekly goals, Errands")
PERSONAL_TASKS = listed("""
    Update the status report, Book travel, Review the budget draft, Send meeting notes,
    Prepare the demo, Renew my badge, Read the onboarding guide, Call the vendor back,
    Plan the team offsite, Submit expenses, Order new monitor, Reply to the survey,
    Draft the quarterly goals, Check the contract terms, Clean up shared folder
    """)
WEEKLY_TASKS = listed("Submit timesheet, Plan next week, Water the office plants")
TASKS_PER_WORKDAY = 0.6
MAX_TASK_SPAN = dt.timedelta(days=14)  # a personal task's last change comes within this time
FLAG_SPAN = COLUMN_LAG["lastModifiedDateTime"][1] + dt.timedelta(days=2)  # flag set, then completed
_S = dt.timedelta(seconds=1)


@dataclass(frozen=True, slots=True)
class TaskList:
    key: str
    name: str
    created: dt.datetime


def task_lists(seed: int, user: User) -> tuple[TaskList, ...]:
    """The user's lists, each with the moment it was created (the default two come first)."""
    rng = rng_for(seed, "todo-lists", user.index)
    own = sample_distinct(rng, OWN_LISTS, rng.choice((0, 0, 1, 1, 2, 3)))
    made = [TaskList("tasks", DEFAULT_LIST, user.created_at), TaskList("flagged", FLAGGED_LIST, user.created_at)]
    made += [TaskList(f"own/{name}", name, user.created_at + dt.timedelta(days=rng.randint(1, 60))) for name in own]
    return tuple(made)


def list_id(user: User, key: str) -> str:
    return mail_folder_id(user.mailbox_guid, f"todo/{key}")


def todo_list_rows(ctx: RowContext, user: User) -> Iterator[dict]:
    group_key = stable_guid("todo-list-group", user.mailbox_guid)
    for task_list in task_lists(ctx.seed, user):
        if task_list.created < ctx.as_of:
            identifier = list_id(user, task_list.key)
            yield {
                "Id": identifier,
                "ChangeKey": change_key(identifier, task_list.created),
                "IsDefaultFolder": task_list.key == "tasks",
                "Name": task_list.name,
                "ParentGroupKey": group_key,
                "ODataType": ctx.odata_type,
            }


def todo_task_rows(ctx: RowContext, user: User) -> Iterator[dict]:
    """Tasks whose date-filter column falls in the window, in that column's order."""
    window, column = ctx.window, ctx.date_column
    tasks = [*_personal_tasks(ctx, user), *_flagged_mail_tasks(ctx, user)]
    kept = [task for task in tasks if window.start <= task[column] < window.end]
    kept.sort(key=lambda task: (task[column], task["Id"]))
    yield from kept


def _personal_tasks(ctx: RowContext, user: User) -> Iterator[dict]:
    scan_from = ctx.window.start - (MAX_TASK_SPAN if ctx.date_column == "LastModifiedDateTime" else dt.timedelta())
    lists = task_lists(ctx.seed, user)
    rate = TASKS_PER_WORKDAY * activity_level(ctx.seed, user)
    for day in user.office.local_days(scan_from, ctx.window.end):
        if not user.office.is_workday(day) or day <= user.created_at.date():
            continue
        rng = rng_for(ctx.seed, "todo-tasks", user.index, day.toordinal())
        for number in range(poisson(rng, rate)):
            created = user.office.to_utc(day, send_minute(rng, user.office, 0.1)).replace(microsecond=0)
            open_lists = [t for t in lists if t.key != "flagged" and t.created < created] or [lists[0]]
            yield _personal_task(ctx, user, rng, (day.toordinal(), number), created, pick(rng, open_lists))


def _personal_task(ctx: RowContext, user: User, rng, key: tuple, created: dt.datetime, task_list: TaskList) -> dict:
    weekly = chance(rng, 0.08)
    subject = pick(rng, WEEKLY_TASKS if weekly else PERSONAL_TASKS)
    due = created + dt.timedelta(days=rng.randint(1, 10)) if chance(rng, 0.5) else None
    completed = created + rng.uniform(0.05, 1.0) * MAX_TASK_SPAN if chance(rng, 0.55) else None
    completed = completed.replace(microsecond=0) if completed else None
    modified = completed or created + rng.randint(0, 3600) * _S
    reminder = due - dt.timedelta(hours=16) if due and chance(rng, 0.4) else None
    return _task_row(ctx, user, ("personal", *key), task_list.key, subject, created, modified, {
        "Body": body(f"<p>{subject}.</p>") if chance(rng, 0.3) else None,
        "Categories": ["Blue category"] if chance(rng, 0.1) else [],
        "CompletedDateTime": completed,
        "DueDateTime": due,
        "Importance": "high" if chance(rng, 0.1) else "normal",
        "IsReminderOn": reminder is not None,
        "Recurrence": _weekly(created) if weekly else None,
        "ReminderDateTime": reminder,
        "StartDateTime": created if due else None,
        "Status": "completed" if completed else ("inProgress" if chance(rng, 0.2) else "notStarted"),
    })


def _flagged_mail_tasks(ctx: RowContext, user: User) -> Iterator[dict]:
    """The user's flagged messages sent in the scan window, one task each."""
    window = ctx.window
    for message in ctx.activity.mail.mailbox_messages(user, window.start - FLAG_SPAN, window.end):
        if not window.start - FLAG_SPAN <= message.sent_at < window.end:
            continue
        copy = mailbox_copy(ctx.seed, message, user)
        if copy.flag == NOT_FLAGGED:
            continue
        created = copy.modified
        completed = _flag_moment(copy.flag.get("completedDateTime"))
        yield _task_row(ctx, user, ("flagged", *message.key), "flagged", message.subject, created,
                        max(created, completed) if completed else created, {
            "Body": None,
            "Categories": copy.categories,
            "CompletedDateTime": completed,
            "DueDateTime": _flag_moment(copy.flag.get("dueDateTime")),
            "Importance": message.importance,
            "IsReminderOn": False,
            "Recurrence": None,
            "ReminderDateTime": None,
            "StartDateTime": _flag_moment(copy.flag.get("startDateTime")),
            "Status": "completed" if completed else "notStarted",
        })


def _flag_moment(value: dict | None) -> dt.datetime | None:
    """A follow-up flag's ``dateTimeTimeZone`` (always UTC here) as a datetime."""
    if value is None:
        return None
    return dt.datetime.fromisoformat(value["dateTime"][:19]).replace(tzinfo=dt.timezone.utc)


def _task_row(ctx: RowContext, user: User, key: tuple, list_key: str, subject: str,
              created: dt.datetime, modified: dt.datetime, details: dict) -> dict:
    identifier = item_id(user.mailbox_guid, f"todo/{list_key}", *key)
    return {
        "Id": identifier,
        "AssignedTo": None,
        "ChangeKey": change_key(identifier, modified),
        "CreatedDateTime": created,
        "HasAttachments": False,
        "LastModifiedDateTime": modified,
        "Owner": user.display_name,
        "ParentFolderId": list_id(user, list_key),
        "Sensitivity": "normal",
        "Subject": subject,
        "Attachments": [],
        "ODataType": ctx.odata_type,
        **details,
    }


def _weekly(created: dt.datetime) -> dict:
    """Every week on the creation's weekday, with no end."""
    return {
        "pattern": {"type": "weekly", "interval": 1, "month": 0, "dayOfMonth": 0,
                    "daysOfWeek": [created.strftime("%A").lower()], "firstDayOfWeek": "sunday",
                    "index": "first"},
        "range": {"type": "noEnd", "startDate": created.date().isoformat(), "endDate": NO_END_DATE,
                  "recurrenceTimeZone": "UTC", "numberOfOccurrences": 0},
    }


GENERATORS = (
    Generator("TodoTaskFolders_v0", Unit.USER, todo_list_rows),
    Generator("TodoTasks_v0", Unit.USER, todo_task_rows),
)
