"""Microsoft To Do datasets: TodoTaskFolders_v0 and TodoTasks_v0 (user-scoped)."""

DATASETS = ()
