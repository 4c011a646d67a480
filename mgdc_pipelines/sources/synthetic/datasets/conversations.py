"""Microsoft 365 group conversations: row generators."""

GENERATORS = ()
