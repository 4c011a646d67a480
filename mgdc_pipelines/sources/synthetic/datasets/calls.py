"""Teams call records: row generators."""

GENERATORS = ()
