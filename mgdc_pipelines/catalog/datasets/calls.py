"""Teams call records: TeamsCallRecords_v1 (user-scoped, filtered on CreatedDateTime)."""

DATASETS = ()
