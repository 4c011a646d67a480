"""The app registration: what an admin approves, derived from the spec.

The spec IS the registration. Its fingerprint is a SHA-256 over the canonical JSON of what an
approval grants (app, tenant, destination, scope, datasets with columns and transforms, and the
``downstream:`` entries computed from them), so any change MGDC would call an update — a column,
a dataset, a scope, the sink, a transform, a downstream entry — gives a new fingerprint and
needs a new approval. Order in the YAML does not matter.

The destination is the sink's ABSOLUTE path with symlinks resolved when the registration is
made, so the signature pins where data may go; at run time every folder written must really
(symlinks resolved) lie inside it.

>>> grant = ScopeGrant(everyone=False, group_ids=("B0", "a1"))
>>> grant.group_ids
('a1', 'b0')
>>> from mgdc_pipelines.sources.base import Scope
>>> grant.covers(Scope("sales", ("A1", "c2"))), grant.covers(Scope.everyone())
(('c2',), ('all',))
>>> destination_contains("file:/data/mgdc", "file:///data/mgdc/BasicDataSet_v0.User_v1/date=2026-11-20")
True
>>> destination_contains("file:/data/mgdc", "file:///data/mgdc2/x")
False
>>> destination_contains("file:mgdc_data", "file:///anywhere/mgdc_data/x")  # relative: never
False
"""

from __future__ import annotations

import hashlib
import json
import os
import urllib.parse
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mgdc_pipelines.catalog import DATASET_PREFIX
from mgdc_pipelines.consent.errors import ConsentError
from mgdc_pipelines.consent.jsonfiles import (
    canonical_json,
    check_keys,
    read_json,
    string,
    strings,
    write_json,
)
from mgdc_pipelines.sources.base import Scope
from mgdc_pipelines.spec.model import EVERYONE, AppSpec, DownstreamSpec, ScopeSpec

FILE_SCHEME = "file:"
AZURE_SCHEME = "azure:"
_DEFAULT_PORTS = {"http": 80, "https": 443}
TRANSFORMS = ("hash", "drop")
_REGISTRATION_KEYS = (
    "app_name",
    "app_id",
    "tenant_id",
    "description",
    "owner",
    "destination",
    "scope",
    "datasets",
)
# Written only when the app has downstream entries / hashes a column.
_OPTIONAL_KEYS = ("downstream", "hash_key_env")
# Names and descriptions: editing them does not change what an approval grants.
_NOT_GRANTED = frozenset({"app_name", "description", "owner"})


def full_dataset_name(name: str) -> str:
    """``Message_v1`` → ``BasicDataSet_v0.Message_v1`` (full names pass through)."""
    return name if name.startswith(DATASET_PREFIX) else DATASET_PREFIX + name


@dataclass(frozen=True)
class ScopeGrant:
    """Who the app may read: the whole organization, or members of these groups (any subset)."""

    everyone: bool
    group_ids: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        ids = tuple(sorted({group_id.lower() for group_id in self.group_ids}))
        if self.everyone and ids:
            raise ConsentError("a scope grant covers either everyone or a list of groups, not both")
        object.__setattr__(self, "group_ids", ids)

    def covers(self, scope: Scope) -> tuple[str, ...]:
        """Group ids of ``scope`` outside this grant; ``("all",)`` for an uncovered everyone-scope."""
        if self.everyone:
            return ()
        if scope.is_everyone:
            return (EVERYONE,)
        return tuple(
            sorted({group_id.lower() for group_id in scope.group_ids or ()} - set(self.group_ids))
        )

    def describe(self) -> str:
        if self.everyone:
            return "the whole organization"
        return f"members of groups {', '.join(self.group_ids)}" if self.group_ids else "nobody"

    def to_dict(self) -> dict[str, Any]:
        return {"everyone": self.everyone, "group_ids": list(self.group_ids)}

    @classmethod
    def from_dict(cls, data: Any, where: str = "scope") -> ScopeGrant:
        check_keys(data, where, ("everyone", "group_ids"))
        if not isinstance(data["everyone"], bool):
            raise ConsentError(
                f"{where}.everyone: expected true or false, got {data['everyone']!r}"
            )
        return cls(everyone=data["everyone"], group_ids=strings(data, "group_ids", where))


@dataclass(frozen=True)
class DatasetGrant:
    """One dataset of a registration: the columns the app may read and their transforms."""

    dataset: str
    columns: tuple[str, ...]
    transforms: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "dataset", full_dataset_name(self.dataset))
        object.__setattr__(self, "columns", tuple(sorted(set(self.columns))))
        pairs = self.transforms.items() if isinstance(self.transforms, Mapping) else self.transforms
        object.__setattr__(self, "transforms", tuple(sorted((str(c), str(t)) for c, t in pairs)))
        self._check_transforms()

    def _check_transforms(self) -> None:
        for column, transform in self.transforms:
            if transform not in TRANSFORMS:
                raise ConsentError(
                    f"{self.dataset}: unknown transform {transform!r} for {column!r}; allowed: hash, drop"
                )
            if column not in self.columns:
                raise ConsentError(
                    f"{self.dataset}: transform on {column!r}, which is not among its columns"
                )

    @property
    def short_name(self) -> str:
        return self.dataset.removeprefix(DATASET_PREFIX)

    def transform(self, column: str) -> str | None:
        """``"hash"``, ``"drop"`` or None (written as read)."""
        return dict(self.transforms).get(column)

    def to_dict(self) -> dict[str, Any]:
        return {
            "dataset": self.dataset,
            "columns": list(self.columns),
            "transforms": dict(self.transforms),
        }

    @classmethod
    def from_dict(cls, data: Any, where: str) -> DatasetGrant:
        check_keys(data, where, ("dataset", "columns", "transforms"))
        transforms = data["transforms"]
        if not isinstance(transforms, dict):
            raise ConsentError(
                f"{where}.transforms: expected an object {{column: hash|drop}}, got {transforms!r}"
            )
        return cls(
            dataset=string(data, "dataset", where),
            columns=strings(data, "columns", where),
            transforms=tuple(
                (column, string(transforms, column, f"{where}.transforms")) for column in transforms
            ),
        )


@dataclass(frozen=True)
class DownstreamGrant:
    """A ``downstream:`` entry of the registration: what it computes, from what, with which params."""

    name: str
    function: str
    inputs: tuple[tuple[str, str], ...]  # parameter → full dataset name, or an entry above
    params: str = "{}"  # canonical JSON
    partitions: str = "weekly"

    def __post_init__(self) -> None:
        pairs = self.inputs.items() if isinstance(self.inputs, Mapping) else self.inputs
        object.__setattr__(self, "inputs", tuple(sorted((str(p), str(v)) for p, v in pairs)))

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "function": self.function,
            "inputs": dict(self.inputs),
            "params": json.loads(self.params),
            "partitions": self.partitions,
        }

    @classmethod
    def from_dict(cls, data: Any, where: str) -> DownstreamGrant:
        check_keys(data, where, ("name", "function", "inputs", "params", "partitions"))
        if not isinstance(data["inputs"], dict) or not isinstance(data["params"], dict):
            raise ConsentError(f"{where}: inputs and params must be objects")
        return cls(
            name=string(data, "name", where),
            function=string(data, "function", where),
            inputs=tuple((parameter, string(data["inputs"], parameter, f"{where}.inputs")) for parameter in data["inputs"]),
            params=canonical_json(data["params"]),
            partitions=string(data, "partitions", where),
        )


@dataclass(frozen=True)
class Registration:
    """Everything an admin sees and approves for one app."""

    app_name: str
    app_id: str
    tenant_id: str
    description: str
    owner: str
    destination: str
    scope: ScopeGrant
    datasets: tuple[DatasetGrant, ...]
    downstream: tuple[DownstreamGrant, ...] = ()
    # The environment variable the HMAC key of `hash` transforms comes from: approved with the
    # grant, so a spec cannot switch it to a variable whose value its author knows.
    hash_key_env: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "downstream", tuple(sorted(self.downstream, key=lambda grant: grant.name)))
        object.__setattr__(self, "app_id", self.app_id.lower())
        object.__setattr__(self, "tenant_id", self.tenant_id.lower())
        datasets = tuple(sorted(self.datasets, key=lambda grant: grant.dataset))
        names = [grant.dataset for grant in datasets]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise ConsentError(
                f"registration of {self.app_name}: datasets listed twice: {', '.join(duplicates)}"
            )
        object.__setattr__(self, "datasets", datasets)

    @property
    def fingerprint(self) -> str:
        """SHA-256 (hex) of what an approval grants; names and descriptions are not part of it."""
        granted = {k: v for k, v in self.to_dict().items() if k not in _NOT_GRANTED}
        return hashlib.sha256(canonical_json(granted).encode("utf-8")).hexdigest()

    def dataset(self, name: str) -> DatasetGrant | None:
        wanted = full_dataset_name(name)
        return next((grant for grant in self.datasets if grant.dataset == wanted), None)

    def downstream_entry(self, name: str) -> DownstreamGrant | None:
        return next((grant for grant in self.downstream if grant.name == name), None)

    def to_dict(self) -> dict[str, Any]:
        optional = {
            **({"downstream": [grant.to_dict() for grant in self.downstream]} if self.downstream else {}),
            **({"hash_key_env": self.hash_key_env} if self.hash_key_env else {}),
        }
        return {
            "app_name": self.app_name,
            "app_id": self.app_id,
            "tenant_id": self.tenant_id,
            "description": self.description,
            "owner": self.owner,
            "destination": self.destination,
            "scope": self.scope.to_dict(),
            "datasets": [grant.to_dict() for grant in self.datasets],
            **optional,
        }

    @classmethod
    def from_dict(cls, data: Any, where: str = "registration") -> Registration:
        """Strict inverse of :meth:`to_dict`: unknown or missing keys raise a ConsentError naming them."""
        check_keys(data, where, _REGISTRATION_KEYS, optional=_OPTIONAL_KEYS)
        for key in ("datasets", "downstream"):
            if not isinstance(data.get(key, []), list):
                raise ConsentError(f"{where}.{key}: expected a list, got {data[key]!r}")
        texts = {key: string(data, key, where) for key in _REGISTRATION_KEYS[:6]}
        return cls(
            **texts,
            scope=ScopeGrant.from_dict(data["scope"], f"{where}.scope"),
            datasets=tuple(
                DatasetGrant.from_dict(item, f"{where}.datasets[{index}]")
                for index, item in enumerate(data["datasets"])
            ),
            downstream=tuple(
                DownstreamGrant.from_dict(item, f"{where}.downstream[{index}]")
                for index, item in enumerate(data.get("downstream", []))
            ),
            hash_key_env=string(data, "hash_key_env", where) if "hash_key_env" in data else "",
        )

    def canonical_json(self) -> str:
        """The whole registration (names included) in canonical JSON."""
        return canonical_json(self.to_dict())


def registration_for(spec: AppSpec) -> Registration:
    """The registration a spec declares."""
    info = spec.app
    return Registration(
        app_name=info.name,
        app_id=info.app_id,
        tenant_id=info.tenant_id,
        description=info.description,
        owner=info.owner,
        destination=destination_for(spec),
        scope=scope_grant_for(spec.scopes),
        datasets=tuple(
            DatasetGrant(item.dataset.name, item.selected_columns, tuple(item.transforms.items()))
            for item in spec.datasets
        ),
        downstream=tuple(downstream_grant_for(spec, entry) for entry in spec.downstream),
        hash_key_env=hash_key_env_for(spec),
    )


def hash_key_env_for(spec: AppSpec) -> str:
    """The spec's ``consent.hash_key_env`` if any dataset hashes a column, else ``""``."""
    hashes = any(t == "hash" for item in spec.datasets for t in item.transforms.values())
    return spec.consent.hash_key_env if hashes and spec.consent is not None else ""


def downstream_grant_for(spec: AppSpec, entry: DownstreamSpec) -> DownstreamGrant:
    """What approving a ``downstream:`` entry grants; dataset inputs by their full names."""
    from mgdc_pipelines.spec.downstream import dataset_input

    def source(value: str) -> str:
        item = dataset_input(spec, value)
        return item.dataset.name if item is not None else value

    return DownstreamGrant(
        name=entry.name,
        function=entry.function,
        inputs=tuple((parameter, source(value)) for parameter, value in entry.inputs.items()),
        params=canonical_json(entry.params),
        partitions=entry.partitions,
    )


def scope_grant_for(scopes: Iterable[ScopeSpec]) -> ScopeGrant:
    """Everyone if any scope is ``all``; else the union of the scopes' groups."""
    scopes = tuple(scopes)
    if any(scope.is_everyone for scope in scopes):
        return ScopeGrant(everyone=True)
    return ScopeGrant(
        everyone=False, group_ids=tuple(g for scope in scopes for g in scope.group_ids or ())
    )


def destination_for(spec: AppSpec) -> str:
    """``file:<the sink folder's absolute path, symlinks resolved>``, e.g. ``file:/srv/mgdc_data``.

    Resolved when the registration is made, so the signature pins the real folder: running from
    another directory, or through a symlink planted later, cannot move the data. An Azure
    sink's is ``azure:<account url>/<container>[/<prefix>]``, e.g.
    ``azure:https://contoso.blob.core.windows.net/mgdc/exports``.
    """
    sink = spec.sink
    if sink.type == "local":
        return FILE_SCHEME + os.path.realpath(sink.resolved_path())
    if sink.type == "azure":
        prefix = "/".join(segment for segment in sink.prefix.split("/") if segment)
        location = _azure_account_url(spec) + "/" + sink.container
        return AZURE_SCHEME + location + ("/" + prefix if prefix else "")
    raise ConsentError(
        f"app {spec.name}: no consent destination is defined for sink type {sink.type!r}"
    )


def _azure_account_url(spec: AppSpec) -> str:
    """The sink's account URL parsed as the sink parses it: an account URL whose path would not
    be where the SDK writes (see :func:`~mgdc_pipelines.sinks.azure_account.parse_account_url`)
    is refused when the registration is made, not signed and then refused at every run."""
    # Imported here: only Azure sinks need the Azure SDK.
    from mgdc_pipelines.sinks.azure_account import parse_account_url

    try:
        return parse_account_url(spec.sink.account_url)[0]
    except ValueError as error:
        raise ConsentError(f"app {spec.name}: sink: {error}") from None


def destination_contains(authorized: str, uri: str) -> bool:
    """Is the location ``uri`` (RFC 3986, percent-encoded) inside the ``authorized`` destination?

    The location is resolved (``..``, symlinks, for the part of it that exists) and compared by
    path components with the authorized path AS SIGNED, which must be absolute: so
    ``/data/mgdc/../etc``, ``/data/mgdc2`` and ``/data/mgdc`` turned into a symlink to elsewhere
    are all outside ``/data/mgdc``. Unknown schemes, relative destinations: False.
    An ``azure:`` destination contains http(s) URIs on the same scheme, host and port whose
    path starts with its path components (see :func:`_azure_contains`).
    """
    if authorized.startswith(AZURE_SCHEME):
        return _azure_contains(authorized[len(AZURE_SCHEME) :], uri)
    root, target = _authorized_path(authorized), _uri_path(uri)
    if root is None or target is None:
        return False
    try:
        return target.resolve().is_relative_to(root)
    except (OSError, RuntimeError, ValueError):  # unknown ~user, symlink loop, NUL byte
        return False


def _azure_contains(root_url: str, uri: str) -> bool:
    """Same endpoint, and the root's path components are a prefix of the URI's.

    Blob names have no ``..``: a URI with a ``.``/``..`` segment (encoded or not), an empty
    segment, a query, a fragment or user info is refused rather than interpreted.

    >>> root = "https://contoso.blob.core.windows.net/mgdc/exports"
    >>> _azure_contains(root, "https://CONTOSO.blob.core.windows.net:443/mgdc/exports/User_v1")
    True
    >>> _azure_contains(root, "https://contoso.blob.core.windows.net/mgdc/exports2/x")
    False
    """
    root, target = _http_location(root_url), _http_location(uri)
    if root is None or target is None:
        return False
    (root_endpoint, root_path), (endpoint, path) = root, target
    return endpoint == root_endpoint and path[: len(root_path)] == root_path


def _http_location(url: str) -> tuple[tuple[str, str, int], list[str]] | None:
    """``((scheme, host, port), path segments)``, or None for anything ambiguous."""
    parts = urllib.parse.urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port or _DEFAULT_PORTS.get(scheme)
    except ValueError:  # a port that is not a number
        return None
    if scheme not in _DEFAULT_PORTS or not parts.hostname or "@" in parts.netloc:
        return None
    if parts.query or parts.fragment:
        return None
    path = urllib.parse.unquote(parts.path).removesuffix("/")
    segments = path.split("/")[1:] if path else []
    if any(segment in ("", ".", "..") or "\\" in segment for segment in segments):
        return None
    return (scheme, parts.hostname, port), segments


def _authorized_path(authorized: str) -> Path | None:
    """The destination as signed (not percent-encoded): ``file:`` + an absolute local path."""
    raw = authorized[len(FILE_SCHEME) :] if authorized.startswith(FILE_SCHEME) else ""
    return Path(raw) if raw and Path(raw).is_absolute() else None


def _uri_path(uri: str) -> Path | None:
    parts = urllib.parse.urlsplit(uri)
    if (
        parts.scheme.lower() != "file"
        or parts.netloc not in ("", "localhost")
        or parts.query
        or parts.fragment
    ):
        return None
    path = urllib.parse.unquote(parts.path)
    return Path(path) if path else None


def write_registration(path: str | os.PathLike[str], registration: Registration) -> Path:
    """The file a developer hands to an admin; the fingerprint lets the admin's tool spot edits."""
    return write_json(
        path, {"registration": registration.to_dict(), "fingerprint": registration.fingerprint}
    )


def read_registration(path: str | os.PathLike[str]) -> Registration:
    """Read a registration file; refuse one edited after it was written (its fingerprint changed)."""
    try:
        document = read_json(path)
    except OSError as error:
        raise ConsentError(f"cannot read registration file {path}: {error.strerror}") from None
    try:
        check_keys(document, "registration file", ("registration", "fingerprint"))
        registration = Registration.from_dict(document["registration"])
    except ConsentError as error:
        raise ConsentError(f"{path}: {error}") from None
    if registration.fingerprint != document["fingerprint"]:
        raise ConsentError(
            f"{path}: the registration was edited after it was written (fingerprint "
            f"{registration.fingerprint[:12]}…, file says {str(document['fingerprint'])[:12]}…); "
            "ask the developer for a fresh `mgdc-pipelines consent request`"
        )
    return registration
