"""Viva Insights' per-query datasets: ``VivaInsightsDataset_Report_v1_<query>``, schema from the spec.

Each Viva Insights query an analyst publishes to MGDC becomes its own dataset whose columns
"vary per report" (reference §1.1), so the catalog cannot list them: the app's spec declares the
query's columns and their types, and :func:`viva_query_dataset` turns that into a catalog
:class:`Dataset` like any other (tenant-wide, ``ptenant`` only, filtered on ``MetricDate``).

>>> ds = viva_query_dataset("VivaInsightsDataset_Report_v1_WeeklyCollaboration", {
...     "PersonId": "STRING", "MetricDate": "TIMESTAMP", "CollaborationHours": "DOUBLE"})
>>> ds.schema.names, ds.date_filter_columns, ds.scope.value
(['PersonId', 'MetricDate', 'CollaborationHours', 'ptenant'], ('MetricDate',), 'none')
>>> is_viva_query("Message_v1"), is_viva_query("VivaInsightsDataset_Report_v1_Weekly")
(False, True)
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from mgdc_pipelines.catalog.model import COLUMN_DESCRIPTION_SEPARATOR, Category, Dataset, Mode, ScopeKind, dataset

VIVA_QUERY_PREFIX = "VivaInsightsDataset_Report_v1_"
# The query name as Viva Insights publishes it: letters, digits and underscores.
VIVA_QUERY_NAME = re.compile(rf"^{VIVA_QUERY_PREFIX}[A-Za-z0-9_]{{1,100}}$")
VIVA_COLUMN_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")
VIVA_DATE_FILTER_COLUMN = "MetricDate"  # the PersonReport schema's date filter
VIVA_SOURCE_DOC = "learn.microsoft.com data-connect-datasets (Viva Insights, dynamic datasets)"

# Columns of Microsoft's Viva Insights person-query sample (reference §1.4): ids, the metric
# date, activity flag, and hours (doubles). A query may have any subset, plus its own columns.
PERSON_QUERY_COLUMNS: Mapping[str, str] = {
    "ObjectId": "STRING",
    "MetricDate": "TIMESTAMP",
    **{
        metric: "DOUBLE"
        for metric in (
            "AfterHoursCollaboration", "AfterHoursCollaborationMeetings",
            "AfterHoursCollaborationEmails", "AfterHoursCollaborationInstantMessages",
            "AfterHoursCollaborationScheduledCalls", "AfterHoursCollaborationAdhocCalls",
            "CollaborationHours", "MultitaskingMeetingHours", "CollaborationHoursMeetings",
            "CollaborationHoursEmails", "CollaborationHoursExternal",
            "CollaborationHoursInstantMessages", "CollaborationHoursScheduledCalls",
            "CollaborationHoursAdhocCalls", "ConflictingMeetingHours", "DirectManagerMeetingHours",
            "OneOnOneMeetingHours", "SkipLevelMeetingHours", "TotalFocusHours",
            "UninterruptedHours",
        )
    },
    "PeopleHistoricalId": "STRING",
    "IsActive": "BOOLEAN",
}


class VivaQueryError(ValueError):
    """A Viva Insights query dataset that cannot be declared as written."""


def is_viva_query(name: str) -> bool:
    """Whether ``name`` is a Viva Insights per-query dataset name."""
    return name.startswith(VIVA_QUERY_PREFIX)


def viva_query_dataset(name: str, columns: Mapping[str, str]) -> Dataset:
    """The catalog dataset of one Viva Insights query, from its declared ``column: TYPE`` map."""
    if not VIVA_QUERY_NAME.match(name):
        raise VivaQueryError(
            f"{name!r} is not a Viva Insights query dataset name: expected "
            f"{VIVA_QUERY_PREFIX}<query name> with letters, digits and _ in the query name"
        )
    if not columns:
        raise VivaQueryError(f"{name}: declare the query's columns (column_types: {{column: TYPE}})")
    for column in columns:
        if not VIVA_COLUMN_NAME.match(column):
            raise VivaQueryError(
                f"{name}: column name {column!r} is not allowed: letters, digits and _, "
                "starting with a letter or _"
            )
    block = "\n".join(
        f"{column}: {notation}{COLUMN_DESCRIPTION_SEPARATOR}{_describe(column)}"
        for column, notation in columns.items()
    )
    has_metric_date = VIVA_DATE_FILTER_COLUMN in columns
    try:
        return dataset(
            name,
            category=Category.VIVA,
            description="""
                A Viva Insights query published to MGDC; its columns are declared by the app's
                spec (the schema varies per query). Needs a Viva Insights licence.
            """,
            scope=ScopeKind.NONE,
            mode=Mode.RANGE if has_metric_date else Mode.SNAPSHOT,
            columns=block,
            date_filter_columns=(VIVA_DATE_FILTER_COLUMN,) if has_metric_date else (),
            row_metadata=False,
            source_doc=VIVA_SOURCE_DOC,
        )
    except ValueError as error:  # a type notation we cannot read, a metadata name, ...
        raise VivaQueryError(str(error)) from None


def _describe(column: str) -> str:
    if column == VIVA_DATE_FILTER_COLUMN:
        return "The day (week start for weekly queries) the metrics describe."
    if column in PERSON_QUERY_COLUMNS:
        return "A Viva Insights person-query metric (as in Microsoft's sample)."
    return "Declared by the spec for this Viva Insights query."
