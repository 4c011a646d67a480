"""A suspension: a blocking check found a consent violation in written data.

It is a record of the app's audit log, and its id is that record's hash. While it is active,
every run of the app is refused with its reason. Only an admin's approval recorded AFTER it in
the audit log, naming its id in ``lifts``, ends it: MGDC's "stop the flow of data". The order is
the chain's, never a comparison of clocks, so a decision dated in the future cannot out-date it.

>>> from datetime import datetime, timezone
>>> s = Suspension("9f" * 32, "demo", "ab" * 32, "column body written", "BasicDataSet_v0.Message_v1",
...                ("2026-11-20|all",), datetime(2026, 11, 20, tzinfo=timezone.utc))
>>> s.short_id
'9f9f9f9f9f9f'
>>> "--lift 9f9f9f9f9f9f" in s.describe()
True
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from mgdc_pipelines.consent.clock import as_utc, display, from_iso

SHORT_ID = 12
_UNWITNESSED_NOTE = (
    ". The Dagster instance did not witness this suspension (no run recorded it: it was appended"
    " to the audit log by hand, or under another instance), so no run withdraws its partitions"
)


@dataclass(frozen=True)
class Suspension:
    id: str  # the hash of its audit record
    app_name: str
    fingerprint: str  # the registration that was in force when the violation was found
    reason: str
    dataset: str
    partitions: tuple[str, ...]
    suspended_at: datetime
    # Whether the Dagster instance witnessed its record (a run wrote it; see consent/ledger.py).
    witnessed: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "partitions", tuple(self.partitions))
        object.__setattr__(self, "suspended_at", as_utc(self.suspended_at, "suspended_at"))

    @property
    def short_id(self) -> str:
        return self.id[:SHORT_ID]

    def describe(self) -> str:
        partitions = ", ".join(self.partitions) or "-"
        return (
            f"suspended on {display(self.suspended_at)} (suspension {self.short_id}): {self.reason} "
            f"(dataset {self.dataset}, partitions {partitions}); an admin lifts it by approving the app again "
            f"with `--lift {self.short_id}`{'' if self.witnessed else _UNWITNESSED_NOTE}"
        )

    @classmethod
    def from_record(cls, suspension_id: str, app_name: str, facts: dict[str, Any]) -> Suspension:
        """From the facts :class:`~mgdc_pipelines.consent.ledger.LedgerState` keeps of its record."""
        return cls(
            id=suspension_id,
            app_name=app_name,
            fingerprint=str(facts.get("fingerprint") or ""),
            reason=str(facts.get("reason") or ""),
            dataset=str(facts.get("dataset") or ""),
            partitions=tuple(facts.get("partitions") or ()),
            suspended_at=from_iso(facts.get("at"), f"suspension {suspension_id[:SHORT_ID]} at"),
            witnessed=facts.get("witnessed", True),  # anchored before suspensions were witnessed
        )


@dataclass(frozen=True)
class WithheldPartition:
    """A partition a suspension flagged that no copy has replaced since: loaders leave it out.

    ``withdrawn``: its withdrawal from the sink was recorded. Until it is, engines that list the
    sink's folders may still read it: each run of its dataset refused while the app is suspended
    withdraws it again (if the Dagster instance witnessed the suspension), and copying it again
    replaces it.
    """

    dataset: str
    partition: str  # the partition key, ``2026-11-20|all``
    path: str  # where it is in the sink (``PartitionRef.relative_path``)
    suspension: Suspension
    withdrawn: bool

    def describe(self) -> str:
        if self.withdrawn:
            where = "withdrawn from the sink"
        elif self.suspension.witnessed:
            where = (
                "its withdrawal has not finished, so engines listing the sink may still read it (a run"
                " of the dataset while the app is suspended withdraws it again; a new copy replaces it)"
            )
        else:
            where = (
                "not withdrawn: the Dagster instance did not witness the suspension, so no run deletes"
                " it from the sink (loaders leave it out; a new copy replaces it)"
            )
        return f"{self.dataset} {self.partition}, flagged by suspension {self.suspension.short_id}: {where}"
