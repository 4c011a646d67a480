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

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from mgdc_pipelines.consent.clock import as_utc, display, from_iso

SHORT_ID = 12
_UNWITNESSED_NOTE = (
    ". The Dagster instance did not witness this suspension (no run recorded it: it was appended"
    " to the audit log by hand, or under another instance), so no run withdraws its partitions"
)
NO_INSTANCE = "set DAGSTER_HOME to the deployment's Dagster instance"
_UNKNOWN_NOTE = (
    ". Whether the Dagster instance witnessed this suspension (so that runs withdraw its"
    f" partitions) is not known here: {NO_INSTANCE}"
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
    # Whether the Dagster instance witnessed its record (a run wrote it; see consent/ledger.py);
    # None: not known, the instance was not at hand to ask (ConsentStore.witnessing).
    witnessed: bool | None = True

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
            f"with `--lift {self.short_id}`{self._witness_note}"
        )

    @property
    def _witness_note(self) -> str:
        if self.witnessed is None:
            return _UNKNOWN_NOTE
        return "" if self.witnessed else _UNWITNESSED_NOTE

    def unverified(self) -> Suspension:
        """This suspension as known without the Dagster instance: witnessed or not, unknown."""
        return replace(self, witnessed=None)

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

    ``withdrawn``: its withdrawal from the sink was recorded (and the Dagster instance witnessed
    it); None: one was recorded, but without the instance nothing tells it from a record appended
    by hand. Until it is, engines that list the sink's folders may still read it: each run of its
    dataset refused while the app is suspended withdraws it again (if the Dagster instance
    witnessed the suspension), and copying it again replaces it.

    ``copied_again``: False, no copy replaced it; None, a copy is recorded, but without the
    instance nothing tells it from a record appended by hand, so it is still listed.
    """

    dataset: str
    partition: str  # the partition key, ``2026-11-20|all``
    path: str  # where it is in the sink (``PartitionRef.relative_path``)
    suspension: Suspension
    withdrawn: bool | None
    copied_again: bool | None = False

    @property
    def withdrawal_pending(self) -> bool:
        """Whether a run may still have to withdraw it: not known to be withdrawn, nor flagged
        by a suspension known to be unwitnessed (no run withdraws what one of those flagged)."""
        return self.withdrawn is not True and self.suspension.witnessed is not False

    def describe(self) -> str:
        if self.copied_again is None:
            where = (
                "a copy that replaced it is recorded, not verified (a record appended by hand"
                f" would read the same): {NO_INSTANCE}"
            )
        elif self.withdrawn:
            where = "withdrawn from the sink"
        elif self.withdrawn is None:
            where = f"withdrawal recorded, not verified: {NO_INSTANCE}"
        elif self.suspension.witnessed is None:
            where = (
                "not withdrawn; whether a run withdraws it (only one of a suspension the Dagster"
                f" instance witnessed does) is not known here: {NO_INSTANCE}"
            )
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
