"""OneDrive sync datasets: row generators."""

GENERATORS = ()
