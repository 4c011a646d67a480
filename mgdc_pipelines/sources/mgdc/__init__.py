"""Microsoft Graph Data Connect itself, driven through Azure Data Factory.

:class:`MgdcSource` (``source.py``) keeps an app's factory objects in step with its spec
(``objects.py``, ``sync.py``), runs one pipeline per partition range (``planning.py``,
``runs.py``; failures explained by ``hints.py``), reads each delivery once from the staging
container (``delivery.py``, through the landing source) and deletes it; ``billing.py`` and
``cost_report.py`` say what runs cost, ``sharepoint_state.py`` applies SharePoint delta states.
The Azure Resource Manager calls are plain REST (``arm.py``, ``factory.py``) with the Graph
source's MSAL credentials. ``mgdc_pipelines.emulator.factory`` emulates ARM and Data Factory.

The names below are imported on first use, not with the package: a copy that applies a
SharePoint delta state (``sharepoint_state.py``, every copy worker through ``transfer``) does not
load the Azure Resource Manager client, MSAL and the Graph source's SQLAlchemy.

>>> from mgdc_pipelines.sources.mgdc import FactoryLocation
>>> FactoryLocation("sub", "rg", "adf").path
'/subscriptions/sub/resourceGroups/rg/providers/Microsoft.DataFactory/factories/adf'
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mgdc_pipelines.lazy_exports import lazy_exports

__all__ = [
    "BillingRates",
    "FactoryLocation",
    "KeyVaultSecret",
    "MgdcRun",
    "MgdcRunFailed",
    "MgdcRunTimedOut",
    "MgdcSettings",
    "MgdcSource",
    "PollPolicy",
    "StagingLocation",
    "billable_units",
    "estimate_backfill",
    "run_cost",
]

# Where each public name lives (the imports under TYPE_CHECKING below, for type checkers).
_MODULES = {
    "mgdc_pipelines.sources.mgdc.billing": (
        "BillingRates", "billable_units", "estimate_backfill", "run_cost",
    ),
    "mgdc_pipelines.sources.mgdc.objects": ("KeyVaultSecret",),
    "mgdc_pipelines.sources.mgdc.runs": ("MgdcRunFailed", "MgdcRunTimedOut"),
    "mgdc_pipelines.sources.mgdc.settings": ("FactoryLocation", "PollPolicy", "StagingLocation"),
    "mgdc_pipelines.sources.mgdc.source": ("MgdcRun", "MgdcSettings", "MgdcSource"),
}
__getattr__, __dir__ = lazy_exports(globals(), _MODULES, __all__)

if TYPE_CHECKING:  # what type checkers and editors resolve the names to
    from mgdc_pipelines.sources.mgdc.billing import (
        BillingRates,
        billable_units,
        estimate_backfill,
        run_cost,
    )
    from mgdc_pipelines.sources.mgdc.objects import KeyVaultSecret
    from mgdc_pipelines.sources.mgdc.runs import MgdcRunFailed, MgdcRunTimedOut
    from mgdc_pipelines.sources.mgdc.settings import FactoryLocation, PollPolicy, StagingLocation
    from mgdc_pipelines.sources.mgdc.source import MgdcRun, MgdcSettings, MgdcSource
