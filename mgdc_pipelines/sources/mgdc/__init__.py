"""Microsoft Graph Data Connect itself, driven through Azure Data Factory.

:class:`MgdcSource` (``source.py``) keeps an app's factory objects in step with its spec
(``objects.py``, ``sync.py``), runs one pipeline per partition range (``planning.py``,
``runs.py``; failures explained by ``hints.py``), reads each delivery once from the staging
container (``delivery.py``, through the landing source) and deletes it; ``billing.py`` and
``cost_report.py`` say what runs cost, ``sharepoint_state.py`` applies SharePoint delta states.
The Azure Resource Manager calls are plain REST (``arm.py``, ``factory.py``) with the Graph
source's MSAL credentials. ``mgdc_pipelines.emulator.factory`` emulates ARM and Data Factory.

>>> FactoryLocation("sub", "rg", "adf").path
'/subscriptions/sub/resourceGroups/rg/providers/Microsoft.DataFactory/factories/adf'
"""

from mgdc_pipelines.sources.mgdc.billing import BillingRates, billable_units, estimate_backfill, run_cost
from mgdc_pipelines.sources.mgdc.runs import MgdcRunFailed, MgdcRunTimedOut
from mgdc_pipelines.sources.mgdc.settings import FactoryLocation, PollPolicy, StagingLocation
from mgdc_pipelines.sources.mgdc.objects import KeyVaultSecret
from mgdc_pipelines.sources.mgdc.source import MgdcRun, MgdcSettings, MgdcSource

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
