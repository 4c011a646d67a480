"""Planner datasets: PlannerTasks_v0 (user-scoped, filtered on createdDateTime)."""

DATASETS = ()
