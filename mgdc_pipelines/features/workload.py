"""Per-user weekly workload features: meeting hours, after-hours mail, network size, manager 1:1 time.

Sources: Message_v1 (mail sent), CalendarView_v0 (meetings in each user's calendar, `puser` is
the calendar's owner), User_v1 (addresses and time zones, `mgdc_pipelines.features.timezones`),
Manager_v0 (`puser` is the user, `mail` their manager) and the collaboration edges
(`mgdc_pipelines.features.collaboration`). People are keyed by normalized address, hashed
or clear; calendars are matched to people through User_v1 `id` = `puser`.

Weeks start on Sunday 00:00 UTC, like Dagster's `WeeklyPartitionsDefinition`.

>>> import datetime as dt
>>> import pyarrow as pa
>>> def person(address):
...     return {"emailAddress": {"name": None, "address": address}}
>>> users = pa.table({"id": ["u1"], "mail": ["ann@contoso.com"], "usageLocation": ["IN"], "state": [None]})
>>> at = lambda hour: dt.datetime(2026, 11, 20, hour, tzinfo=dt.timezone.utc)
>>> mail = pa.table({"internetMessageId": ["<1>", "<2>"], "sentDateTime": [at(5), at(16)],
...                  "sender": [person("ann@contoso.com")] * 2})
>>> after_hours_mail(mail, user_time_zones(users))[["address", "mails_sent", "after_hours_share"]].values.tolist()
[['ann@contoso.com', 2, 0.5]]
"""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from mgdc_pipelines.features.collaboration import MAIL_TIMES, message_edges
from mgdc_pipelines.features.columns import described
from mgdc_pipelines.features.identities import Frame, address_of, as_table
from mgdc_pipelines.features.messages import first_present, unique_messages
from mgdc_pipelines.features.timezones import to_iana, user_time_zones

SUNDAY = 6  # datetime.weekday()
WORKDAY_MINUTES = (8 * 60, 18 * 60)  # local 08:00–18:00 counts as working hours
WEEKEND = (5, 6)  # Saturday, Sunday
FEATURE_COLUMNS = [
    "mails_sent",
    "after_hours_share",
    "meeting_hours",
    "meetings",
    "manager_one_on_one_hours",
    "network_size",
]
FEATURE_DESCRIPTIONS = {
    "week": "The Sunday (UTC midnight) the week starts on.",
    "address": "The user's e-mail address (lower case).",
    "mails_sent": "Distinct mails the user sent that week.",
    "after_hours_share": "Share of those mails sent outside 08:00-18:00 or on a weekend, in the user's own time zone.",
    "meeting_hours": "Hours of meetings with at least one other attendee.",
    "meetings": "Meetings with at least one other attendee.",
    "manager_one_on_one_hours": "Hours of meetings with the user's manager as the only other attendee.",
    "network_size": "Distinct people the user exchanged mail or chat with that week.",
}


def week_of(moments: pd.Series, first_day: int = SUNDAY) -> pd.Series:
    """The UTC start (midnight) of the week each tz-aware moment falls in."""
    days = moments.dt.tz_convert("UTC").dt.floor("D")
    return days - pd.to_timedelta((days.dt.day_of_week - first_day) % 7, unit="D")


def after_hours_mail(
    messages: Frame, zones: pd.DataFrame, *, workday: tuple[int, int] = WORKDAY_MINUTES, weekend=WEEKEND
) -> pd.DataFrame:
    """Per (week, sender): mails sent and the share sent outside working hours in the sender's own zone.

    Only senders found in `zones` (`user_time_zones()`) are counted (external senders have
    no known zone); `attrs["unknown_sender_messages"]` says how many messages that left out.
    """
    table = as_table(messages)
    time_column = first_present(table, ("sentDateTime", *MAIL_TIMES), "send time")
    unique, counts = unique_messages(as_table(table, ["internetMessageId", "sender", time_column]), "internetMessageId")
    sent = pd.DataFrame({"address": address_of(unique.column("sender")).to_pandas(), "at": unique.column(time_column).to_pandas()})
    sent = sent.merge(zones[["address", "time_zone"]].drop_duplicates("address"), on="address", how="left")
    known = sent["time_zone"].notna() & sent["at"].notna()
    sent, unknown = sent[known].copy(), int((~known).sum())
    sent["after_hours"] = False
    for zone, rows in sent.groupby("time_zone").groups.items():
        local = sent.loc[rows, "at"].dt.tz_convert(zone)
        minute = local.dt.hour * 60 + local.dt.minute
        outside = (minute < workday[0]) | (minute >= workday[1]) | local.dt.day_of_week.isin(weekend)
        sent.loc[rows, "after_hours"] = outside.to_numpy()
    sent["week"] = week_of(sent["at"])
    result = (
        sent.groupby(["week", "address"])
        .agg(mails_sent=("after_hours", "size"), after_hours_share=("after_hours", "mean"))
        .reset_index()
    )
    result["mails_sent"] = result["mails_sent"].astype("int64")
    result.attrs = {**counts, "unknown_sender_messages": unknown}
    return result


def meeting_load(calendar: Frame, zones: pd.DataFrame, managers: Frame | None = None) -> pd.DataFrame:
    """Per (week, calendar owner): meeting hours, meetings, and hours in 1:1s with their manager.

    A meeting counts when it is neither cancelled, all-day, shown as free nor declined by the
    owner; a manager 1:1 is a meeting whose participants are exactly the owner and their manager.
    Calendars whose owner (`puser`) is not in `zones` are left out and counted.
    """
    table = as_table(calendar)
    owners = zones[["user_id", "address"]].drop_duplicates("user_id")
    events = _events(table).merge(owners.rename(columns={"user_id": "puser"}), on="puser", how="left")
    unknown = int(events["address"].isna().sum())
    events = events[events["address"].notna()].copy()
    manager_of = _manager_addresses(managers, owners)
    events["manager"] = events["puser"].map(manager_of)
    events["one_on_one"] = [
        manager is not None and isinstance(manager, str) and people == {owner, manager}
        for people, owner, manager in zip(events["participants"], events["address"], events["manager"])
    ]
    events["hours"] = (events["end"] - events["start"]).dt.total_seconds() / 3600
    events["manager_hours"] = events["hours"].where(events["one_on_one"], 0.0)
    events["week"] = week_of(events["start"])
    result = (
        events.groupby(["week", "address"])
        .agg(meeting_hours=("hours", "sum"), meetings=("hours", "size"), manager_one_on_one_hours=("manager_hours", "sum"))
        .reset_index()
    )
    result["meetings"] = result["meetings"].astype("int64")
    result.attrs = {"calendar_rows": table.num_rows, "meetings_counted": len(events), "unknown_calendar_owner": unknown}
    return result


def network_size(edges: pd.DataFrame) -> pd.DataFrame:
    """Per (week, person): distinct people they sent to or received from (any channel)."""
    both = pd.concat(
        [
            edges[["day", "sender", "recipient"]].rename(columns={"sender": "address", "recipient": "other"}),
            edges[["day", "recipient", "sender"]].rename(columns={"recipient": "address", "sender": "other"}),
        ],
        ignore_index=True,
    )
    both["week"] = week_of(both["day"])
    return both.groupby(["week", "address"])["other"].nunique().rename("network_size").reset_index()


def weekly_user_features(
    messages: Frame,
    calendar: Frame,
    users: Frame,
    managers: Frame | None = None,
    edges: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per week and user (of User_v1) with any mail or meeting that week: mails sent, the share
    sent after hours in the user's own time zone, meeting hours and meetings, 1:1 hours with their
    manager, and network size (`FEATURE_COLUMNS`).

    `edges` (mail and chat, from `collaboration_edges()`)
    defaults to the mail edges of `messages`. Counts of what was left out are in `attrs`.
    """
    zones = user_time_zones(users)
    mail = after_hours_mail(messages, zones)
    meetings = meeting_load(calendar, zones, managers)
    network = network_size(edges if edges is not None else message_edges(messages))
    features = mail.merge(meetings, on=["week", "address"], how="outer")
    features = features[features["address"].isin(set(zones["address"]))]  # the organization's users only
    features = features.merge(network, on=["week", "address"], how="left")
    for column in FEATURE_COLUMNS:
        features[column] = features[column].fillna(0)
    for column in ("mails_sent", "meetings", "network_size"):
        features[column] = features[column].astype("int64")
    features = features.sort_values(["week", "address"]).reset_index(drop=True)[["week", "address", *FEATURE_COLUMNS]]
    features.attrs = {
        **{f"mail/{k}": v for k, v in mail.attrs.items()},
        **{f"calendar/{k}": v for k, v in meetings.attrs.items()},
        **{f"time_zone/{k}": v for k, v in zones.attrs.items()},
    }
    return described(features, FEATURE_DESCRIPTIONS)


# -- internals ---------------------------------------------------------------------------------


def _events(table: pa.Table) -> pd.DataFrame:
    """CalendarView rows that count as meetings, one per (owner, occurrence), with participants."""
    needed = ["puser", "id", "start", "end", "organizer", "attendees"]
    optional = [c for c in ("isCancelled", "isAllDay", "showAs", "responseStatus") if c in table.column_names]
    table = as_table(table, needed + optional)
    keep = pc.is_valid(table.column("start"))
    for flag in ("isCancelled", "isAllDay"):
        if flag in optional:
            keep = pc.and_(keep, pc.invert(pc.fill_null(table.column(flag), False)))
    if "showAs" in optional:
        keep = pc.and_(keep, pc.invert(pc.fill_null(pc.equal(pc.utf8_lower(table.column("showAs")), "free"), False)))
    if "responseStatus" in optional:
        response = pc.utf8_lower(pc.struct_field(table.column("responseStatus"), "response"))
        keep = pc.and_(keep, pc.invert(pc.fill_null(pc.equal(response, "declined"), False)))
    table = table.filter(keep)
    events = pd.DataFrame(
        {
            "puser": table.column("puser").to_pandas(),
            "id": table.column("id").to_pandas(),
            "start": _moments(table.column("start")),
            "end": _moments(table.column("end")),
            "participants": _participants(table),
        }
    )
    return events.drop_duplicates(["puser", "id"]).reset_index(drop=True)


def _moments(column: pa.ChunkedArray) -> pd.Series:
    """Graph `dateTimeTimeZone` structs → tz-aware UTC timestamps."""
    wall = pd.to_datetime(pc.struct_field(column, "dateTime").to_pandas(), format="ISO8601")
    zones = pc.struct_field(column, "timeZone").to_pandas().fillna("UTC")
    result = pd.Series(pd.NaT, index=wall.index, dtype="datetime64[us, UTC]")
    for zone, rows in wall.groupby(zones).groups.items():
        iana = to_iana(zone)
        if iana is None:
            raise ValueError(f"unknown time zone {zone!r} in a calendar event; expected an IANA or Windows name")
        result.loc[rows] = wall.loc[rows].dt.tz_localize(iana, ambiguous="NaT", nonexistent="shift_forward").dt.tz_convert("UTC")
    return result


def _participants(table: pa.Table) -> list[frozenset]:
    organizers = address_of(table.column("organizer")).to_pylist()
    attendees = table.column("attendees").combine_chunks()
    flat = address_of(pc.list_flatten(attendees)).to_pylist()
    people = [set() if o is None else {o} for o in organizers]
    for row, address in zip(pc.list_parent_indices(attendees).to_pylist(), flat):
        if address is not None:
            people[row].add(address)
    return [frozenset(p) for p in people]


def _manager_addresses(managers: Frame | None, owners: pd.DataFrame) -> dict[str, str]:
    """user id → manager's normalized address, from Manager_v0 (`puser` = the user, `mail` = the manager)."""
    if managers is None:
        return {}
    table = as_table(managers, ["puser", "mail"])
    pairs = pd.DataFrame({"puser": table.column("puser").to_pandas(), "manager": address_of(table.column("mail")).to_pandas()})
    pairs = pairs.dropna().drop_duplicates("puser", keep="last")
    return dict(zip(pairs["puser"], pairs["manager"]))

