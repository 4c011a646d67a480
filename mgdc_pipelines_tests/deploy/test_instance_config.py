"""deploy/production/dagster.yaml is an instance configuration Dagster accepts, on PostgreSQL, with
the same run queue limits and pools as the single-machine example deploy/dagster.yaml."""

from __future__ import annotations

import shutil

import dagster as dg
import yaml
from dagster._core.run_coordinator import QueuedRunCoordinator
from dagster_postgres import PostgresRunStorage
from sqlalchemy.engine import make_url

from mgdc_pipelines_tests.deploy.test_dockerfile import REPO

PRODUCTION_INSTANCE = REPO / "deploy" / "production" / "dagster.yaml"
EXAMPLE_INSTANCE = REPO / "deploy" / "dagster.yaml"


def test_the_production_and_the_example_instance_share_their_concurrency_block():
    production, example = (yaml.safe_load(path.read_text()) for path in (PRODUCTION_INSTANCE, EXAMPLE_INSTANCE))
    assert production["concurrency"] == example["concurrency"]
    assert production["run_coordinator"] == example["run_coordinator"]


def test_dagster_builds_the_production_instance_on_postgres_from_the_mgdc_pg_variables(
    postgres_url, tmp_path, monkeypatch
):
    url = make_url(postgres_url)
    for name, value in {"HOST": url.host, "PORT": url.port, "USER": url.username, "PASSWORD": url.password,
                        "DB": url.database}.items():
        monkeypatch.setenv(f"MGDC_PG_{name}", str(value))
    shutil.copyfile(PRODUCTION_INSTANCE, tmp_path / "dagster.yaml")
    with dg.DagsterInstance.from_config(str(tmp_path)) as instance:  # validated against Dagster's schema
        assert isinstance(instance.run_storage, PostgresRunStorage)
        assert isinstance(instance.run_coordinator, QueuedRunCoordinator)
        concurrency = instance.get_concurrency_config()
        expected = yaml.safe_load(PRODUCTION_INSTANCE.read_text())["concurrency"]
        assert concurrency.run_queue_config.max_concurrent_runs == expected["runs"]["max_concurrent_runs"]
        assert list(concurrency.run_queue_config.tag_concurrency_limits) == expected["runs"]["tag_concurrency_limits"]
        assert concurrency.pool_config.default_pool_limit == expected["pools"]["default_limit"]
        assert instance.run_retries_max_retries == 2 and instance.run_monitoring_enabled
