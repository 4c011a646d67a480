"""Viva Insights person queries from the synthetic tenant agree with its mail and meetings."""

from __future__ import annotations

import datetime as dt

import pytest

from mgdc_pipelines.catalog import get_dataset
from mgdc_pipelines.catalog.registry import declare_dataset
from mgdc_pipelines.catalog.viva import PERSON_QUERY_COLUMNS, viva_query_dataset
from mgdc_pipelines.sources import TimeWindow
from mgdc_pipelines.sources.synthetic.datasets.viva import UnsupportedVivaQueryError
from mgdc_pipelines_tests.sources.synthetic.helpers import DAY, extract, request

PERSON_QUERY = declare_dataset(
    viva_query_dataset("VivaInsightsDataset_Report_v1_SyntheticPersonQuery", PERSON_QUERY_COLUMNS)
)
HOUR = dt.timedelta(hours=1)


@pytest.fixture(scope="module")
def day_rows(source):
    return extract(source, request(PERSON_QUERY, DAY)).to_pylist()


def test_one_row_per_valid_employee_for_the_day(day_rows, tenant):
    employees = {u.id for u in tenant.users if u.is_valid and u.created_at.date() < DAY}
    assert sorted(row["ObjectId"] for row in day_rows) == sorted(employees)
    midnight = dt.datetime.combine(DAY, dt.time(), dt.timezone.utc)
    assert {row["MetricDate"] for row in day_rows} == {midnight}
    assert {row["ptenant"] for row in day_rows} == {request(PERSON_QUERY).tenant_id}


def _local_day(user) -> TimeWindow:
    return TimeWindow(user.office.to_utc(DAY, 0), user.office.to_utc(DAY + dt.timedelta(days=1), 0))


def _mailbox(source, dataset: str, user, window: TimeWindow, date_column: str) -> list[dict]:
    req = request(dataset, DAY, date_column=date_column)
    req = type(req)(req.dataset, req.columns, date_column, window, req.scope, req.tenant_id)
    return [row for row in extract(source, req).to_pylist() if row["puser"] == user.id]


def test_email_hours_count_the_persons_sent_and_received_mail(day_rows, source, tenant):
    busiest = max(day_rows, key=lambda row: row["CollaborationHoursEmails"])
    user = tenant.user_by_id[busiest["ObjectId"]]
    window = _local_day(user)
    sent = _mailbox(source, "SentItem_v1", user, window, "sentDateTime")
    mailbox = _mailbox(source, "Message_v1", user, window, "sentDateTime")
    expected = len(sent) * 5 / 60 + (len(mailbox) - len(sent)) * 2.5 / 60
    assert sent and busiest["CollaborationHoursEmails"] == pytest.approx(expected)


def test_meeting_hours_are_the_attended_meetings_of_the_calendar(day_rows, source, tenant):
    busiest = max(day_rows, key=lambda row: row["CollaborationHoursMeetings"])
    user = tenant.user_by_id[busiest["ObjectId"]]
    attended = [
        row for row in _mailbox(source, "CalendarView_v0", user, _local_day(user), None)
        if not row["isCancelled"] and not row["isAllDay"] and row["attendees"]
        and row["responseStatus"]["response"] in ("organizer", "accepted", "tentativelyAccepted")
    ]
    hours = sum(
        (dt.datetime.fromisoformat(row["end"]["dateTime"]) - dt.datetime.fromisoformat(row["start"]["dateTime"])) / HOUR
        for row in attended
    )
    assert attended and busiest["CollaborationHoursMeetings"] == pytest.approx(hours)


def test_metrics_add_up_and_stay_within_the_day(day_rows):
    for row in day_rows:
        parts = row["CollaborationHoursMeetings"] + row["CollaborationHoursEmails"] + row["CollaborationHoursInstantMessages"]
        assert row["CollaborationHours"] == pytest.approx(parts)
        assert 0 <= row["AfterHoursCollaboration"] <= row["CollaborationHours"] + 1e-9
        assert row["TotalFocusHours"] <= row["UninterruptedHours"] <= 24
        assert row["OneOnOneMeetingHours"] <= row["CollaborationHoursMeetings"] + 1e-9


def test_a_column_the_tenant_cannot_fill_is_named(source):
    query = declare_dataset(viva_query_dataset(
        "VivaInsightsDataset_Report_v1_CustomMetric", {"MetricDate": "TIMESTAMP", "WellbeingScore": "DOUBLE"}
    ))
    with pytest.raises(UnsupportedVivaQueryError, match="'WellbeingScore'"):
        extract(source, request(query, DAY))


def test_same_seed_same_rows(source, day_rows):
    assert extract(source, request(PERSON_QUERY, DAY)).to_pylist() == day_rows
    assert get_dataset(PERSON_QUERY.name) is PERSON_QUERY
