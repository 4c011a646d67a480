"""Weekly workload features and time zones on hand-built tables with known answers."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from mgdc_pipelines.features import after_hours_mail, meeting_load, network_size, user_time_zones, week_of, weekly_user_features
from mgdc_pipelines_tests.features.tables import catalog_table

UTC = dt.timezone.utc
WEEK = pd.Timestamp("2026-11-15", tz="UTC")  # a Sunday: Dagster's weekly partition key


def person(address):
    return {"emailAddress": {"name": None, "address": address}}


USERS = catalog_table(
    "User_v1",
    [
        {"id": "u-sea", "mail": "sea@contoso.com", "usageLocation": "US", "state": "WA", "puser": "u-sea"},
        {"id": "u-blr", "mail": "Blr@contoso.com", "usageLocation": "IN", "state": "Karnataka", "puser": "u-blr"},
        {"id": "u-syd", "mail": "syd@contoso.com", "usageLocation": "AU", "state": "NSW", "puser": "u-syd"},
        {"id": "u-boss", "mail": "boss@contoso.com", "usageLocation": "ZZ", "puser": "u-boss"},
    ],
)


def sent(mid, sender, at, to=("boss@contoso.com",)):
    return {"internetMessageId": mid, "sentDateTime": at, "sender": person(sender), "toRecipients": [person(a) for a in to]}


def test_time_zones_come_from_the_users_location_with_a_counted_default():
    zones = user_time_zones(USERS).set_index("user_id")
    assert zones["time_zone"].to_dict() == {
        "u-sea": "America/Los_Angeles", "u-blr": "Asia/Kolkata", "u-syd": "Australia/Sydney", "u-boss": "UTC"
    }
    assert zones.loc["u-blr", "address"] == "blr@contoso.com"
    assert zones.attrs == {"column": 0, "location": 3, "default": 1}


def test_an_explicit_time_zone_column_wins_in_windows_or_iana_names():
    users = catalog_table("User_v1", [{"id": "a", "mail": "a@x.com", "usageLocation": "US", "state": "WA"}, {"id": "b", "mail": "b@x.com"}])
    users = users.append_column("timeZone", pd.array(["GMT Standard Time", "Asia/Tokyo"]).__arrow_array__())
    assert user_time_zones(users)["time_zone"].tolist() == ["Europe/London", "Asia/Tokyo"]
    with pytest.raises(ValueError, match="neither an IANA nor a Windows"):
        user_time_zones(users, default="Mars/Olympus")


def test_after_hours_is_judged_in_each_senders_own_time_zone():
    # 2026-11-20 (a Friday) 17:00 UTC is 09:00 in Seattle, 22:30 in Bengaluru, 04:00 (Sat) in Sydney.
    friday_17 = dt.datetime(2026, 11, 20, 17, tzinfo=UTC)
    friday_03 = dt.datetime(2026, 11, 20, 3, tzinfo=UTC)  # 19:00 Thu Seattle, 08:30 Bengaluru, 14:00 Sydney
    mail = catalog_table(
        "Message_v1",
        [
            sent("<1>", "sea@contoso.com", friday_17), sent("<1>", "sea@contoso.com", friday_17),  # two mailboxes
            sent("<2>", "sea@contoso.com", friday_03),
            sent("<3>", "blr@contoso.com", friday_17), sent("<4>", "blr@contoso.com", friday_03),
            sent("<5>", "syd@contoso.com", friday_17), sent("<6>", "syd@contoso.com", friday_03),
            sent("<7>", "someone@fabrikam.com", friday_17),  # no known zone
        ],
    )
    result = after_hours_mail(mail, user_time_zones(USERS)).set_index("address")
    assert result["mails_sent"].to_dict() == {"blr@contoso.com": 2, "sea@contoso.com": 2, "syd@contoso.com": 2}
    assert result["after_hours_share"].to_dict() == {"blr@contoso.com": 0.5, "sea@contoso.com": 0.5, "syd@contoso.com": 0.5}
    late = after_hours_mail(mail, user_time_zones(USERS), workday=(9 * 60, 17 * 60)).set_index("address")
    assert late.loc["blr@contoso.com", "after_hours_share"] == 1.0  # 08:30 is now before the day starts
    assert set(result["week"]) == {WEEK}
    assert result.attrs["unknown_sender_messages"] == 1 and result.attrs["duplicate_copies"] == 1


def event(owner, eid, start, hours, attendees, organizer="boss@contoso.com", **flags):
    end = start + dt.timedelta(hours=hours)
    stamp = lambda moment: {"dateTime": moment.strftime("%Y-%m-%dT%H:%M:%S.0000000"), "timeZone": "UTC"}  # noqa: E731
    return {
        "puser": owner, "id": eid, "start": stamp(start), "end": stamp(end), "organizer": person(organizer),
        "attendees": [{"emailAddress": {"name": None, "address": a}, "status": None, "type": "required"} for a in attendees],
        "isCancelled": flags.get("cancelled", False), "isAllDay": flags.get("all_day", False), "showAs": flags.get("show_as", "busy"),
        "responseStatus": {"response": flags.get("response", "accepted"), "time": None},
    }


MONDAY = dt.datetime(2026, 11, 16, 16, tzinfo=UTC)
MANAGERS = catalog_table("Manager_v0", [{"puser": "u-sea", "id": "u-boss", "mail": "BOSS@contoso.com"}])


def test_meeting_hours_and_manager_one_on_ones_per_week():
    calendar = catalog_table(
        "CalendarView_v0",
        [
            event("u-sea", "e1", MONDAY, 0.5, ["sea@contoso.com"]),  # 1:1 with the manager
            event("u-sea", "e1", MONDAY, 0.5, ["sea@contoso.com"]),  # the same occurrence read from a second scope
            event("u-sea", "e2", MONDAY, 1.0, ["sea@contoso.com", "blr@contoso.com"]),  # three people
            event("u-sea", "e3", MONDAY, 2.0, ["sea@contoso.com"], cancelled=True),
            event("u-sea", "e4", MONDAY, 8.0, ["sea@contoso.com"], all_day=True),
            event("u-sea", "e5", MONDAY, 1.0, ["sea@contoso.com"], response="declined"),
            event("u-sea", "e6", MONDAY, 1.0, ["sea@contoso.com"], show_as="free"),
            event("u-blr", "e2", MONDAY, 1.0, ["sea@contoso.com", "blr@contoso.com"]),
            event("u-blr", "e7", MONDAY + dt.timedelta(days=7), 1.5, ["blr@contoso.com"]),  # next week
            event("u-gone", "e8", MONDAY, 1.0, []),  # not a user of User_v1
        ],
    )
    load = meeting_load(calendar, user_time_zones(USERS), MANAGERS)
    got = {(w.strftime("%m-%d"), a): (h, n, m) for w, a, h, n, m in load[["week", "address", "meeting_hours", "meetings", "manager_one_on_one_hours"]].itertuples(index=False)}
    assert got == {
        ("11-15", "sea@contoso.com"): (1.5, 2, 0.5),
        ("11-15", "blr@contoso.com"): (1.0, 1, 0.0),
        ("11-22", "blr@contoso.com"): (1.5, 1, 0.0),
    }
    assert load.attrs["unknown_calendar_owner"] == 1


def test_network_size_counts_distinct_people_in_and_out():
    edges = pd.DataFrame(
        {
            "day": pd.to_datetime(["2026-11-16", "2026-11-17", "2026-11-17", "2026-11-23"], utc=True),
            "sender": ["a", "a", "b", "a"],
            "recipient": ["b", "c", "a", "d"],
        }
    )
    sizes = {(w.strftime("%m-%d"), a): n for w, a, n in network_size(edges).itertuples(index=False)}
    assert sizes == {("11-15", "a"): 2, ("11-15", "b"): 1, ("11-15", "c"): 1, ("11-22", "a"): 1, ("11-22", "d"): 1}


def test_weeks_start_on_sunday_utc():
    moments = pd.Series(pd.to_datetime(["2026-11-15 00:00", "2026-11-21 23:59", "2026-11-22 00:00"], utc=True))
    assert week_of(moments).dt.strftime("%Y-%m-%d").tolist() == ["2026-11-15", "2026-11-15", "2026-11-22"]


def test_weekly_features_have_one_row_per_active_user_and_week():
    mail = catalog_table("Message_v1", [sent("<1>", "sea@contoso.com", MONDAY, to=["blr@contoso.com", "outside@fabrikam.com"])])
    calendar = catalog_table("CalendarView_v0", [event("u-sea", "e1", MONDAY, 0.5, ["sea@contoso.com"])])
    features = weekly_user_features(mail, calendar, USERS, MANAGERS)
    rows = features.set_index("address")
    assert list(rows.index) == ["sea@contoso.com"]  # external people are not users; blr neither sent nor met
    assert rows.loc["sea@contoso.com", ["mails_sent", "meeting_hours", "manager_one_on_one_hours", "network_size"]].tolist() == [1, 0.5, 0.5, 2]
    assert features.attrs["time_zone/default"] == 1 and features.attrs["calendar/meetings_counted"] == 1
