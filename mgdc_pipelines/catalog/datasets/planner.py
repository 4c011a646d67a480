"""Planner datasets: PlannerTasks_v0 (user-scoped, filtered on createdDateTime).

Row metadata: the doc's samples carry ``datarow``, ``pagerow`` and a ``rowinformation`` without
``errorInformation`` (reference §2.2). The catalog's ``row_metadata`` switch is all or nothing,
so PlannerTasks_v0 takes the nearest: the full set (``pAdditionalInfo``, ``userrow`` and
``rowinformation.errorInformation`` as well, all null or counters like the others), which reads
every sample row and loses nothing of it; the alternative (``puser``/``ptenant`` only) would drop
``datarow``, ``pagerow`` and ``rowinformation``.
"""

from mgdc_pipelines.catalog.model import Category, Mode, ScopeKind, dataset

# The doc's FORMAT for createdBy (Microsoft Graph `identitySet`, application and user only).
IDENTITY_SET = (
    "STRUCT<application: STRUCT<displayName: STRING, id: STRING>, "
    "user: STRUCT<displayName: STRING, id: STRING>>"
)
# The doc's FORMAT for appliedCategories: category1 .. category24, true when applied.
APPLIED_CATEGORIES = "STRUCT<" + ", ".join(f"category{n}: BOOLEAN" for n in range(1, 25)) + ">"

PLANNER_TASKS_V0 = dataset(
    "BasicDataSet_v0.PlannerTasks_v0",
    category=Category.TASKS,
    description="""
        Planner tasks assigned to the users in scope, one row per task per assignee (a task
        with two assignees appears for each). Tasks live in the plans of Microsoft 365 groups.
        Range-filtered on createdDateTime.
    """,
    scope=ScopeKind.USER,
    mode=Mode.RANGE,
    date_filter_columns=("createdDateTime",),
    odata_type="#microsoft.graph.plannerTask",
    source_doc="Datasets/data-connect-dataset-plannertasks.md",
    # `completedBy` and `assignments` are objects in Graph; the doc types them as strings, and
    # the catalog follows the doc: they hold the object as compact JSON text.
    columns=f"""
        planId: STRING -- The id of the plan the task belongs to.
        bucketId: STRING -- The id of the bucket (within the plan) the task is in.
        title: STRING -- The title of the task.
        orderHint: STRING -- Hint used to order tasks in a list view.
        assigneePriority: STRING -- Hint used to order tasks by assignee priority.
        percentComplete: INT32 -- How complete the task is; 100 means completed.
        startDateTime: TIMESTAMP -- When the task starts (UTC).
        createdDateTime: TIMESTAMP -- When the task was created (UTC).
        dueDateTime: TIMESTAMP -- When the task is due (UTC).
        hasDescription: BOOLEAN -- True if the task's details have a non-empty description.
        previewType: STRING -- The preview shown on the task: automatic, noPreview, checklist, description, reference.
        completedDateTime: TIMESTAMP -- When percentComplete was set to 100 (UTC).
        completedBy: JSON -- Who completed the task (identity set as JSON text).
        referenceCount: INT32 -- The number of external references on the task.
        checklistItemCount: INT32 -- The number of checklist items on the task.
        activeChecklistItemCount: INT32 -- The number of checklist items not yet checked.
        conversationThreadId: STRING -- The id of the group conversation thread about the task.
        priority: INT32 -- Priority from 0 (highest) to 10 (lowest): 1 urgent, 3 important, 5 medium, 9 low.
        id: STRING -- The id of the task (28 characters, case-sensitive).
        createdBy: {IDENTITY_SET} -- Who created the task: the user and the application.
        appliedCategories: {APPLIED_CATEGORIES} -- The plan's labels applied to the task.
        assignments: JSON -- The assignees (user id → assignment) as JSON text.
    """,
)

DATASETS = (PLANNER_TASKS_V0,)
