"""``MgdcSource``: MGDC's own copy, run by Azure Data Factory, read back as a ``Source``.

A Dagster step copies a range of partitions. :meth:`MgdcSource.for_run` opens an
:class:`MgdcRun` for them, which plans as few ADF pipeline runs as MGDC's rules allow
(``planning.py``: one per scope and stretch of consecutive days; one per day for snapshot and
SharePoint datasets), because each run costs MGDC's fixed overhead (about 45 minutes) and is
billed rounded up to 1,000 objects. A planned run happens the first time one of its partitions
is extracted, with the columns that partition's authorized request names:

1. the factory's objects for the dataset are created or updated (``objects.py``, ``sync.py``);
2. the pipeline runs for the window and scope and is polled to its end (``runs.py``); a step
   interrupted meanwhile (a Dagster run terminated) cancels it;
3. the delivery is read once from the staging container and split by day (``delivery.py``);
   each partition then streams its day;
4. on leaving the ``MgdcRun``, every staging blob it delivered is deleted, whatever happened.

Group scopes and deny lists are expanded through Microsoft Graph with the same credentials
(MGDC's ``allowedGroups`` already limits the delivery; consent enforcement checks it again).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import pyarrow as pa

from mgdc_pipelines.catalog import Dataset
from mgdc_pipelines.sinks.azure_account import BlobCredential
from mgdc_pipelines.sources.base import ExtractRequest, Scope
from mgdc_pipelines.sources.graph import GraphCredentials, GraphSettings, GraphSource
from mgdc_pipelines.sources.mgdc.arm import ArmClient
from mgdc_pipelines.sources.mgdc.billing import BillingRates, run_cost
from mgdc_pipelines.sources.landing import AzureDeliveryStore
from mgdc_pipelines.sources.mgdc.delivery import Delivery, columns_to_deliver
from mgdc_pipelines.sources.mgdc.factory import FactoryClient
from mgdc_pipelines.sources.mgdc.objects import KeyVaultSecret, factory_objects, object_name
from mgdc_pipelines.sources.mgdc.planning import PlannedRun, plan_runs, run_parameters
from mgdc_pipelines.sources.mgdc.runs import PipelineRunResult, run_pipeline
from mgdc_pipelines.sources.mgdc.settings import FactoryLocation, PollPolicy, StagingLocation
from mgdc_pipelines.sources.mgdc.sync import sync_factory

METADATA_PREFIX = "mgdc/adf"
# MGDC keeps SharePoint snapshots 21 days: a delta can start at most that far back.
SHAREPOINT_RETENTION_DAYS = 21


@dataclass(frozen=True)
class MgdcSettings:
    """Everything an :class:`MgdcSource` needs; the secret or certificate lives in ``credentials``
    (never shown)."""

    app_name: str
    credentials: GraphCredentials
    factory: FactoryLocation
    staging: StagingLocation
    staging_credential: BlobCredential
    management_url: str = "https://management.azure.com"
    management_scope: str | None = None  # default: management_url + /.default
    graph_url: str = "https://graph.microsoft.com/v1.0"
    ca_bundle: str | None = None
    poll: PollPolicy = field(default_factory=PollPolicy)
    rates: BillingRates = field(default_factory=BillingRates)
    sharepoint_delta: bool = True
    max_error_ratio: float = 0.01
    quarantine_dir: str = "./mgdc_quarantine"
    dedupe_messages: bool = False
    key_vault: KeyVaultSecret | None = None  # where the factory reads a certificate credential


class MgdcSource:
    """MGDC through Azure Data Factory; see the module docstring."""

    def __init__(self, settings: MgdcSettings) -> None:
        self.settings = settings

    def __repr__(self) -> str:
        staging = self.settings.staging
        where = f"{staging.account_url.rstrip('/')}/{staging.container}"
        return f"MgdcSource(factory={self.settings.factory.path!r}, staging={where!r})"

    @cached_property
    def factory(self) -> FactoryClient:
        settings = self.settings
        arm = ArmClient(settings.credentials, settings.management_url, ca_bundle=settings.ca_bundle,
                        scope=settings.management_scope)
        return FactoryClient(arm, self.settings.factory)

    @cached_property
    def _graph(self) -> GraphSource:
        settings = self.settings
        return GraphSource(GraphSettings(settings.credentials, graph_url=settings.graph_url,
                                         ca_bundle=settings.ca_bundle))

    # --- Directory: who is in a scope (Microsoft Graph) -----------------------------------------

    def member_ids(self, group_ids: Sequence[str]) -> frozenset[str]:
        return self._graph.member_ids(group_ids)

    def addresses(self, user_ids) -> frozenset[str]:
        return self._graph.addresses(user_ids)

    # --- Source ------------------------------------------------------------------------------------

    def for_run(self, run_key: str, dataset: Dataset, partitions: Sequence[tuple[dt.date, Scope]]) -> MgdcRun:
        """The ADF runs a Dagster step's partitions need; a context manager."""
        return MgdcRun(self, run_key, dataset, partitions)

    def extract(self, request: ExtractRequest) -> Iterator[pa.RecordBatch]:
        """One partition on its own: one pipeline run for its day (prefer :meth:`for_run`)."""
        day = request.window.start.date()
        run_key = f"adhoc-{day.isoformat()}-{uuid.uuid4().hex[:8]}"  # never another run's folder
        with self.for_run(run_key, request.dataset, [(day, request.scope)]) as run:
            yield from run.extract(request)


@dataclass
class _Delivered:
    """One pipeline run that succeeded, and the delivery it left in staging."""

    planned: PlannedRun
    result: PipelineRunResult
    delivery: Delivery

    def metadata(self, dataset: Dataset, rates: BillingRates) -> dict:
        cost = run_cost(dataset, self.result.rows_copied, rates)
        first, last = self.planned.first_day, self.planned.last_day
        stats = self.delivery.stats
        return {
            f"{METADATA_PREFIX}/run_id": self.result.run_id,
            f"{METADATA_PREFIX}/run_days": f"{first.isoformat()}..{last.isoformat()}",
            f"{METADATA_PREFIX}/run_objects_delivered": cost.objects,
            f"{METADATA_PREFIX}/run_billable_units": cost.units,
            f"{METADATA_PREFIX}/run_estimated_cost_usd": round(cost.usd, 4),
            f"{METADATA_PREFIX}/run_duration_s": round(self.result.duration_s, 1),
            f"{METADATA_PREFIX}/run_lines_quarantined": stats.quarantined if stats else 0,
        }


class MgdcRun:
    """The pipeline runs of one Dagster step (see :meth:`MgdcSource.for_run`); a ``Source``."""

    def __init__(self, source: MgdcSource, run_key: str, dataset: Dataset,
                 partitions: Sequence[tuple[dt.date, Scope]]) -> None:
        self._source = source
        self._settings = source.settings
        self.dataset = dataset
        self.sharepoint_delta = self._settings.sharepoint_delta
        self._run_key = _folder_name(run_key)
        self._scopes = {scope.key: scope for _, scope in partitions}
        self.plan: list[PlannedRun] = plan_runs(dataset, [(day, scope.key) for day, scope in partitions])
        self._delivered: dict[PlannedRun, _Delivered] = {}
        self._synced_columns: tuple[str, ...] | None = None

    def __enter__(self) -> MgdcRun:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Delete every staging blob this step's runs delivered, and their spools (also after a failure)."""
        delivered, self._delivered = self._delivered, {}
        for item in delivered.values():
            item.delivery.__exit__(None, None, None)

    def extract(self, request: ExtractRequest) -> Iterator[pa.RecordBatch]:
        return self._delivery(request).extract(request)

    def extract_delta(self, request: ExtractRequest, since: dt.date) -> Iterator[pa.RecordBatch]:
        """SharePoint delta state: the objects created, updated or deleted since ``since``."""
        return self._delivery(request, since=since).extract(request)

    def partition_metadata(self, request: ExtractRequest) -> dict:
        """The pipeline run behind a partition: its id, days, objects, billable units, cost, duration."""
        return self._delivered[self._planned(request)].metadata(self.dataset, self._settings.rates)

    def _planned(self, request: ExtractRequest) -> PlannedRun:
        day = request.window.start.date()
        for planned in self.plan:
            if planned.scope_key == request.scope.key and planned.first_day <= day <= planned.last_day:
                return planned
        raise ValueError(
            f"{self.dataset.name}: partition {day.isoformat()}|{request.scope.key} is not among this "
            "step's partitions, for which the pipeline runs were planned"
        )

    def _delivery(self, request: ExtractRequest, since: dt.date | None = None) -> Delivery:
        planned = self._planned(request)
        if planned not in self._delivered:
            self._sync(request)
            self._delivered[planned] = self._run(planned, request, since)
        return self._delivered[planned].delivery

    def _sync(self, request: ExtractRequest) -> None:
        """The factory's objects, with exactly the columns the authorization lets this step request."""
        if self._synced_columns == request.columns:
            return
        missing = set(columns_to_deliver(request)) - set(request.columns)
        if missing:  # never ask MGDC for a column outside the grant, not even to split by day
            raise ValueError(
                f"{self.dataset.name}: an MGDC run is split into days by {', '.join(sorted(missing))}, "
                "which is not among the authorized columns; add it to the dataset's columns and have "
                "the app re-approved"
            )
        settings = self._settings
        credentials = settings.credentials
        credential = credentials.certificate or credentials.client_secret  # exactly one is set
        objects = factory_objects(
            settings.app_name, credentials.tenant_id, credentials.client_id, credential,
            settings.staging, self.dataset, request.columns, request.date_filter_column,
            settings.key_vault,
        )
        sync_factory(self._source.factory, settings.app_name, objects)
        self._synced_columns = request.columns

    def _run(self, planned: PlannedRun, request: ExtractRequest, since: dt.date | None) -> _Delivered:
        settings = self._settings
        run_folder = f"{self._run_key}/{planned.scope_key}-{planned.first_day.isoformat()}"
        folder = settings.staging.folder(run_folder, "").rstrip("/")
        parameters = run_parameters(
            planned, self.dataset, self._scopes[planned.scope_key].group_ids,
            settings.staging.folder(run_folder, self.dataset.name), previous_snapshot=since,
        )
        store = AzureDeliveryStore(settings.staging.account_url, settings.staging.container,
                                   prefix=folder, credential=settings.staging_credential)
        delivery = Delivery(
            store, dataclasses.replace(request, window=planned.window),
            max_error_ratio=settings.max_error_ratio, quarantine_dir=settings.quarantine_dir,
            dedupe_messages=settings.dedupe_messages,
        )
        try:
            pipeline = object_name(settings.app_name, self.dataset.short_name)
            result = run_pipeline(self._source.factory, pipeline, parameters, settings.poll)
            delivery.split()
        except BaseException:
            delivery.__exit__(None, None, None)  # a failed or cancelled run may have delivered files
            raise
        return _Delivered(planned, result, delivery)


def _folder_name(run_key: str) -> str:
    """A run key as one safe blob-name segment."""
    return re.sub(r"[^A-Za-z0-9._-]", "-", run_key)[:80] or "run"
