"""Bring a factory's ``mgdc_<app>_...`` objects to their desired state, writing only what differs.

Each object is read (GET) and written (PUT) only when it is missing or its properties differ.
ADF shows every SecureString as ``**********``, so a secret cannot be compared: a changed secret
is pushed with ``force_secrets=True``, which re-writes the objects holding one. Objects of other
apps, and anything not named ``mgdc_<app>_...``, are never read, written or deleted.

>>> same_properties({"a": 1, "key": {"type": "SecureString", "value": "**********"}},
...                 {"a": 1, "key": {"type": "SecureString", "value": "**********"}, "annotations": []})
True
>>> same_properties({"outputColumns": [{"name": "id"}]}, {"outputColumns": [{"name": "id"}, {"name": "x"}]})
False
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from mgdc_pipelines.sources.mgdc.factory import FactoryClient
from mgdc_pipelines.sources.mgdc.objects import FactoryObject, app_prefix

log = logging.getLogger("mgdc_pipelines.sources.mgdc")
# What ADF may add to an object on its own: never part of the desired state.
SERVER_MANAGED_KEYS = frozenset({"encryptedCredential"})


@dataclass(frozen=True)
class SyncResult:
    """Names of the objects created, updated and left as they were."""

    created: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)


def sync_factory(
    client: FactoryClient, app_name: str, objects: Sequence[FactoryObject], *, force_secrets: bool = False
) -> SyncResult:
    """Create or update app ``app_name``'s ``objects`` (in their order: linked services, datasets,
    pipelines)."""
    _only_the_apps(app_name, objects)
    created: list[str] = []
    updated: list[str] = []
    unchanged: list[str] = []
    for obj in objects:
        current = client.get(obj.kind, obj.name)
        forced = force_secrets and obj.has_secrets
        if current is not None and not forced and same_properties(obj.masked(), current.get("properties")):
            unchanged.append(obj.name)
            continue
        client.create_or_update(obj.kind, obj.name, obj.payload())
        (created if current is None else updated).append(obj.name)
        log.info("%s %s %s in %s", "created" if current is None else "updated", obj.kind, obj.name,
                 client.location.factory)
    return SyncResult(tuple(created), tuple(updated), tuple(unchanged))


def same_properties(desired: Any, actual: Any) -> bool:
    """Whether ADF's ``actual`` properties are ``desired`` (SecureString values aside). Keys only
    one side has count as equal when their value is empty (ADF adds ``annotations: []``); keys
    ADF manages (``encryptedCredential``) are ignored."""
    if _is_secure_string(desired) and _is_secure_string(actual):
        return True
    if isinstance(desired, Mapping) and isinstance(actual, Mapping):
        actual = {key: value for key, value in actual.items() if key not in SERVER_MANAGED_KEYS}
        return all(
            same_properties(desired[key], actual[key]) if key in desired and key in actual
            else _is_empty(desired.get(key, actual.get(key)))
            for key in {*desired, *actual}
        )
    if isinstance(desired, list) and isinstance(actual, list):
        return len(desired) == len(actual) and all(map(same_properties, desired, actual))
    return desired == actual


def _is_secure_string(value: Any) -> bool:
    return isinstance(value, Mapping) and value.get("type") == "SecureString"


def _is_empty(value: Any) -> bool:
    if isinstance(value, Mapping):
        return all(_is_empty(item) for item in value.values())
    return value is None or value == "" or value == []


def _only_the_apps(app_name: str, objects: Iterable[FactoryObject]) -> None:
    """Every object is named ``mgdc_<app>_...`` for this app, before anything is called."""
    prefix = app_prefix(app_name)
    for obj in objects:
        if not obj.name.startswith(prefix) or obj.name == prefix:
            raise ValueError(f"refusing to sync {obj.kind} {obj.name!r}: not one of app {app_name}'s "
                             f"objects (named {prefix}...)")
