"""A deny list leaves no trace of its members, in any dataset: checked on the synthetic tenant's
rows, not on the scrubbing tables, so a column the tables miss fails here.

Every dataset's rows of a week (or its snapshot) go through the Enforcer with every column
granted and the legal team deny-listed; then no string anywhere in what is left may be a member's
address (equal, without case or blanks) or hold a member's object id (a GUID, also inside a
thread id or a ``<id>@<tenant>`` speaker). Free text and display names are not looked at:
scrubbing works on addresses and ids, as MGDC's does.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from functools import cache

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from mgdc_pipelines.catalog import Dataset
from mgdc_pipelines.catalog.registry import list_datasets
from mgdc_pipelines.consent.enforcement import Enforcer
from mgdc_pipelines.sources import ExtractRequest, Scope, TimeWindow
from mgdc_pipelines.sources.synthetic import SyntheticSource, TenantConfig

LEGAL_GROUP = "23227d8d-93e7-51bc-9c2d-53be48d6f7cb"
TENANT = TenantConfig(seed=42, users=60)
LAST_DAY = dt.date(2026, 11, 18)
DAYS = 7
# Datasets whose rows never name a member of the legal team in this tenant's week: the check
# holds there trivially. Any other dataset must show that scrubbing had something to remove.
NOTHING_TO_SCRUB = {
    "GroupDetails_v0", "OneDriveSyncErrors_v0", "OutlookContactActivity_v0",
    "TeamsChannelDetails_v0",
}


@cache
def source() -> SyntheticSource:
    return SyntheticSource(TENANT)


@cache
def legal_team() -> tuple[frozenset[str], frozenset[str]]:
    """The deny list's people: object ids and SMTP addresses (aliases included), lower-case."""
    ids = frozenset(i.lower() for i in source().member_ids([LEGAL_GROUP]))
    return ids, frozenset(a.lower() for a in source().addresses(sorted(ids)))


def week_of(dataset: Dataset) -> ExtractRequest:
    end = dt.datetime.combine(LAST_DAY + dt.timedelta(days=1), dt.time(), dt.timezone.utc)
    date_column = dataset.date_filter_columns[0] if dataset.date_filter_columns else None
    return ExtractRequest(
        dataset, dataset.column_names, date_column,
        TimeWindow(end - dt.timedelta(days=DAYS), end), Scope.everyone(), "tenant-1",
    )


def strings(values: pa.Array, path: str) -> Iterator[tuple[str, pa.Array]]:
    """Every array of strings inside ``values``, at any depth, with where it is."""
    if pa.types.is_struct(values.type):
        for child, field in zip(values.flatten(), values.type):
            yield from strings(child, f"{path}.{field.name}")
    elif pa.types.is_list(values.type) or pa.types.is_large_list(values.type):
        yield from strings(pc.list_flatten(values), f"{path}[]")
    elif pa.types.is_string(values.type) or pa.types.is_large_string(values.type):
        yield path, values


def traces(batch: pa.RecordBatch, ids: frozenset[str], addresses: frozenset[str]) -> set[str]:
    """Where in ``batch`` a member's address or id is found."""
    any_id = "|".join(re.escape(i) for i in sorted(ids))
    known_addresses = pa.array(sorted(addresses))
    found = set()
    for name in batch.schema.names:
        for path, text in strings(batch.column(name), name):
            lowered = pc.utf8_lower(pc.utf8_trim_whitespace(text))
            if pc.any(pc.is_in(lowered, value_set=known_addresses)).as_py() or pc.any(
                pc.match_substring_regex(lowered, any_id)
            ).as_py():
                found.add(path)
    return found


@pytest.mark.parametrize("dataset", list_datasets(), ids=lambda dataset: dataset.short_name)
def test_no_member_of_the_deny_list_is_left_in_any_column(dataset: Dataset) -> None:
    ids, addresses = legal_team()
    enforcer = Enforcer(
        dataset=dataset, authorized_columns=dataset.column_names,
        denied_user_ids=ids, denied_addresses=addresses,
    )
    named_before, left = set(), set()
    for batch in source().extract(week_of(dataset)):
        named_before |= traces(batch, ids, addresses)
        left |= traces(enforcer.apply(batch), ids, addresses)

    assert left == set(), f"{dataset.short_name} still names a deny-listed person in {sorted(left)}"
    if dataset.short_name in NOTHING_TO_SCRUB:
        assert not named_before
    else:
        assert named_before and enforcer.counts.rows_deny_listed > 0
