"""Where the Data Factory is, how its runs are polled, and where MGDC stages its deliveries.

>>> location = FactoryLocation("sub-1", "rg-mgdc", "adf-contoso")
>>> location.path
'/subscriptions/sub-1/resourceGroups/rg-mgdc/providers/Microsoft.DataFactory/factories/adf-contoso'
>>> policy = PollPolicy(first_interval_s=2, max_interval_s=10, backoff=2)
>>> [policy.interval(n) for n in range(5)]
[2, 4, 8, 10, 10]
>>> StagingLocation("https://contosostaging.blob.core.windows.net/", "mgdc", "/runs/").folder("r1", "x")
'runs/r1/x'
"""

from __future__ import annotations

from dataclasses import dataclass

FACTORY_PROVIDER = "Microsoft.DataFactory"


@dataclass(frozen=True)
class FactoryLocation:
    """One Azure Data Factory: its subscription, resource group and name."""

    subscription_id: str
    resource_group: str
    factory: str

    def __post_init__(self) -> None:
        for name in ("subscription_id", "resource_group", "factory"):
            value = getattr(self, name)
            if not value or "/" in value:
                raise ValueError(f"factory location: {name} must be a non-empty name without '/', got {value!r}")

    @property
    def path(self) -> str:
        """The factory's ARM resource path (relative to the management URL)."""
        return (
            f"/subscriptions/{self.subscription_id}/resourceGroups/{self.resource_group}"
            f"/providers/{FACTORY_PROVIDER}/factories/{self.factory}"
        )


@dataclass(frozen=True)
class PollPolicy:
    """How a pipeline run is polled: intervals growing by ``backoff`` up to ``max_interval_s``,
    and how long a run may take before it is cancelled (MGDC runs take minutes to hours)."""

    first_interval_s: float = 2
    max_interval_s: float = 60
    backoff: float = 1.5
    timeout_s: float = 4 * 3600

    def __post_init__(self) -> None:
        if self.first_interval_s <= 0 or self.max_interval_s < self.first_interval_s:
            raise ValueError("poll policy: need 0 < first_interval_s <= max_interval_s")
        if self.backoff < 1 or self.timeout_s <= 0:
            raise ValueError("poll policy: need backoff >= 1 and timeout_s > 0")

    def interval(self, polls_done: int) -> float:
        """The wait before poll number ``polls_done + 1``."""
        return min(self.max_interval_s, self.first_interval_s * self.backoff**polls_done)


@dataclass(frozen=True)
class StagingLocation:
    """The blob container ADF writes MGDC's JSON lines into, under ``prefix``."""

    account_url: str
    container: str
    prefix: str = ""

    def folder(self, run_folder: str, dataset_name: str) -> str:
        """``<prefix>/<run folder>/<dataset>``: the Copy activity's ``outputFolder`` parameter."""
        parts = (self.prefix.strip("/"), run_folder.strip("/"), dataset_name)
        return "/".join(part for part in parts if part)
