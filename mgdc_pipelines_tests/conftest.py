"""Shared fixtures: small variants of the bundled demo spec, with a test admin's approval.

The test admin's public key is what this test session's "deployment" trusts: the session sets
``MGDC_TRUSTED_ADMIN_KEYS`` to its folder, as an operator would for every Dagster process (the
subprocesses the tests start inherit it).
"""

from __future__ import annotations

import copy
import datetime as dt
import os
import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import pytest
import yaml

from mgdc_pipelines.consent.authorization import Authorization, decide, write_authorization
from mgdc_pipelines.consent.keys import generate_keypair, key_id, load_public_key
from mgdc_pipelines.consent.registration import registration_for
from mgdc_pipelines.consent.store import ConsentStore
from mgdc_pipelines.consent.trust import DEMO_MODE_ENV, TRUSTED_KEYS_ENV
from mgdc_pipelines.defs.partitions import scope_partitions_name
from mgdc_pipelines.spec import DEMO_SPEC_PATH, AppSpec, load_spec
from mgdc_pipelines_tests.azurite import azurite  # noqa: F401  (session fixture: a real Azurite)
from mgdc_pipelines_tests.factory_emulator import factory_changes, factory_emulator  # noqa: F401  (ARM + ADF)
from mgdc_pipelines_tests.grouping import pytest_collection_modifyitems  # noqa: F401  (xdist groups)
from mgdc_pipelines_tests.postgres import postgres, postgres_url  # noqa: F401  (a real PostgreSQL)

SMALL_TENANT_USERS = 40
TEST_APPROVER = "admin@contoso.example.com"


@contextmanager
def scoped_instance(app: AppSpec) -> Iterator[dg.DagsterInstance]:
    """A real test instance holding every scope of the spec as a partition of the dynamic
    `scope` dimension, authorized or not: runs then meet the consent gate itself."""
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions(scope_partitions_name(app), list(app.scope_keys))
        yield instance


def demo_spec_dict(*, downstream: bool = False, sink_format: str | None = "parquet") -> dict:
    """The bundled demo spec; without its `downstream:` entries unless asked, so that a test may
    drop datasets those entries read. Its sink writes ``sink_format``: Parquet folders unless a
    test asks for another format (None: the demo's own, Delta), since most tests look at what a
    copy wrote through the folder layout; the Delta sink has its own tests, and the demo run and
    the docs snippets that read its output use the demo as it is."""
    raw = yaml.safe_load(DEMO_SPEC_PATH.read_text())
    if not downstream:
        raw.pop("downstream", None)
    if sink_format is not None:
        raw["sink"]["format"] = sink_format
    return raw


def write_spec(folder: Path, raw: dict, name: str = "mgdc.yaml") -> Path:
    path = folder / name
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    return path


@dataclass(frozen=True)
class AdminKeys:
    private_pem: bytes
    public_path: Path

    @property
    def key_id(self) -> str:
        return key_id(load_public_key(self.public_path))


@pytest.fixture(scope="session", autouse=True)
def admin_keys(tmp_path_factory) -> Iterator[AdminKeys]:
    """A test admin's Ed25519 key pair, trusted by this session's deployment (and only it:
    demo mode is off unless a test turns it on).

    ``DAGSTER_HOME`` (which `make test` exports for the checkout) is unset too: the CLI would
    otherwise anchor every test's audit log in that one instance. Tests that want an instance
    set it themselves.
    """
    private_pem, public_pem = generate_keypair()
    public_path = tmp_path_factory.mktemp("admin") / "admin.pub"
    public_path.write_bytes(public_pem)
    saved = {name: os.environ.get(name) for name in (TRUSTED_KEYS_ENV, DEMO_MODE_ENV, "DAGSTER_HOME")}
    os.environ[TRUSTED_KEYS_ENV] = str(public_path.parent)
    os.environ.pop(DEMO_MODE_ENV, None)
    os.environ.pop("DAGSTER_HOME", None)
    yield AdminKeys(private_pem, public_path)
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


def approve(
    spec: AppSpec,
    keys: AdminKeys,
    *,
    decision: str = "approved",
    now: dt.datetime | None = None,
    deny_group_ids: Sequence[str] = (),
    lifts: Sequence[str] = (),
) -> Authorization:
    """Sign the spec's registration as the test admin, store it where the spec looks and record
    it in the app's audit log (what `mgdc-pipelines consent approve --spec` does)."""
    authorization = decide(
        registration_for(spec),
        decision=decision,
        approver=TEST_APPROVER,
        private_key=keys.private_pem,
        now=now,
        deny_group_ids=tuple(deny_group_ids),
        lifts=tuple(lifts),
    )
    write_authorization(spec.consent.authorization_path(), authorization, keys.private_pem)
    ConsentStore.of(spec).record_decision(authorization.decided_at)
    return authorization


def consent_block(folder: Path, keys: AdminKeys | None = None) -> dict:
    """Where a test app's authorization and audit log go (the trusted key is the deployment's)."""
    return {
        "authorization": str(folder / "consent" / "app.authorization.json"),
        "state_dir": str(folder / "consent"),
    }


@pytest.fixture
def small_spec_factory(tmp_path: Path, admin_keys: AdminKeys) -> Callable[..., AppSpec]:
    """The demo app on a small tenant writing under ``tmp_path/data``, approved by default.

    ``mutate`` edits the YAML dict; ``approved=False`` leaves the app without an authorization;
    ``approved_at`` dates the approval (tests with a clock of their own: a decision dated after
    their "now" would be refused as coming from the future).
    """

    def make(
        mutate: Callable[[dict], None] | None = None, approved: bool = True, approved_at: dt.datetime | None = None
    ) -> AppSpec:
        raw = copy.deepcopy(demo_spec_dict())
        raw["source"]["users"] = SMALL_TENANT_USERS
        raw["sink"]["path"] = str(tmp_path / "data")
        raw["consent"] = consent_block(tmp_path, admin_keys)
        if mutate:
            mutate(raw)
        spec = load_spec(write_spec(tmp_path, raw))
        if approved:
            approve(spec, admin_keys, now=approved_at)
        return spec

    return make


@pytest.fixture
def small_spec(small_spec_factory) -> AppSpec:
    return small_spec_factory()


@dataclass(frozen=True)
class DemoRun:
    """One `mgdc-pipelines demo` run as `make demo` runs it (demo mode, a persistent instance), on
    the bundled spec with a 30-person tenant: its folder, spec, DAGSTER_HOME and what it printed."""

    folder: Path
    spec_path: Path
    dagster_home: Path
    result: subprocess.CompletedProcess


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory) -> DemoRun:
    """Shared by the demo command's test and the docs' snippets that read the demo's output: a
    demo run takes a minute or two (a webserver, a daemon and a process per run)."""
    folder = tmp_path_factory.mktemp("demo")
    raw = demo_spec_dict(downstream=True, sink_format=None)  # Delta, as `make demo` writes
    raw["source"]["users"] = 30
    spec_path = write_spec(folder, raw)  # sink and consent state are under the working directory
    home = folder / "dagster_home"
    env = {**os.environ, "DAGSTER_HOME": str(home), "MGDC_DEMO_MODE": "1"}  # what `make demo` sets
    result = subprocess.run([str(Path(sys.executable).with_name("mgdc-pipelines")), "demo", "--spec", str(spec_path)],
                            cwd=folder, env=env, capture_output=True, text=True, timeout=900)
    return DemoRun(folder, spec_path, home, result)
