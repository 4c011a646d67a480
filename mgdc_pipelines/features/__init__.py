"""Features over MGDC datasets, for analytics and ML: plain functions on Arrow tables or pandas.

They work on clear or hashed identities (people are keyed by normalized address) and count what
they collapse or leave out in the result's `attrs`.

* `collaboration_edges()` (and `message_edges()`, `chat_edges()`): who writes to
  whom, per day, from Message_v1 and TeamChat_v1, deduplicated across mailboxes;
* `weekly_user_features()`: meeting hours, after-hours mail in each user's own time zone,
  network size and manager 1:1 time, per user and week;
* `oversharing_report()`: SharePoint items shared with everyone, by anonymous link or with
  external users, per site.

>>> from mgdc_pipelines.features import FEATURE_COLUMNS
>>> FEATURE_COLUMNS[:3]
['mails_sent', 'after_hours_share', 'meeting_hours']
"""

from mgdc_pipelines.features.collaboration import EDGE_COLUMNS, chat_edges, collaboration_edges, message_edges
from mgdc_pipelines.features.oversharing import REPORT_COLUMNS, oversharing_report
from mgdc_pipelines.features.timezones import to_iana, user_time_zones
from mgdc_pipelines.features.workload import (
    FEATURE_COLUMNS,
    after_hours_mail,
    meeting_load,
    network_size,
    week_of,
    weekly_user_features,
)

__all__ = [
    "EDGE_COLUMNS",
    "FEATURE_COLUMNS",
    "REPORT_COLUMNS",
    "after_hours_mail",
    "chat_edges",
    "collaboration_edges",
    "meeting_load",
    "message_edges",
    "network_size",
    "oversharing_report",
    "to_iana",
    "user_time_zones",
    "week_of",
    "weekly_user_features",
]
