"""The validated, frozen form of an MGDC app spec (the app registration).

The YAML shape (see ``mgdc_pipelines/specs/demo.yaml`` for a complete example)::

    app:        {name, app_id, tenant_id, description, owner}
    source:     {type: synthetic, seed, users, ...}
    sink:       {type: local, path, compression}
    partitions: {start_date}
    scopes:     {<alias>: all | [<group object id>, ...]}
    datasets:   [{name, columns: all | [...], date_filter_column}]
    dagster:    {key_prefix, group_name, max_partitions_per_run}

Models here only check shapes and formats; checks against the catalog live in
:mod:`mgdc_pipelines.spec.validation`.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from mgdc_pipelines.catalog import Dataset, get_dataset

NAME_PATTERN = r"^[a-z][a-z0-9_]{0,62}$"
# Scope aliases become Dagster partition keys: no `|`, `,`, `[`, `]` (multi-partition syntax).
SCOPE_ALIAS_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,62}$"
GUID_PATTERN = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
EVERYONE = "all"
MAX_GROUPS_PER_SCOPE = 10  # MGDC's `allowedGroups` limit

Guid = Annotated[str, Field(pattern=GUID_PATTERN)]


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


OutputFormat = Literal["parquet", "mgdc-jsonl"]
Compression = Literal["zstd", "snappy", "gzip", "none"]
EnvName = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")]


class LocalSinkSpec(_Frozen):
    type: Literal["local"]
    path: str = "./mgdc_data"
    format: OutputFormat = "parquet"
    compression: Compression = "zstd"

    def resolved_path(self) -> Path:
        """Relative paths are relative to the working directory, like any CLI's output path."""
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


class AzureSinkSpec(AzureLocation):
    type: Literal["azure"]
    format: OutputFormat = "parquet"
    compression: Compression = "zstd"

    def root_uri(self) -> str:
        """``<account_url>/<container>[/<prefix>]``: where the sink writes."""
        parts = [self.account_url.rstrip("/"), self.container, self.prefix.strip("/")]
        return "/".join(part for part in parts if part)


class LandingSourceSpec(_Frozen):
    """MGDC JSON-lines deliveries (e.g. from Azure Data Factory) in a local folder or a container."""

    type: Literal["landing"]
    path: str | None = None  # a local folder, or:
    azure: AzureLocation | None = None
    max_error_ratio: Annotated[float, Field(ge=0, le=1)] = 0.01
    quarantine_dir: str = "./mgdc_quarantine"
    dedupe_messages: bool = False  # drop repeats of an internetMessageId across mailboxes


SourceSpec = Annotated[SyntheticSourceSpec | LandingSourceSpec, Field(discriminator="type")]
SinkSpec = Annotated[LocalSinkSpec | AzureSinkSpec, Field(discriminator="type")]


class PartitionsSpec(_Frozen):
    start_date: dt.date


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

    @property
    def dataset(self) -> Dataset:
        return get_dataset(self.name)

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
    """Where the app's admin authorization lives, and the keys the runtime needs.

    The runtime holds only the admin's *public* key. Paths may use ``{{ spec_dir }}`` for files
    kept next to the spec; other relative paths are relative to the working directory.
    """

    authorization: str
    public_key: str
    # Audit log and suspension records; default: the authorization's folder.
    state_dir: str | None = None
    # Environment variable holding the HMAC key for `hash` transforms (never the key itself).
    hash_key_env: EnvName = "MGDC_HASH_KEY"

    def authorization_path(self) -> Path:
        return Path(self.authorization).expanduser().absolute()

    def public_key_path(self) -> Path:
        return Path(self.public_key).expanduser().absolute()

    def state_path(self) -> Path:
        if self.state_dir:
            return Path(self.state_dir).expanduser().absolute()
        return self.authorization_path().parent


class DagsterSpec(_Frozen):
    key_prefix: tuple[Annotated[str, Field(pattern=r"^[A-Za-z0-9_]+$")], ...] = ("mgdc",)
    group_name: str | None = None
    max_partitions_per_run: Annotated[int, Field(ge=1, le=10_000)] = 31


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
