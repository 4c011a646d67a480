"""A suspension: a blocking check found a consent violation in written data.

While active, every run of the app is refused with its reason. Only an admin's re-approval
(a decision later than ``suspended_at``) lifts it: MGDC's "stop the flow of data".

>>> from datetime import datetime, timezone
>>> s = Suspension("demo", "ab" * 32, "column body written", "BasicDataSet_v0.Message_v1",
...                ("2026-11-20|all",), datetime(2026, 11, 20, tzinfo=timezone.utc))
>>> Suspension.from_dict(s.to_dict()) == s
True
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from mgdc_pipelines.consent.clock import as_utc, display, from_iso, to_iso
from mgdc_pipelines.consent.jsonfiles import check_keys, string, strings

if TYPE_CHECKING:
    from mgdc_pipelines.consent.authorization import Authorization

_KEYS = ("app_name", "fingerprint", "reason", "dataset", "partitions", "suspended_at")


@dataclass(frozen=True)
class Suspension:
    app_name: str
    fingerprint: str  # the registration that was in force when the violation was found
    reason: str
    dataset: str
    partitions: tuple[str, ...]
    suspended_at: datetime

    def __post_init__(self) -> None:
        object.__setattr__(self, "partitions", tuple(self.partitions))
        object.__setattr__(self, "suspended_at", as_utc(self.suspended_at, "suspended_at"))

    def is_active(self, authorization: Authorization | None) -> bool:
        """True until an admin decides again after the suspension."""
        return authorization is None or self.suspended_at > authorization.decided_at

    def describe(self) -> str:
        partitions = ", ".join(self.partitions) or "-"
        return (
            f"suspended on {display(self.suspended_at)}: {self.reason} "
            f"(dataset {self.dataset}, partitions {partitions}); an admin must re-approve the app"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "app_name": self.app_name,
            "fingerprint": self.fingerprint,
            "reason": self.reason,
            "dataset": self.dataset,
            "partitions": list(self.partitions),
            "suspended_at": to_iso(self.suspended_at),
        }

    @classmethod
    def from_dict(cls, data: Any, where: str = "suspension") -> Suspension:
        check_keys(data, where, _KEYS)
        texts = {
            key: string(data, key, where)
            for key in ("app_name", "fingerprint", "reason", "dataset")
        }
        return cls(
            **texts,
            partitions=strings(data, "partitions", where),
            suspended_at=from_iso(data["suspended_at"], f"{where}.suspended_at"),
        )
