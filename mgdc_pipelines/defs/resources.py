"""Dagster resources that hand the copy path its source and its sink.

Both are plain ``ConfigurableResource``s, so runs can override them from the launchpad, and
tests or deployments can swap them (e.g. a sink on another path) without touching the spec.

>>> import tempfile
>>> sink = LocalSinkResource(path=tempfile.mkdtemp()).get_sink()
>>> type(sink).__name__
'LocalSink'
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import dagster as dg
from dagster_azure.blob import (
    AzureBlobStorageAnonymousCredential,
    AzureBlobStorageDefaultCredential,
    AzureBlobStorageKeyCredential,
    AzureBlobStorageResource,
    AzureBlobStorageSASTokenCredential,
)

from mgdc_pipelines.consent.transforms import MIN_HASH_KEY_BYTES
from mgdc_pipelines.sinks.azure import AzureBlobSink, BlobCredential, clean_prefix
from mgdc_pipelines.sinks.azure_account import parse_account_url
from mgdc_pipelines.sinks.delta import DeltaSink
from mgdc_pipelines.sinks.local import LocalSink
from mgdc_pipelines.sources.base import Source
from mgdc_pipelines.sources.graph import ClientCertificate, GraphCredentials, GraphSettings, GraphSource
from mgdc_pipelines.sources.landing import AzureDeliveryStore, LandingSource
from mgdc_pipelines.sources.mgdc import (
    BillingRates,
    FactoryLocation,
    KeyVaultSecret,
    MgdcSettings,
    MgdcSource,
    PollPolicy,
    StagingLocation,
)
from mgdc_pipelines.sources.landing.store import DEFAULT_CHUNK_SIZE
from mgdc_pipelines.sources.synthetic import SyntheticSource, TenantConfig
from mgdc_pipelines.spec.model import GraphSourceSpec, LandingSourceSpec, MgdcSourceSpec, _ServicePrincipal
from mgdc_pipelines.spec.model import AppSpec, LocalSinkSpec, SyntheticSourceSpec
from mgdc_pipelines.spec.model import AzureCredentialSpec, AzureSinkSpec


class SyntheticTenantResource(dg.ConfigurableResource):
    """The embedded synthetic Microsoft 365 tenant; ``options`` are ``TenantConfig`` fields."""

    options: dict[str, Any] = {}

    def get_source(self) -> Source:
        return SyntheticSource(TenantConfig(**self.options))


class LandingSourceResource(dg.ConfigurableResource):
    """MGDC JSON-lines deliveries in a local folder (see ``mgdc_pipelines.sources.landing``)."""

    path: str
    max_error_ratio: float = 0.01
    quarantine_dir: str = "./mgdc_quarantine"
    dedupe_messages: bool = False

    def get_source(self) -> LandingSource:
        return LandingSource(
            self.path,
            max_error_ratio=self.max_error_ratio,
            quarantine_dir=self.quarantine_dir,
            dedupe_messages=self.dedupe_messages,
        )


class AzureLandingSourceResource(dg.ConfigurableResource):
    """MGDC deliveries under ``prefix`` in an Azure Blob container (or Azurite).

    ``storage`` is dagster-azure's resource, as for :class:`AzureSinkResource`: secrets are
    ``dg.EnvVar``s, shown by name only; anonymous access (a public container) is allowed.
    """

    storage: AzureBlobStorageResource
    container: str
    prefix: str = ""
    max_error_ratio: float = 0.01
    quarantine_dir: str = "./mgdc_quarantine"
    dedupe_messages: bool = False
    chunk_size: int = DEFAULT_CHUNK_SIZE

    def get_source(self) -> LandingSource:
        credential = self.storage.credential
        store = AzureDeliveryStore(
            self.storage.account_url,
            self.container,
            prefix=self.prefix,
            credential=None if credential.credential_type == "anonymous" else _blob_credential(credential),
            chunk_size=self.chunk_size,
        )
        return LandingSource(
            store,
            max_error_ratio=self.max_error_ratio,
            quarantine_dir=self.quarantine_dir,
            dedupe_messages=self.dedupe_messages,
        )

    def __repr_args__(self):
        return _without_secrets(self, super().__repr_args__())


class _ServicePrincipalResource(dg.ConfigurableResource):
    """The app's Entra ID credentials; secrets as ``dg.EnvVar``s, never in the repr."""

    tenant_id: str
    client_id: str
    client_secret: Optional[str] = None
    certificate_thumbprint: Optional[str] = None
    certificate_path: Optional[str] = None  # PEM file holding the private key
    private_key: Optional[str] = None  # or the PEM private key itself (from an EnvVar)
    authority_host: str = "https://login.microsoftonline.com"
    ca_bundle: Optional[str] = None

    def credentials(self) -> GraphCredentials:
        return GraphCredentials(
            tenant_id=self.tenant_id,
            client_id=self.client_id,
            client_secret=self.client_secret,
            certificate=self._certificate(),
            authority_host=self.authority_host,
        )

    def _certificate(self) -> ClientCertificate | None:
        if self.private_key is None and self.certificate_path is None:
            return None
        if self.certificate_thumbprint is None:
            raise ValueError("source: a certificate credential needs certificate_thumbprint")
        pem = self.private_key if self.private_key is not None else Path(self.certificate_path).read_text()
        return ClientCertificate(pem, self.certificate_thumbprint)

    def __repr_args__(self):
        for name, value in _masked(super().__repr_args__(), ("client_secret", "private_key")):
            if isinstance(value, AzureBlobStorageResource):
                value = f"{value.account_url} ({value.credential.credential_type} credential)"
            yield name, value


class GraphSourceResource(_ServicePrincipalResource):
    """Microsoft Graph through MSAL's client-credentials flow (``mgdc_pipelines.sources.graph``).

    Give ``client_secret`` (or the certificate's ``private_key``) as a ``dg.EnvVar``: the UI and
    run config then show the variable's name, and this resource's repr shows neither.

    >>> resource = GraphSourceResource(tenant_id="t", client_id="c", client_secret="hidden-value")
    >>> "hidden-value" in repr(resource)
    False
    >>> resource.get_source()
    GraphSource(GraphCredentials(tenant_id='t', client_id='c', credential='client secret', authority='https://login.microsoftonline.com/t'), graph_url='https://graph.microsoft.com/v1.0')
    """

    graph_url: str = "https://graph.microsoft.com/v1.0"
    max_concurrency: int = 16
    page_size: Optional[int] = None
    state_dir: Optional[str] = None

    def get_source(self) -> GraphSource:
        return GraphSource(
            GraphSettings(
                self.credentials(),
                graph_url=self.graph_url,
                ca_bundle=self.ca_bundle,
                max_concurrency=self.max_concurrency,
                page_size=self.page_size,
                state_dir=self.state_dir,
            )
        )


class MgdcSourceResource(_ServicePrincipalResource):
    """MGDC itself, through copy pipelines in an Azure Data Factory (``mgdc_pipelines.sources.mgdc``).

    ``staging`` is dagster-azure's resource for the account the factory delivers into (the
    container and prefix beside it); the client secret (or the certificate's PEM key and
    certificate), as a ``dg.EnvVar``, authenticates both to Azure Resource Manager and, through the
    factory's linked services, MGDC's copy.

    >>> from dagster_azure.blob import AzureBlobStorageDefaultCredential, AzureBlobStorageResource
    >>> resource = MgdcSourceResource(
    ...     app_name="hr", tenant_id="t", client_id="c", client_secret="hidden-value",
    ...     subscription_id="s", resource_group="rg", factory="adf",
    ...     staging=AzureBlobStorageResource(account_url="https://contoso.blob.core.windows.net",
    ...                                      credential=AzureBlobStorageDefaultCredential()),
    ...     staging_container="mgdc-staging")
    >>> "hidden-value" in repr(resource), resource.get_source()
    (False, MgdcSource(factory='/subscriptions/s/resourceGroups/rg/providers/Microsoft.DataFactory/factories/adf', staging='https://contoso.blob.core.windows.net/mgdc-staging'))
    """

    app_name: str
    subscription_id: str
    resource_group: str
    factory: str
    staging: AzureBlobStorageResource
    staging_container: str
    staging_prefix: str = ""
    management_url: str = "https://management.azure.com"
    management_scope: Optional[str] = None
    graph_url: str = "https://graph.microsoft.com/v1.0"
    poll_seconds: float = 30
    timeout_minutes: int = 6 * 60
    usd_per_unit: float = 0.75
    sharepoint_delta: bool = True
    max_error_ratio: float = 0.01
    quarantine_dir: str = "./mgdc_quarantine"
    dedupe_messages: bool = False
    # The Key Vault secret the staging linked service reads a certificate credential from.
    key_vault_url: Optional[str] = None
    key_vault_certificate_secret: Optional[str] = None

    def get_source(self) -> MgdcSource:
        return MgdcSource(
            MgdcSettings(
                app_name=self.app_name,
                credentials=self.credentials(),
                factory=FactoryLocation(self.subscription_id, self.resource_group, self.factory),
                staging=StagingLocation(self.staging.account_url, self.staging_container, self.staging_prefix),
                staging_credential=_blob_credential(self.staging.credential),
                management_url=self.management_url,
                management_scope=self.management_scope,
                graph_url=self.graph_url,
                ca_bundle=self.ca_bundle,
                poll=PollPolicy(first_interval_s=self.poll_seconds, max_interval_s=max(60, self.poll_seconds),
                                timeout_s=self.timeout_minutes * 60),
                rates=BillingRates(usd_per_unit=self.usd_per_unit),
                sharepoint_delta=self.sharepoint_delta,
                max_error_ratio=self.max_error_ratio,
                quarantine_dir=self.quarantine_dir,
                dedupe_messages=self.dedupe_messages,
                key_vault=KeyVaultSecret(self.key_vault_url, self.key_vault_certificate_secret)
                if self.key_vault_url and self.key_vault_certificate_secret else None,
            )
        )


class LocalSinkResource(dg.ConfigurableResource):
    """Delta tables, or Hive-style Parquet / MGDC JSON-lines folders, on a local (or mounted)
    filesystem.

    >>> LocalSinkResource(path="/data/mgdc", format="delta").get_sink()
    DeltaSink('file:///data/mgdc')
    """

    path: str
    format: str = "parquet"
    compression: str = "zstd"

    def get_sink(self) -> LocalSink | DeltaSink:
        if self.format == "delta":
            return DeltaSink.local(self.path, compression=self.compression)
        return LocalSink(self.path, format=self.format, compression=self.compression)


class AzureSinkResource(dg.ConfigurableResource):
    """Hive-style folders in an Azure Blob / ADLS Gen2 container (or Azurite), one manifest each.

    ``storage`` is dagster-azure's own resource (account URL + credential); give secrets as
    ``dg.EnvVar`` so the UI and run config show the variable's name, never its value.

    >>> from dagster_azure.blob import AzureBlobStorageDefaultCredential, AzureBlobStorageResource
    >>> resource = AzureSinkResource(
    ...     storage=AzureBlobStorageResource(
    ...         account_url="https://contoso.blob.core.windows.net",
    ...         credential=AzureBlobStorageDefaultCredential(),
    ...     ),
    ...     container="mgdc",
    ...     prefix="exports",
    ... )
    >>> resource.get_sink().uri()
    'https://contoso.blob.core.windows.net/mgdc/exports'
    """

    storage: AzureBlobStorageResource
    container: str
    prefix: str = ""
    format: str = "parquet"
    compression: str = "zstd"

    def get_sink(self) -> AzureBlobSink | DeltaSink:
        blobs = AzureBlobSink(
            self.storage.account_url,
            self.container,
            credential=_blob_credential(self.storage.credential),
            prefix=self.prefix,
            format="parquet" if self.format == "delta" else self.format,
            compression=self.compression,
        )
        return DeltaSink.azure(blobs, compression=self.compression) if self.format == "delta" else blobs

    def __repr_args__(self):
        return _without_secrets(self, super().__repr_args__())


def _without_secrets(resource, args):
    """Repr args with the nested storage resource shown as URL + credential type, never the key."""
    for name, value in args:
        if name == "storage":
            kind = resource.storage.credential.credential_type
            value = f"{resource.storage.account_url} ({kind} credential)"
        yield name, value


def _masked(args, secrets: tuple[str, ...]):
    """Repr args with the value of each of ``secrets`` (once resolved from its ``EnvVar``, the
    secret itself) shown as ``***``."""
    for name, value in args:
        yield name, "***" if name in secrets and value is not None else value


class ConsentResource(dg.ConfigurableResource):
    """Secrets the consent layer needs at run time; ``hash_key`` comes from an ``EnvVar``, and
    is never in the repr.

    >>> ConsentResource(hash_key="an-hmac-key-of-16-bytes-or-more")
    ConsentResource(hash_key='***')
    """

    hash_key: Optional[str] = None

    def __repr_args__(self):
        return _masked(super().__repr_args__(), ("hash_key",))

    def get_hash_key(self) -> bytes | None:
        if self.hash_key is None:
            return None
        key = self.hash_key.encode()
        if len(key) < MIN_HASH_KEY_BYTES:
            raise ValueError(f"the hash key must be at least {MIN_HASH_KEY_BYTES} bytes long")
        return key


def consent_resource(app: AppSpec) -> dg.ConfigurableResource:
    """Reads the HMAC key from the spec's ``consent.hash_key_env`` only if a column is hashed."""
    hashes = any(t == "hash" for item in app.datasets for t in item.transforms.values())
    if not hashes or app.consent is None:
        return ConsentResource()
    return ConsentResource(hash_key=dg.EnvVar(app.consent.hash_key_env))


def source_resource(app: AppSpec) -> dg.ConfigurableResource:
    """The resource the spec's ``source:`` block describes."""
    spec = app.source
    if isinstance(spec, SyntheticSourceSpec):
        return SyntheticTenantResource(options=spec.options)
    if isinstance(spec, LandingSourceSpec):
        return _landing_resource(spec)
    if isinstance(spec, GraphSourceSpec):
        return _graph_resource(app, spec)
    if isinstance(spec, MgdcSourceSpec):
        return _mgdc_resource(app, spec)
    raise ValueError(f"unsupported source type {spec.type!r}")


def _graph_resource(app: AppSpec, spec: GraphSourceSpec) -> GraphSourceResource:
    return GraphSourceResource(
        **_service_principal(app, spec),
        graph_url=spec.graph_url,
        max_concurrency=spec.max_concurrency,
        page_size=spec.page_size,
        state_dir=_absolute(spec.state_dir),
    )


def _mgdc_resource(app: AppSpec, spec: MgdcSourceSpec) -> MgdcSourceResource:
    staging = spec.staging
    try:
        parse_account_url(staging.account_url)
        clean_prefix(staging.prefix)
    except ValueError as error:
        raise ValueError(f"source.staging: {error}") from None
    credential = _storage_credential(staging.credential, "source.staging", writes=True)
    return MgdcSourceResource(
        **_service_principal(app, spec),
        app_name=app.name,
        subscription_id=spec.subscription_id,
        resource_group=spec.resource_group,
        factory=spec.factory,
        staging=AzureBlobStorageResource(account_url=staging.account_url, credential=credential),
        staging_container=staging.container,
        staging_prefix=staging.prefix,
        management_url=spec.management_url,
        management_scope=spec.management_scope,
        graph_url=spec.graph_url,
        poll_seconds=spec.poll_seconds,
        timeout_minutes=spec.timeout_minutes,
        usd_per_unit=spec.usd_per_unit,
        sharepoint_delta=spec.sharepoint_delta,
        max_error_ratio=spec.max_error_ratio,
        quarantine_dir=_absolute(spec.quarantine_dir),
        dedupe_messages=spec.dedupe_messages,
        key_vault_url=spec.key_vault.url if spec.key_vault else None,
        key_vault_certificate_secret=spec.key_vault.certificate_secret if spec.key_vault else None,
    )


def _service_principal(app: AppSpec, spec: _ServicePrincipal) -> dict[str, Any]:
    """Credential fields of a source resource; secrets read from the named variables at run time."""
    return dict(
        tenant_id=app.app.tenant_id,
        client_id=spec.client_id or app.app.app_id,
        client_secret=dg.EnvVar(spec.client_secret_env) if spec.client_secret_env else None,
        certificate_thumbprint=spec.certificate_thumbprint,
        certificate_path=_absolute(spec.certificate_path),
        private_key=dg.EnvVar(spec.private_key_env) if spec.private_key_env else None,
        authority_host=spec.authority_host,
        ca_bundle=_absolute(spec.ca_bundle),
    )


def _absolute(path: str | None) -> str | None:
    return None if path is None else str(Path(path).expanduser().absolute())


def _landing_resource(spec: LandingSourceSpec) -> dg.ConfigurableResource:
    if spec.azure is not None:
        location = spec.azure
        try:
            parse_account_url(location.account_url)
        except ValueError as error:
            raise ValueError(f"source.azure: {error}") from None
        credential = _storage_credential(location.credential, "source.azure", writes=False)
        return AzureLandingSourceResource(
            storage=AzureBlobStorageResource(account_url=location.account_url, credential=credential),
            container=location.container,
            prefix=location.prefix,
            max_error_ratio=spec.max_error_ratio,
            quarantine_dir=str(Path(spec.quarantine_dir).expanduser().absolute()),
            dedupe_messages=spec.dedupe_messages,
        )
    # The spec made its paths absolute (relative ones are relative to the spec's folder).
    return LandingSourceResource(
        path=str(Path(spec.path).expanduser().absolute()),
        max_error_ratio=spec.max_error_ratio,
        quarantine_dir=str(Path(spec.quarantine_dir).expanduser().absolute()),
        dedupe_messages=spec.dedupe_messages,
    )


def sink_resource(app: AppSpec) -> dg.ConfigurableResource:
    """The resource the spec's ``sink:`` block describes."""
    spec = app.sink
    if isinstance(spec, LocalSinkSpec):
        return LocalSinkResource(path=str(spec.resolved_path()), format=spec.format, compression=spec.compression)
    if isinstance(spec, AzureSinkSpec):
        return azure_sink_resource(spec)
    raise ValueError(f"unsupported sink type {spec.type!r}")


def azure_sink_resource(spec: AzureSinkSpec) -> AzureSinkResource:
    """The Azure sink a spec describes; its secret is read from the named variable at run time."""
    try:
        parse_account_url(spec.account_url)
        clean_prefix(spec.prefix)
    except ValueError as error:
        raise ValueError(f"sink: {error}") from None
    return AzureSinkResource(
        storage=AzureBlobStorageResource(
            account_url=spec.account_url, credential=_storage_credential(spec.credential, "sink", writes=True)
        ),
        container=spec.container,
        prefix=spec.prefix,
        format=spec.format,
        compression=spec.compression,
    )


def _storage_credential(spec: AzureCredentialSpec, where: str, *, writes: bool):
    """dagster-azure credential config for a spec's ``credential:`` block; secrets via EnvVar."""
    if spec.type == "key":
        return AzureBlobStorageKeyCredential(key=dg.EnvVar(_env_name(spec.key_env, "key", "key_env", where)))
    if spec.type == "sas":
        return AzureBlobStorageSASTokenCredential(token=dg.EnvVar(_env_name(spec.sas_env, "sas", "sas_env", where)))
    if spec.type == "default":
        return AzureBlobStorageDefaultCredential()
    if not writes:
        return AzureBlobStorageAnonymousCredential()
    raise ValueError(
        f"{where}.credential.type: {spec.type!r} cannot write (Azure Storage lets anonymous callers "
        "only read); allowed for a sink: key, sas, default"
    )


def _env_name(name: str | None, kind: str, field: str, where: str) -> str:
    if not name:
        raise ValueError(
            f"{where}.credential: type {kind!r} needs `{field}`, the name of the environment variable "
            f"that holds the {'account key' if kind == 'key' else 'SAS token'}"
        )
    return name


def _blob_credential(credential) -> BlobCredential:
    """dagster-azure's credential config → the sink's (which refuses anonymous, saying why)."""
    kind = credential.credential_type
    if kind == "key":
        return BlobCredential("key", credential.key)
    if kind == "sas":
        return BlobCredential("sas", credential.token)
    if kind == "default_azure_credential":
        return BlobCredential("default", options=credential.kwargs)
    return BlobCredential(kind)
