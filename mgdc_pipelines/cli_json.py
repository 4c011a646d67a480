"""The JSON documents `mgdc-pipelines ... --json` prints: stable keys a script can rely on.

Each document's keys are listed here (and in the command's help); new keys may be added, none is
renamed or removed without a new major version. Times are ISO 8601 in UTC.

>>> from mgdc_pipelines.catalog import get_dataset
>>> document = dataset_document(get_dataset("Message_v1"))
>>> sorted(document) == sorted(DATASET_KEYS)
True
>>> document["short_name"], document["mode"], document["date_filter_columns"][0]
('Message_v1', 'range', 'receivedDateTime')
"""

from __future__ import annotations

import json
from typing import Any

from mgdc_pipelines.catalog import Column, Dataset
from mgdc_pipelines.consent.clock import to_iso

DATASET_KEYS = ("name", "short_name", "category", "scope", "mode", "date_filter_columns", "description",
                "columns", "metadata_columns")
COLUMN_KEYS = ("name", "type", "description")
STATUS_KEYS = ("app", "state", "approved", "reason", "trust_note", "spec_fingerprint", "authorization",
               "suspension", "datasets", "withheld")
AUTHORIZATION_KEYS = ("decision", "approver", "decided_at", "expires_at", "key_id", "fingerprint",
                      "deny_group_ids")
SUSPENSION_KEYS = ("id", "reason", "dataset", "partitions", "suspended_at", "witnessed")
DATASET_STATUS_KEYS = ("dataset", "state", "refused_columns", "message")
WITHHELD_KEYS = ("dataset", "partition", "suspension", "withdrawn", "copied_again")
# An audit record's own keys, present in every record; each event adds its fields (dataset,
# partition, rows, columns, scope, destination, approver, ...), the same for every record of it.
AUDIT_RECORD_KEYS = ("seq", "at", "event", "prev", "hash")


def dumps(document: Any) -> str:
    """``document`` as indented JSON, non-ASCII characters kept."""
    return json.dumps(document, indent=2, ensure_ascii=False)


def dataset_document(dataset: Dataset) -> dict[str, Any]:
    """A catalog dataset: its names, how MGDC scopes and filters it, and its columns."""
    return {
        "name": dataset.name,
        "short_name": dataset.short_name,
        "category": dataset.category.value,
        "scope": dataset.scope.value,
        "mode": dataset.mode.value,
        "date_filter_columns": list(dataset.date_filter_columns),
        "description": dataset.description,
        "columns": [_column_document(column) for column in dataset.columns],
        "metadata_columns": [_column_document(column) for column in dataset.metadata_columns],
    }


def _column_document(column: Column) -> dict[str, str]:
    return {"name": column.name, "type": column.notation, "description": column.description}


def status_document(app_name: str, status) -> dict[str, Any]:
    """An app's consent state (an ``AppConsentStatus``): what `consent status` prints, as data."""
    authorization, suspension = status.authorization, status.suspension
    return {
        "app": app_name,
        "state": status.state.value,
        "approved": status.approved,
        "reason": status.reason,
        "trust_note": status.trust_note,
        "spec_fingerprint": status.fingerprint,
        "authorization": None if authorization is None else {
            "decision": authorization.decision,
            "approver": authorization.approver,
            "decided_at": to_iso(authorization.decided_at),
            "expires_at": to_iso(authorization.effective_expires_at),
            "key_id": authorization.key_id,
            "fingerprint": authorization.fingerprint,
            "deny_group_ids": list(authorization.deny_group_ids),
        },
        "suspension": None if suspension is None else {
            "id": suspension.id,
            "reason": suspension.reason,
            "dataset": suspension.dataset,
            "partitions": list(suspension.partitions),
            "suspended_at": to_iso(suspension.suspended_at),
            "witnessed": suspension.witnessed,
        },
        "datasets": [
            {"dataset": d.dataset, "state": d.state, "refused_columns": list(d.refused_columns), "message": d.message}
            for d in status.datasets
        ],
        "withheld": [
            {"dataset": w.dataset, "partition": w.partition, "suspension": w.suspension.id,
             "withdrawn": w.withdrawn, "copied_again": w.copied_again}
            for w in status.withheld
        ],
    }


def keys_help(keys: tuple[str, ...]) -> str:
    """``keys`` as the comma-separated list a command's help shows."""
    return ", ".join(keys)
