"""Planner datasets: row generators."""

GENERATORS = ()
