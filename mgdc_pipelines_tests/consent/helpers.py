"""Helpers for the consent governance tests: demo-spec variants with a consent block."""

from __future__ import annotations

import copy
import datetime as dt
import itertools
from collections.abc import Callable
from pathlib import Path

from mgdc_pipelines.consent.authorization import Authorization, decide, write_authorization
from mgdc_pipelines.consent.registration import registration_for
from mgdc_pipelines.consent.store import ConsentStore
from mgdc_pipelines.spec import AppSpec, load_spec
from mgdc_pipelines_tests.conftest import TEST_APPROVER, AdminKeys, consent_block, demo_spec_dict, write_spec

NOW = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.timezone.utc)
OWNER = demo_spec_dict()["app"]["owner"]
SALES_GROUP = demo_spec_dict()["scopes"]["sales"][0]
ENGINEERING_GROUP = demo_spec_dict()["scopes"]["engineering"][0]
OTHER_GROUP = "0b7a6a38-6c1d-4c55-9a49-7d1f3f1e2a10"
ADMIN = TEST_APPROVER

Mutation = Callable[[dict], None]


class SpecFactory:
    """Writes each variant to a new file (load_spec caches by path and mtime) and loads it."""

    def __init__(self, folder: Path, keys: AdminKeys) -> None:
        self.folder = folder
        self.keys = keys
        self._numbers = itertools.count(1)

    def raw(self, *mutations: Mutation) -> dict:
        raw = copy.deepcopy(demo_spec_dict())
        raw["consent"] = consent_block(self.folder, self.keys)
        for mutate in mutations:
            mutate(raw)
        return raw

    def __call__(self, *mutations: Mutation) -> AppSpec:
        return load_spec(write_spec(self.folder, self.raw(*mutations), f"spec{next(self._numbers)}.yaml"))


def sign(spec: AppSpec, keys: AdminKeys, *, now: dt.datetime = NOW, decision: str = "approved",
         deny_group_ids: tuple[str, ...] = (), lifts: tuple[str, ...] = ()) -> Authorization:
    """Decide on the spec's registration as the test admin, write it where the spec looks and
    record it in the app's audit log."""
    authorization = decide(registration_for(spec), decision=decision, approver=ADMIN, private_key=keys.private_pem,
                           now=now, deny_group_ids=deny_group_ids, lifts=lifts)
    write_authorization(spec.consent.authorization_path(), authorization, keys.private_pem)
    ConsentStore.of(spec).record_decision(authorization.decided_at)
    return authorization


def dataset_entry(raw: dict, name: str) -> dict:
    return next(item for item in raw["datasets"] if item["name"] == name)


def add_column(dataset: str, column: str) -> Mutation:
    def mutate(raw: dict) -> None:
        dataset_entry(raw, dataset)["columns"].append(column)
    return mutate


def groups_only(raw: dict) -> None:
    """Scopes sales + engineering only: the registration grants those two groups, not everyone."""
    del raw["scopes"]["all"]
