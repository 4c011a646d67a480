"""MGDC's per-row metadata columns (reference §2.2), stamped onto generated rows.

* ``ptenant``: the request's tenant id, on every row;
* ``puser`` (user-scoped) / ``pObjectId`` (group-scoped): whose extraction produced the row;
* ``datarow`` = ``userrow``: the 0-based index of the row within one user's (or group's)
  extraction, ``pagerow = userrow % 50`` (MGDC pages 50 rows), ``pAdditionalInfo`` is null and
  ``rowinformation`` is the constant MGDC writes for ordinary rows.

Only the columns the dataset declares are stamped (SharePoint rows carry ``ptenant`` only).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from mgdc_pipelines.catalog import Dataset

PAGE_ROWS = 50
ROW_INFORMATION = {
    "errorInformation": None,
    "userReturnedNoData": False,
    "isUserSummaryRow": False,
    "userHasCompleteData": False,
}


class RowStamper:
    """Adds the metadata columns of one dataset to the rows of one extraction."""

    def __init__(self, dataset: Dataset, tenant_id: str) -> None:
        declared = set(dataset.metadata_column_names)
        self._tenant_id = tenant_id
        self._scope_column = dataset.scope_column
        self._row_counters = "userrow" in declared

    def stamp(self, rows: Iterable[dict], owner_id: str | None) -> Iterator[dict]:
        """Stamp the rows of one owner (user, group, or the whole tenant) in order."""
        for number, row in enumerate(rows):
            row["ptenant"] = self._tenant_id
            if self._scope_column:
                row[self._scope_column] = owner_id
            if self._row_counters:
                row["pAdditionalInfo"] = None
                row["datarow"] = number
                row["userrow"] = number
                row["pagerow"] = number % PAGE_ROWS
                row["rowinformation"] = ROW_INFORMATION
            yield row
