"""How the ARM + Data Factory emulator behaves: its factory, run durations, MGDC approvals, limits.

>>> config = FactoryEmulatorConfig(storage_connection_string="UseDevelopmentStorage=true",
...                                approvals={"app": MgdcApproval("approved", {"Message_v1": ("id",)})})
>>> config.approvals["app"].columns_for("BasicDataSet_v0.Message_v1")
('id',)
>>> MgdcApproval("maybe", {})
Traceback (most recent call last):
...
ValueError: MgdcApproval.status: 'maybe' is not one of approved, pending, denied
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from mgdc_pipelines.catalog import get_dataset
from mgdc_pipelines.emulator.config import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET
from mgdc_pipelines.sources.synthetic.config import TenantConfig

APPROVAL_STATUSES = ("approved", "pending", "denied")


@dataclass(frozen=True)
class MgdcApproval:
    """An app's MGDC registration as the Microsoft 365 admin center holds it.

    ``datasets`` maps dataset names (short or full) to the approved columns, or ``"all"``.
    """

    status: str
    datasets: Mapping[str, tuple[str, ...] | Literal["all"]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.status not in APPROVAL_STATUSES:
            raise ValueError(f"MgdcApproval.status: {self.status!r} is not one of {', '.join(APPROVAL_STATUSES)}")
        full = {get_dataset(name).name: columns for name, columns in self.datasets.items()}
        object.__setattr__(self, "datasets", full)

    def columns_for(self, table_name: str) -> tuple[str, ...] | None:
        """The approved columns of a dataset (all of them for ``"all"``); None: not approved."""
        dataset = get_dataset(table_name)
        columns = self.datasets.get(dataset.name)
        if columns is None:
            return None
        return dataset.column_names if columns == "all" else tuple(columns)


@dataclass(frozen=True)
class FactoryEmulatorConfig:
    """One emulated factory; ``storage_connection_string`` is the staging account's (Azurite)."""

    storage_connection_string: str
    tenant: TenantConfig = field(default_factory=TenantConfig)
    subscription_id: str = "00000000-0000-0000-0000-00000000a2f0"
    resource_group: str = "mgdc-rg"
    factory_name: str = "mgdc-factory"
    factory_location: str = "West Europe"
    office_region: str = "Europe"  # where the tenant's mailboxes are (reference §4 region table)
    host: str = "127.0.0.1"
    port: int = 0
    clients: Mapping[str, str] = field(default_factory=lambda: {DEMO_CLIENT_ID: DEMO_CLIENT_SECRET})
    certificates: Mapping[str, tuple[str | bytes, ...]] = field(default_factory=dict)
    token_lifetime_s: int = 3599
    approvals: Mapping[str, MgdcApproval] = field(default_factory=dict)  # client id → registration
    # Principals holding Storage Blob Data Contributor on the staging account (None: every client).
    storage_contributors: frozenset[str] | None = None
    queued_seconds: float = 1.0
    in_progress_seconds: float = 3.0
    files_per_run: int = 3
    batch_rows: int = 1024
    arm_requests_per_window: int | None = None  # None: no ARM throttling
    window_seconds: float = 60.0
    retry_after_seconds: float = 1.0
    max_recorded_requests: int = 100_000

    def __post_init__(self) -> None:
        for name in ("queued_seconds", "in_progress_seconds", "window_seconds", "retry_after_seconds"):
            if getattr(self, name) < 0:
                raise ValueError(f"FactoryEmulatorConfig.{name}: {getattr(self, name)} must be at least 0")
        for name in ("files_per_run", "batch_rows"):
            if getattr(self, name) < 1:
                raise ValueError(f"FactoryEmulatorConfig.{name}: {getattr(self, name)} must be at least 1")
        if self.arm_requests_per_window is not None and self.arm_requests_per_window < 1:
            raise ValueError("FactoryEmulatorConfig.arm_requests_per_window: must be at least 1 (None: off)")

    @property
    def contributors(self) -> frozenset[str]:
        if self.storage_contributors is None:
            return frozenset(self.clients) | frozenset(self.certificates)
        return frozenset(self.storage_contributors)
