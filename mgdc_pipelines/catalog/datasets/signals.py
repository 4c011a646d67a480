"""Activity signals: Outlook and Teams activity datasets (user-scoped, filtered on CreationTime)."""

DATASETS = ()
