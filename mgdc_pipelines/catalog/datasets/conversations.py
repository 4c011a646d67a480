"""Microsoft 365 group conversations: OutlookGroupConversations_v0 (group-scoped)."""

DATASETS = ()
