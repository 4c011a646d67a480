"""Activity signals: row generators."""

GENERATORS = ()
