"""Microsoft To Do datasets: TodoTaskFolders_v0 and TodoTasks_v0 (user-scoped).

Both come from the Outlook task store of each mailbox (the columns are Outlook's task and task
folder properties: ``ChangeKey``, ``ParentFolderId``, ``ParentGroupKey``), written in PascalCase
at the top level. Rows carry only ``puser`` and ``ptenant`` as metadata (reference §2.2).
"""

from mgdc_pipelines.catalog.datasets._shapes import ATTACHMENTS, ITEM_BODY, PATTERNED_RECURRENCE
from mgdc_pipelines.catalog.model import Category, Mode, ScopeKind, dataset

TODO_TASK_FOLDERS_V0 = dataset(
    "BasicDataSet_v0.TodoTaskFolders_v0",
    category=Category.TASKS,
    description="""
        The task lists of users' Microsoft To Do ("Tasks", "Flagged Emails" and the lists they
        created), one row per list per mailbox. A snapshot of the current state: no date filter.
    """,
    scope=ScopeKind.USER,
    mode=Mode.SNAPSHOT,
    row_metadata=False,
    # The docs give no OData type; the columns are Outlook's TaskFolder (inference).
    odata_type="#Microsoft.OutlookServices.TaskFolder",
    source_doc="Datasets/data-connect-dataset-todotaskfolders.md",
    columns="""
        Id: STRING -- The unique identifier of the task list.
        ChangeKey: STRING -- The version of the task list.
        IsDefaultFolder: BOOLEAN -- True for the user's default list ("Tasks").
        Name: STRING -- The display name of the task list.
        ParentGroupKey: STRING -- The unique identifier of the group of lists the list belongs to.
        ODataType: STRING -- The OData type of the item (#Microsoft.OutlookServices.TaskFolder).
    """,
)

TODO_TASKS_V0 = dataset(
    "BasicDataSet_v0.TodoTasks_v0",
    category=Category.TASKS,
    description="""
        Tasks in users' Microsoft To Do lists, one row per task per mailbox (flagged messages
        appear as tasks of the "Flagged Emails" list). Range-filtered on CreatedDateTime or
        LastModifiedDateTime.
    """,
    scope=ScopeKind.USER,
    mode=Mode.RANGE,
    row_metadata=False,
    date_filter_columns=("CreatedDateTime", "LastModifiedDateTime"),
    # The docs give no OData type; the columns are Outlook's Task (inference).
    odata_type="#Microsoft.OutlookServices.Task",
    source_doc="Datasets/data-connect-dataset-todotasks.md",
    columns=f"""
        Id: STRING -- The unique identifier of the task.
        AssignedTo: STRING -- The name of the person the task has been assigned to.
        Body: {ITEM_BODY} -- The task body, which usually holds information about the task.
        Categories: ARRAY<STRING> -- The categories associated with the task.
        ChangeKey: STRING -- The version of the task.
        CompletedDateTime: TIMESTAMP -- When the task was finished; null while it is open.
        CreatedDateTime: TIMESTAMP -- The date and time the task was created.
        DueDateTime: TIMESTAMP -- The date the task is to be finished; null if it has none.
        HasAttachments: BOOLEAN -- Indicates whether the task has attachments.
        Importance: STRING -- The importance of the task: Low, Normal or High.
        IsReminderOn: BOOLEAN -- True if a reminder is set to remind the user of the task.
        LastModifiedDateTime: TIMESTAMP -- The date and time the task was last changed.
        Owner: STRING -- The name of the person who created the task.
        ParentFolderId: STRING -- The unique identifier of the task list the task is in.
        Recurrence: {PATTERNED_RECURRENCE} -- The recurrence pattern of the task; null if it does not repeat.
        ReminderDateTime: TIMESTAMP -- When the reminder fires; null without a reminder.
        Sensitivity: STRING -- The sensitivity of the task: Normal, Personal, Private or Confidential.
        StartDateTime: TIMESTAMP -- The date the task is to begin; null if it has none.
        Status: STRING -- NotStarted, InProgress, Completed, WaitingOnOthers or Deferred.
        Subject: STRING -- A brief description or title of the task.
        Attachments: {ATTACHMENTS} -- The task's file attachments.
        ODataType: STRING -- The OData type of the item (#Microsoft.OutlookServices.Task).
    """,
)

DATASETS = (TODO_TASK_FOLDERS_V0, TODO_TASKS_V0)
