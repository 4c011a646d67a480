"""Microsoft To Do datasets: row generators."""

GENERATORS = ()
