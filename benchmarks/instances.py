"""The Dagster instances the control-plane benchmarks compare: the production profile on each storage.

Both are ``deploy/production/dagster.yaml`` (queued runs, run monitoring and retries, concurrency
limits); only the storage differs. ``postgres``: the file as shipped (``storage: postgres`` with
``scheme: postgresql+psycopg2``, connection settings from the ``MGDC_PG_*`` variables, so the
password is never written). ``sqlite``: every event in one SQLite table (as in PostgreSQL; the
default splits them per run), runs and schedules in SQLite files, all under ``DAGSTER_HOME``.

:func:`bench_postgres` starts the throwaway server a benchmark case uses and exports its
``MGDC_PG_*`` variables, so the case's worker processes (and their code servers) inherit them;
each worker then works in its own database (:func:`use_database`).

>>> sorted(instance_config("sqlite", Path("/tmp/home"))["event_log_storage"]["config"])
['base_dir']
>>> instance_config("postgres", Path("/tmp/home"))["storage"]["postgres"]["postgres_db"]["scheme"]
'postgresql+psycopg2'
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from benchmarks.harness import PROJECT_ROOT

PRODUCTION_CONFIG = PROJECT_ROOT / "deploy" / "production" / "dagster.yaml"
STORAGES = ("sqlite", "postgres")
DATABASE_ENV = "MGDC_PG_DB"  # the database deploy/production/dagster.yaml connects to


def instance_config(storage: str, home: Path) -> dict[str, Any]:
    """The ``dagster.yaml`` of the production profile on ``storage`` (``sqlite`` or ``postgres``)."""
    config = yaml.safe_load(PRODUCTION_CONFIG.read_text())
    if storage == "postgres":
        return config
    if storage != "sqlite":
        raise ValueError(f"storage {storage!r}: one of {', '.join(STORAGES)}")
    del config["storage"]
    config["event_log_storage"] = {"module": "dagster.core.storage.event_log",
                                   "class": "ConsolidatedSqliteEventLogStorage",
                                   "config": {"base_dir": str(home)}}
    return config


@contextlib.contextmanager
def bench_instance(storage: str, home: Path) -> Iterator[Any]:
    """A fresh ``DagsterInstance`` of the production profile on ``storage``, ``DAGSTER_HOME=home``."""
    import dagster as dg

    home.mkdir(parents=True, exist_ok=True)
    (home / "dagster.yaml").write_text(yaml.safe_dump(instance_config(storage, home), sort_keys=False))
    os.environ["DAGSTER_HOME"] = str(home)  # code servers started from here load the same instance
    with dg.DagsterInstance.from_config(str(home)) as instance:
        yield instance


def use_database(storage: str, database: str | None) -> None:
    """Point this process (and its children) at ``database`` of the bench's PostgreSQL server."""
    if storage == "postgres":
        if not database or not os.environ.get("MGDC_PG_HOST"):
            raise RuntimeError("the postgres competitor runs inside bench_postgres(), with a database name")
        os.environ[DATABASE_ENV] = database


@contextlib.contextmanager
def bench_postgres() -> Iterator[Any]:
    """A throwaway PostgreSQL server whose ``MGDC_PG_*`` variables this process exports meanwhile."""
    from mgdc_pipelines.launch.postgres import LocalPostgres, exported

    with LocalPostgres.temporary() as server, exported(server.dagster_env()):
        yield server
