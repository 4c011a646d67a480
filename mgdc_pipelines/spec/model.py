"""The validated, frozen form of an MGDC app spec (the app registration).

The YAML shape (see ``mgdc_pipelines/specs/demo.yaml`` for a complete example)::

    app:        {name, app_id, tenant_id, description, owner}
    source:     {type: synthetic, seed, users, ...}
    sink:       {type: local, path, compression}
    partitions: {start_date}
    scopes:     {<alias>: all | [<group object id>, ...]}
    datasets:   [{name, columns: all | [...], date_filter_column}]
    dagster:    {key_prefix, group_name, max_partitions_per_run, backfill_policy, pool, sensor, schedule}
    downstream: [{name, function: package.module:function, inputs: {param: dataset}, params, partitions}]

Models here only check shapes and formats; checks against the catalog live in
:mod:`mgdc_pipelines.spec.validation`.

Paths (``sink.path``, ``consent.authorization``, ...) are pinned when the spec is validated: a
relative one is taken relative to the spec file's folder (the ``spec_dir`` of the validation
context), so the model holds absolute paths and where a run reads and writes never depends on
the directory it was started from.

>>> LocalSinkSpec.model_validate({"type": "local", "path": "data"}, context={SPEC_DIR: Path("/srv/app")}).path
'/srv/app/data'
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from mgdc_pipelines.catalog import Dataset, Mode, get_dataset
from mgdc_pipelines.catalog.registry import declare_dataset
from mgdc_pipelines.catalog.viva import VIVA_QUERY_PREFIX, is_viva_query, viva_query_dataset

NAME_PATTERN = r"^[a-z][a-z0-9_]{0,62}$"
# Dagster pool names: the default is mgdc/<tenant id>/<source type>; no spaces, `..` or shell
# metacharacters, so a pool name is safe in `dagster instance concurrency set` and the UI.
POOL_NAME_PATTERN = r"^[a-z0-9][a-z0-9_-]*(/[a-z0-9][a-z0-9_-]*)*$"
POOL_NAME_MAX_LENGTH = 200
# A downstream input is a keyword argument of the function and a Dagster input name.
PARAMETER_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]{0,62}$"
DAGSTER_NAME_PATTERN = r"^[A-Za-z0-9_]+$"
KEY_ID_PATTERN = r"^[0-9a-f]{16}$"  # an admin key id, as `consent keygen` prints it
# Scope aliases become Dagster partition keys: no `|`, `,`, `[`, `]` (multi-partition syntax).
SCOPE_ALIAS_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,62}$"
GUID_PATTERN = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
EVERYONE = "all"
MAX_GROUPS_PER_SCOPE = 10  # MGDC's `allowedGroups` limit
# SharePoint data for day D can be queried from D+2 (the reference: "available after 48 h").
# Other datasets are extracted at request time: a day is complete once it has closed.
SHAREPOINT_AVAILABILITY_LAG_HOURS = 48

Guid = Annotated[str, Field(pattern=GUID_PATTERN)]
# The validation-context key holding the folder relative paths are resolved against.
SPEC_DIR = "spec_dir"


def _pin_path(value: str, info: ValidationInfo) -> str:
    """A spec path made absolute: ``~`` expanded, a relative path joined to the spec's folder
    (the working directory when the spec has no file)."""
    if not value.strip():
        raise PydanticCustomError("spec_path", "a path cannot be empty")
    if not value.isprintable():
        raise PydanticCustomError("spec_path", "a path cannot contain control characters (NUL, newlines, escapes)")
    if "{{" in value or "}}" in value:
        raise PydanticCustomError(
            "spec_path", "unknown template in a path; use {{ spec_dir }}, {{ cwd }} or {{ env.NAME }}"
        )
    path = Path(value).expanduser()
    if path.is_absolute():
        return str(path)
    base = (info.context or {}).get(SPEC_DIR) or Path.cwd()
    return str(Path(base) / path)


# A path in the spec, absolute once validated (see the module docstring).
SpecPath = Annotated[str, AfterValidator(_pin_path)]


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AppInfo(_Frozen):
    name: Annotated[str, Field(pattern=NAME_PATTERN)]
    app_id: Guid
    tenant_id: Guid
    description: str = ""
    owner: str = ""


class SyntheticSourceSpec(_Frozen):
    """The embedded synthetic tenant; every other key is a ``TenantConfig`` field."""

    model_config = ConfigDict(extra="allow", frozen=True)
    type: Literal["synthetic"]

    @property
    def options(self) -> dict[str, Any]:
        return dict(self.model_extra or {})


OutputFormat = Literal["parquet", "mgdc-jsonl", "delta"]
DefaultStatus = Literal["running", "stopped"]
Compression = Literal["zstd", "snappy", "gzip", "none"]
EnvName = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")]


class ScheduleSpec(_Frozen):
    """A daily schedule per copy job: the alternative to the sensor (run one of them, not both)."""

    cron: str = "0 6 * * *"
    timezone: str = "UTC"
    default_status: DefaultStatus = "stopped"


# Older Delta versions hold what a re-approval dropped: a spec may keep them this long at most.
MAX_RETENTION_DAYS = 30


class DeltaMaintenanceSpec(_Frozen):
    """``format: delta`` only: the job that compacts each table and vacuums what no version
    younger than ``retention_days`` needs (withdrawn partitions, dropped columns, replaced files,
    files of writers that died). Older versions stop being readable then: the retention is how
    long data the current grant no longer allows may still sit in the table's history."""

    retention_days: Annotated[int, Field(ge=0, le=MAX_RETENTION_DAYS)] = 7
    schedule: ScheduleSpec = ScheduleSpec(cron="0 3 * * *")


class _SinkOutput(_Frozen):
    """What every sink writes: the format, its compression and (Delta) its table maintenance."""

    format: OutputFormat = "parquet"
    compression: Compression = "zstd"
    maintenance: DeltaMaintenanceSpec = DeltaMaintenanceSpec()

    @field_validator("maintenance")  # runs only when the spec writes `maintenance`, after `format`
    @classmethod
    def _maintenance_is_for_delta(cls, value: DeltaMaintenanceSpec, info: ValidationInfo) -> DeltaMaintenanceSpec:
        # A field validator, not a model one: the error then names `sink.maintenance`, not the whole sink.
        written = info.data.get("format")
        if written is not None and written != "delta":
            raise PydanticCustomError(
                "maintenance_without_delta",
                "`maintenance` applies to `format: delta` tables only (this sink writes {format})",
                {"format": written},
            )
        return value


class LocalSinkSpec(_SinkOutput):
    type: Literal["local"]
    path: SpecPath = Field(default="./mgdc_data", validate_default=True)

    def resolved_path(self) -> Path:
        """The sink's folder: ``path``, already pinned to the spec's folder when loaded."""
        return Path(self.path).expanduser().absolute()

    def root_uri(self) -> str:
        """Where the sink writes, as a URI (what consent's destination check compares)."""
        return self.resolved_path().as_uri()


class AzureCredentialSpec(_Frozen):
    """How to authenticate to Azure Storage; secrets are named by environment variable, never inlined."""

    type: Literal["key", "sas", "default", "anonymous"] = "default"
    key_env: EnvName | None = None  # type: key — the account key's variable
    sas_env: EnvName | None = None  # type: sas — the SAS token's variable


class AzureLocation(_Frozen):
    """A container (and optional prefix) in an Azure Blob / ADLS Gen2 account (or Azurite)."""

    account_url: Annotated[str, Field(pattern=r"^https?://[^\s/]+(/[^\s]*)?$")]
    container: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$")]  # Azure naming rules
    prefix: str = ""
    credential: AzureCredentialSpec = AzureCredentialSpec()


class AzureSinkSpec(AzureLocation, _SinkOutput):
    type: Literal["azure"]

    def root_uri(self) -> str:
        """``<account_url>/<container>[/<prefix>]``: where the sink writes."""
        parts = [self.account_url.rstrip("/"), self.container, self.prefix.strip("/")]
        return "/".join(part for part in parts if part)


class _LandingOptions(_Frozen):
    """How MGDC JSON-lines deliveries are read: quarantine and quality bar (see ``sources/landing``)."""

    max_error_ratio: Annotated[float, Field(ge=0, le=1)] = 0.01
    quarantine_dir: SpecPath = Field(default="./mgdc_quarantine", validate_default=True)
    dedupe_messages: bool = False  # drop repeats of an internetMessageId across mailboxes


class LandingSourceSpec(_LandingOptions):
    """MGDC JSON-lines deliveries (e.g. from Azure Data Factory) in a local folder or a container."""

    type: Literal["landing"]
    path: SpecPath | None = None  # a local folder, or:
    azure: AzureLocation | None = None


class _ServicePrincipal(_Frozen):
    """The app's Entra ID service principal: a client secret or a certificate, named by variable.

    ``client_secret_env`` names the secret's environment variable; a certificate is
    ``certificate_thumbprint`` plus the PEM private key, from ``certificate_path`` or the variable
    ``private_key_env``. ``authority_host`` selects the cloud (sovereign clouds, or the local
    emulator); ``ca_bundle`` is a PEM file of CAs to trust instead of the system store (TLS is
    always verified).
    """

    client_id: Guid | None = None  # default: app.app_id
    client_secret_env: EnvName | None = None
    certificate_path: SpecPath | None = None
    certificate_thumbprint: Annotated[str, Field(pattern=r"^[0-9A-Fa-f]{40}$")] | None = None
    private_key_env: EnvName | None = None
    authority_host: Annotated[str, Field(pattern=r"^https://[^\s/]+/?$")] = "https://login.microsoftonline.com"
    ca_bundle: SpecPath | None = None


GraphUrl = Annotated[str, Field(pattern=r"^https://[^\s]+$")]


class GraphSourceSpec(_ServicePrincipal):
    """Microsoft Graph's transactional API, for tenants without MGDC; the tenant is ``app.tenant_id``.

    ``graph_url`` selects the cloud's Graph endpoint (or the local emulator's).
    """

    type: Literal["graph"]
    graph_url: GraphUrl = "https://graph.microsoft.com/v1.0"
    max_concurrency: Annotated[int, Field(ge=1, le=256)] = 16
    page_size: Annotated[int, Field(ge=1, le=1000)] | None = None
    # Delta links kept between sensor ticks.
    state_dir: SpecPath = Field(default="./.mgdc_state/graph", validate_default=True)


class KeyVaultSpec(_Frozen):
    """The Azure Key Vault secret holding the app's certificate (PKCS#12) for the factory's
    staging linked service, which takes a certificate from nowhere else."""

    url: Annotated[str, Field(pattern=r"^https://[A-Za-z0-9-]{3,24}\.vault\.azure\.net/?$")]
    certificate_secret: Annotated[str, Field(pattern=r"^[A-Za-z0-9-]{1,127}$")]


class MgdcSourceSpec(_ServicePrincipal, _LandingOptions):
    """Microsoft Graph Data Connect itself, run by copy pipelines in an Azure Data Factory.

    The app keeps one pipeline per dataset in ``factory`` (created and updated from the spec,
    names starting ``mgdc-<app name>-``), runs it for each partition range, reads what MGDC
    delivered into ``staging`` (a container the factory's sink writes to) and deletes it once
    committed. The service principal needs Data Factory Contributor on the factory and Storage
    Blob Data Contributor on the staging account; its credential is also handed to the factory's
    linked services (MGDC accepts only service-principal authentication for its sinks): the
    client secret, or the certificate as a PKCS#12, so the PEM of ``certificate_path`` or
    ``private_key_env`` must then hold the certificate beside its private key, and ``key_vault``
    names the vault secret where the operator stored the same certificate (the staging linked
    service reads it there; the factory's managed identity needs Key Vault Secrets User on it).
    ``graph_url`` is where group scopes and deny lists are expanded into members.
    """

    type: Literal["mgdc"]
    subscription_id: Guid
    resource_group: Annotated[str, Field(pattern=r"^[-\w._()]{1,90}$")]
    factory: Annotated[str, Field(pattern=r"^[A-Za-z0-9](?:[A-Za-z0-9-]{1,61}[A-Za-z0-9])$")]
    staging: AzureLocation
    management_url: Annotated[str, Field(pattern=r"^https://[^\s/]+/?$")] = "https://management.azure.com"
    # The token scope for ARM; default: management_url + /.default (set it when management_url is
    # a proxy or private endpoint whose tokens are still ARM's own).
    management_scope: Annotated[str, Field(pattern=r"^https://\S+/\.default$")] | None = None
    graph_url: GraphUrl = "https://graph.microsoft.com/v1.0"
    # Polling a run: the first wait, growing by half each time up to 60 s; a run still going
    # after timeout_minutes is cancelled (MGDC's fixed overhead alone is about 45 minutes).
    poll_seconds: Annotated[float, Field(gt=0, le=600)] = 30
    timeout_minutes: Annotated[int, Field(ge=1, le=24 * 60)] = 6 * 60
    # The price of a billing unit (1,000 objects; SharePointFiles_v1: 50,000) for cost estimates.
    usd_per_unit: Annotated[float, Field(ge=0)] = 0.75
    # SharePoint delta-state datasets: ask for the changes since the last committed snapshot.
    sharepoint_delta: bool = True
    key_vault: KeyVaultSpec | None = None


SourceSpec = Annotated[
    SyntheticSourceSpec | LandingSourceSpec | GraphSourceSpec | MgdcSourceSpec, Field(discriminator="type")
]
SinkSpec = Annotated[LocalSinkSpec | AzureSinkSpec, Field(discriminator="type")]


class PartitionsSpec(_Frozen):
    # Bounded like the synthetic tenant's start: Microsoft 365 data is no older, and a start
    # centuries back would give Dagster hundreds of thousands of daily partitions to list.
    start_date: Annotated[dt.date, Field(ge=dt.date(2000, 1, 1), le=dt.date(2090, 12, 31))]


class ScopeSpec(_Frozen):
    """A scope alias and the groups it stands for (``None``: the whole organization)."""

    key: Annotated[str, Field(pattern=SCOPE_ALIAS_PATTERN)]
    group_ids: tuple[Guid, ...] | None = None

    @property
    def is_everyone(self) -> bool:
        return self.group_ids is None


Transform = Literal["hash", "drop"]


class DatasetSpec(_Frozen):
    name: str
    columns: tuple[str, ...] | Literal["all"] = "all"
    date_filter_column: str | None = None
    # Per-column transforms applied before writing, approved with the grant: `hash` (keyed
    # HMAC-SHA256; addresses inside recipient structs) or `drop` (read, never written).
    transforms: dict[str, Transform] = Field(default_factory=dict)
    # Hours after a UTC day closes before its data can be copied; default: 48 for SharePoint, else 0.
    availability_lag_hours: Annotated[int, Field(ge=0, le=24 * 30)] | None = None
    # Whether a copy that produced no rows may replace a committed partition that has rows. Off:
    # such a run fails naming the partition and its committed rows, and they stay as they were
    # (a 0-byte delivery or an outage must not erase a day). An empty first commit is always fine.
    allow_empty_replacement: bool = False
    # Viva Insights query datasets only (VivaInsightsDataset_Report_v1_<query>): the query's
    # columns and their types, e.g. {ObjectId: STRING, MetricDate: TIMESTAMP, CollaborationHours:
    # DOUBLE}; catalog datasets have a fixed schema.
    column_types: dict[str, str] | None = None

    @model_validator(mode="after")
    def _declare_viva_query(self) -> DatasetSpec:
        """A Viva query's schema comes from the spec: declare it so the process finds it by name."""
        if is_viva_query(self.name):
            if self.column_types is None:
                raise ValueError(
                    f"{self.name}: a Viva Insights query dataset needs `column_types` "
                    "({column: TYPE}), since its columns vary per query"
                )
            declare_dataset(viva_query_dataset(self.name, self.column_types))
        elif self.column_types is not None:
            raise ValueError(
                f"{self.name}: `column_types` is only for Viva Insights query datasets "
                f"({VIVA_QUERY_PREFIX}<query>); catalog datasets have a fixed schema"
            )
        return self

    @property
    def dataset(self) -> Dataset:
        return get_dataset(self.name)

    @property
    def availability_lag(self) -> dt.timedelta:
        """How long after its day closes a partition becomes copyable (the sensors wait that long)."""
        hours = self.availability_lag_hours
        if hours is None:
            hours = SHAREPOINT_AVAILABILITY_LAG_HOURS if self.dataset.mode is Mode.SHAREPOINT else 0
        return dt.timedelta(hours=hours)

    @property
    def selected_columns(self) -> tuple[str, ...]:
        """The content columns, in catalog order (``all`` expanded)."""
        catalog_columns = self.dataset.column_names
        if self.columns == "all":
            return catalog_columns
        wanted = set(self.columns)
        return tuple(name for name in catalog_columns if name in wanted)

    @property
    def written_columns(self) -> tuple[str, ...]:
        """The selected columns minus those the spec drops before writing."""
        return tuple(c for c in self.selected_columns if self.transforms.get(c) != "drop")


class ConsentSpec(_Frozen):
    """Where the app's admin authorization and audit log live, and which admin key it expects.

    The admin keys the runtime TRUSTS are not the spec's to choose: the deployment's operator
    lists them (``MGDC_TRUSTED_ADMIN_KEYS``, see :mod:`mgdc_pipelines.consent.trust`). A spec may
    pin the one it expects (``admin_key``: a key id as ``consent keygen`` prints it). A relative
    ``authorization`` or ``state_dir`` is relative to the spec's folder, like every path of the
    spec (``{{ cwd }}`` names the working directory).
    """

    authorization: SpecPath
    # Audit log (hash-chained); default: the authorization's folder.
    state_dir: SpecPath | None = None
    admin_key: Annotated[str, Field(pattern=KEY_ID_PATTERN)] | None = None
    # Environment variable holding the HMAC key for `hash` transforms (never the key itself).
    hash_key_env: EnvName = "MGDC_HASH_KEY"
    public_key: str | None = Field(default=None, exclude=True)  # refused: see the validator

    @field_validator("public_key")
    @classmethod
    def _public_key_is_not_the_specs(cls, value: str | None) -> str | None:
        if value is not None:
            raise ValueError(
                "a spec no longer names the admin's public key: the deployment's operator lists the "
                "trusted admin keys in MGDC_TRUSTED_ADMIN_KEYS; remove `public_key` (to pin the key "
                "you expect, write `admin_key: <key id>`)"
            )
        return value

    def authorization_path(self) -> Path:
        return Path(self.authorization).expanduser().absolute()

    def state_path(self) -> Path:
        if self.state_dir:
            return Path(self.state_dir).expanduser().absolute()
        return self.authorization_path().parent


class SensorSpec(_Frozen):
    """The availability sensor: requests each (day, scope) partition once its day closed + lag."""

    default_status: DefaultStatus = "running"
    minimum_interval_seconds: Annotated[int, Field(ge=30, le=86_400)] = 300
    # Days before the latest available one a fresh cursor (or a newly authorized scope) starts
    # from; older history is a backfill's job.
    lookback_days: Annotated[int, Field(ge=1, le=366)] = 3


class PoolSpec(_Frozen):
    """The Dagster pool every copy op of the app claims a slot in: the source's throttling budget.

    ``name`` defaults to ``mgdc/<tenant_id>/<source type>``, shared by all apps reading the same
    tenant through the same source. ``limit`` is set on the instance for a pool that has none yet.
    """

    name: Annotated[str, Field(pattern=POOL_NAME_PATTERN, max_length=POOL_NAME_MAX_LENGTH)] | None = None
    limit: Annotated[int, Field(ge=1, le=1_000)] = 4


class DagsterSpec(_Frozen):
    # Default (None): the app's name, so that apps in one code location never share an asset key.
    key_prefix: tuple[Annotated[str, Field(pattern=DAGSTER_NAME_PATTERN)], ...] | None = None
    group_name: Annotated[str, Field(pattern=NAME_PATTERN)] | None = None  # default: app.name
    max_partitions_per_run: Annotated[int, Field(ge=1, le=10_000)] = 31
    # multi_run: backfills become runs of at most max_partitions_per_run partitions each.
    backfill_policy: Literal["multi_run", "single_run"] = "multi_run"
    pool: PoolSpec = PoolSpec()
    sensor: SensorSpec = SensorSpec()
    schedule: ScheduleSpec = ScheduleSpec()


DownstreamPartitioning = Literal["weekly", "daily", "none"]


class DownstreamSpec(_Frozen):
    """A downstream asset computed by a plain function of the app's datasets (``downstream:``).

    ``function`` is ``package.module:function``; it is called with one keyword argument per
    ``inputs`` entry (parameter name → a dataset of this spec, as a ``pyarrow.Table``, or a
    downstream entry declared above it, as that function returned it) plus ``params``.
    """

    name: Annotated[str, Field(pattern=NAME_PATTERN)]
    function: str
    inputs: dict[Annotated[str, Field(pattern=PARAMETER_PATTERN)], str]
    params: dict[str, Any] = Field(default_factory=dict)
    # weekly (Sunday-based UTC weeks) and daily read every scope of their days; none reads
    # every materialized partition.
    partitions: DownstreamPartitioning = "weekly"
    description: str = ""


class AppSpec(_Frozen):
    """A whole app: what it copies (datasets, columns, scopes), from where and to where."""

    app: AppInfo
    source: SourceSpec
    sink: SinkSpec
    partitions: PartitionsSpec
    scopes: tuple[ScopeSpec, ...]
    datasets: tuple[DatasetSpec, ...]
    # Without a consent block the app has no authorization: every run is refused (pending).
    consent: ConsentSpec | None = None
    dagster: DagsterSpec = DagsterSpec()
    # Assets computed from the datasets by plain functions (see DownstreamSpec).
    downstream: tuple[DownstreamSpec, ...] = ()
    spec_path: str | None = Field(default=None, exclude=True)

    @field_validator("scopes", mode="before")
    @classmethod
    def _scopes_from_mapping(cls, value: Any) -> Any:
        """YAML writes scopes as ``{alias: all | [group ids]}``; models hold a tuple."""
        if not isinstance(value, dict):
            return value
        return tuple(
            {"key": key, "group_ids": _group_list(groups)} for key, groups in value.items()
        )

    @property
    def name(self) -> str:
        return self.app.name

    @property
    def scope_keys(self) -> tuple[str, ...]:
        return tuple(scope.key for scope in self.scopes)

    def scope(self, key: str) -> ScopeSpec:
        for scope in self.scopes:
            if scope.key == key:
                return scope
        raise KeyError(f"app {self.name} has no scope {key!r}; scopes: {', '.join(self.scope_keys)}")

    def dataset(self, name: str) -> DatasetSpec:
        wanted = get_dataset(name).name
        for item in self.datasets:
            if item.dataset.name == wanted:
                return item
        raise KeyError(f"app {self.name} does not declare dataset {name!r}")


def _group_list(groups: Any) -> Any:
    if groups == EVERYONE:
        return None
    return [groups] if isinstance(groups, str) else groups


def is_guid(value: str) -> bool:
    return re.fullmatch(GUID_PATTERN, value) is not None
