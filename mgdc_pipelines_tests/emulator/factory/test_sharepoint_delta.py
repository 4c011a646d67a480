"""The emulator's SharePoint deltas: what changed between two snapshots of the synthetic
tenant, with the right operations, in the request's columns, the same for the same seed."""

from __future__ import annotations

import datetime as dt
import functools

import pyarrow as pa
import pytest

from mgdc_pipelines.emulator.factory.sharepoint_delta import deliver_delta_rows
from mgdc_pipelines.sources.mgdc.sharepoint_state import DELTA_STATE_KEYS, DeltaStateError
from mgdc_pipelines.sources.synthetic import SyntheticSource, TenantConfig
from mgdc_pipelines_tests.sources.synthetic.helpers import extract, request

TENANT = TenantConfig(seed=7, users=12)
# The small tenant's day 2 has new and expired sharing links, new and edited files, and
# every site's daily usage figures move.
DAY1, DAY2 = dt.date(2026, 11, 9), dt.date(2026, 11, 10)
DAY2_START = dt.datetime(2026, 11, 10, tzinfo=dt.timezone.utc)
NOT_CONTENT = ("SnapshotDate", "Operation")
CREATED, UPDATED, DELETED = "Created", "Updated", "Deleted"


@pytest.fixture(scope="module")
def source() -> SyntheticSource:
    return SyntheticSource(TENANT)


@functools.cache  # tables are immutable; the tests share the slow part, generating snapshots
def snapshot(source: SyntheticSource, dataset: str, day: dt.date) -> pa.Table:
    return extract(source, request(dataset, day))


@functools.cache
def delta_table(source: SyntheticSource, dataset: str, start=DAY1, end=DAY2, **options) -> pa.Table:
    request_for_day = functools.partial(request, dataset, **options)
    schema = request_for_day(end).output_schema
    batches = deliver_delta_rows(source, request_for_day, start, end)
    return pa.Table.from_batches(list(batches), schema)


def by_key(table: pa.Table, dataset: str) -> dict[tuple, dict]:
    columns = DELTA_STATE_KEYS["BasicDataSet_v0." + dataset]
    rows = {}
    for row in table.to_pylist():
        rows[tuple(row[c] for c in columns)] = row
    assert len(rows) == table.num_rows, "keys identify rows"
    return rows


def content(row: dict) -> dict:
    return {name: value for name, value in row.items() if name not in NOT_CONTENT}


@pytest.mark.parametrize("dataset", [name.split(".")[1] for name in DELTA_STATE_KEYS])
def test_the_delta_is_what_changed_between_the_two_snapshots(source, dataset):
    before = by_key(snapshot(source, dataset, DAY1), dataset)
    after = by_key(snapshot(source, dataset, DAY2), dataset)
    delta = delta_table(source, dataset)
    delivered = by_key(delta, dataset)

    created = after.keys() - before.keys()
    deleted = before.keys() - after.keys()
    updated = {k for k in after.keys() & before.keys() if content(after[k]) != content(before[k])}
    assert created | updated, "the tenant changes from day to day"
    assert delivered.keys() == created | updated | deleted
    for key, row in delivered.items():
        expected = CREATED if key in created else UPDATED if key in updated else DELETED
        assert row["Operation"] == expected
        assert row["SnapshotDate"] == DAY2_START
        # Created and updated rows are the end snapshot's; deleted ones keep their last content.
        assert content(row) == content(after[key] if key in after else before[key])


def test_expired_sharing_links_are_deleted_with_their_groups(source):
    permissions = delta_table(source, "SharePointPermissions_v1").to_pylist()
    groups = delta_table(source, "SharePointGroups_v1").to_pylist()
    expired = [row for row in permissions if row["Operation"] == DELETED]
    assert expired and all(row["LinkId"] for row in expired)
    # A snapshot describes the end of its day: the link expired during day 2.
    assert DAY2_START <= expired[0]["ShareExpirationTime"] < DAY2_START + dt.timedelta(days=1)
    deleted_groups = {row["GroupLinkId"] for row in groups if row["Operation"] == DELETED}
    assert {row["LinkId"] for row in expired} <= deleted_groups


def test_sites_report_their_daily_usage_as_updates(source):
    operations = delta_table(source, "SharePointSites_v1")["Operation"].to_pylist()
    sites = snapshot(source, "SharePointSites_v1", DAY2).num_rows
    assert operations == [UPDATED] * sites


def test_an_unchanged_day_delivers_nothing(source):
    # No sharing link was made or expired on the small tenant between these two days.
    day3 = DAY2 + dt.timedelta(days=1)
    assert delta_table(source, "SharePointPermissions_v1", DAY2, day3).num_rows == 0


def test_the_delta_is_the_same_for_the_same_seed_and_differs_for_another():
    first = delta_table(SyntheticSource(TENANT), "SharePointFiles_v1")
    again = delta_table(SyntheticSource(TENANT), "SharePointFiles_v1")
    other = delta_table(SyntheticSource(TENANT.replace(seed=8)), "SharePointFiles_v1")
    assert first.equals(again)
    assert first["Operation"].to_pylist().count(CREATED) > 0
    assert not first.equals(other)


def test_a_delta_spanning_days_holds_every_change_of_the_range(source):
    daily = [
        set(by_key(delta_table(source, "SharePointGroups_v1", DAY1 + dt.timedelta(days=n),
                               DAY1 + dt.timedelta(days=n + 1)), "SharePointGroups_v1"))
        for n in range(3)
    ]
    spanning = by_key(delta_table(source, "SharePointGroups_v1", DAY1, DAY1 + dt.timedelta(days=3)),
                      "SharePointGroups_v1")
    assert spanning.keys() == set.union(*daily)


def test_changes_are_found_on_whole_objects_and_delivered_in_the_requested_columns(source):
    columns = ("Url", "Operation")  # not even the key: MGDC tracks objects, apps pick columns
    delta = delta_table(source, "SharePointSites_v1", columns=columns)
    assert delta.schema.equals(request("SharePointSites_v1", DAY2, columns=columns).output_schema)
    assert delta.num_rows == delta_table(source, "SharePointSites_v1").num_rows
    assert set(delta["Operation"].to_pylist()) == {UPDATED}


def test_small_batches_hold_the_same_delta(source):
    whole = delta_table(source, "SharePointFiles_v1")
    request_for_day = functools.partial(request, "SharePointFiles_v1", batch_rows=50)
    batches = list(deliver_delta_rows(source, request_for_day, DAY1, DAY2))
    assert all(0 < batch.num_rows <= 50 for batch in batches)
    assert pa.Table.from_batches(batches).equals(whole)


def test_only_the_delta_state_datasets_have_a_delta(source):
    request_for_day = functools.partial(request, "SharePointFileActions_v1")
    with pytest.raises(DeltaStateError, match="SharePointFileActions_v1 has no delta"):
        next(deliver_delta_rows(source, request_for_day, DAY1, DAY2))
    with pytest.raises(ValueError, match="start < end"):
        request_for_day = functools.partial(request, "SharePointSites_v1")
        next(deliver_delta_rows(source, request_for_day, DAY2, DAY1))
