"""Dagster resources that hand the copy path its source and its sink.

Both are plain ``ConfigurableResource``s, so runs can override them from the launchpad, and
tests or deployments can swap them (e.g. a sink on another path) without touching the spec.

>>> import tempfile
>>> sink = LocalSinkResource(path=tempfile.mkdtemp()).get_sink()
>>> type(sink).__name__
'LocalSink'
"""

from __future__ import annotations

from typing import Any, Optional

import dagster as dg

from mgdc_pipelines.consent.transforms import MIN_HASH_KEY_BYTES
from mgdc_pipelines.sinks.local import LocalSink
from mgdc_pipelines.sources.base import Source
from mgdc_pipelines.sources.synthetic import SyntheticSource, TenantConfig
from mgdc_pipelines.spec.model import AppSpec, LocalSinkSpec, SyntheticSourceSpec


class SyntheticTenantResource(dg.ConfigurableResource):
    """The embedded synthetic Microsoft 365 tenant; ``options`` are ``TenantConfig`` fields."""

    options: dict[str, Any] = {}

    def get_source(self) -> Source:
        return SyntheticSource(TenantConfig(**self.options))


class LocalSinkResource(dg.ConfigurableResource):
    """Hive-style Parquet folders on a local (or mounted) filesystem."""

    path: str
    format: str = "parquet"
    compression: str = "zstd"

    def get_sink(self) -> LocalSink:
        return LocalSink(self.path, format=self.format, compression=self.compression)


class ConsentResource(dg.ConfigurableResource):
    """Secrets the consent layer needs at run time; ``hash_key`` comes from an ``EnvVar``."""

    hash_key: Optional[str] = None

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
    raise ValueError(f"unsupported source type {spec.type!r}")


def sink_resource(app: AppSpec) -> dg.ConfigurableResource:
    """The resource the spec's ``sink:`` block describes."""
    spec = app.sink
    if isinstance(spec, LocalSinkSpec):
        return LocalSinkResource(path=str(spec.resolved_path()), format=spec.format, compression=spec.compression)
    raise ValueError(f"unsupported sink type {spec.type!r}")
