"""deploy/helm/values.yaml against what the code needs: every secret a Graph + Azure + hashing
spec names reaches every pod that runs the code, from a Kubernetes Secret and never as a literal;
the trusted admin keys come from a read-only ConfigMap; the queue, limits and pools are those of
deploy/production/dagster.yaml; the code location serves what the Dockerfile builds."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import yaml

from mgdc_pipelines.consent.trust import TRUSTED_KEYS_ENV
from mgdc_pipelines.launch.production import STATE_DATABASE_ENV
from mgdc_pipelines.spec import load_spec
from mgdc_pipelines.spec.model import AppSpec
from mgdc_pipelines_tests.deploy.secret_literals import literal_values, looks_like_secret
from mgdc_pipelines_tests.deploy.test_dockerfile import REPO, instructions, of

VALUES = REPO / "deploy" / "helm" / "values.yaml"
PRODUCTION_INSTANCE = REPO / "deploy" / "production" / "dagster.yaml"
GRAPH_SPEC = REPO / "mgdc_pipelines" / "specs" / "demo-graph.yaml"


@pytest.fixture(scope="module")
def values() -> dict:
    return yaml.safe_load(VALUES.read_text())


@pytest.fixture(scope="module")
def graph_azure_hashing_spec(tmp_path_factory) -> AppSpec:
    """The Graph demo app as deployed for a real tenant: the public cloud, an Azure sink with an
    account key, hashed sender addresses."""
    folder = tmp_path_factory.mktemp("spec")
    raw = yaml.safe_load(GRAPH_SPEC.read_text())
    for emulator_only in ("authority_host", "graph_url", "ca_bundle"):
        raw["source"].pop(emulator_only)
    raw["sink"] = {"type": "azure", "account_url": "https://contosomgdc.blob.core.windows.net", "container": "mgdc",
                   "credential": {"type": "key", "key_env": "MGDC_STORAGE_KEY"}}
    raw["datasets"][0]["transforms"] = {"sender": "hash", "toRecipients": "hash"}
    raw["consent"] = {"authorization": str(folder / "app.authorization.json")}
    (folder / "mgdc.yaml").write_text(yaml.safe_dump(raw, sort_keys=False))
    return load_spec(folder / "mgdc.yaml")


def secret_variables(spec: AppSpec) -> set[str]:
    """The variables a spec names for its secrets (its `*_env` fields), plus the shared state's URL."""
    named = {value for path, value in literal_values(spec.model_dump()) if path.endswith("_env") and value}
    return named | {STATE_DATABASE_ENV}


def code_pods(values: dict) -> Iterator[tuple[str, dict]]:
    """Where the app's code runs, each with its pod settings: the code location's server (sensors,
    schedules) and the Job of every run."""
    for deployment in values["dagster-user-deployments"]["deployments"]:
        yield f"user deployment {deployment['name']}", deployment
    launcher = values["runLauncher"]["config"]["k8sRunLauncher"]
    yield "run launcher", {**launcher, "env": launcher["runK8sConfig"]["containerConfig"]["env"]}


def environment(pod: dict) -> dict[str, dict]:
    return {entry["name"]: entry for entry in pod.get("env") or ()}


def test_every_secret_the_spec_names_reaches_every_code_pod_from_a_kubernetes_secret(values, graph_azure_hashing_spec):
    wanted = secret_variables(graph_azure_hashing_spec)
    assert {"MGDC_HASH_KEY", "MGDC_GRAPH_CLIENT_SECRET", "MGDC_STORAGE_KEY", STATE_DATABASE_ENV} <= wanted
    assert values["runLauncher"]["type"] == "K8sRunLauncher"
    for place, pod in code_pods(values):
        env = environment(pod)
        for name in sorted(wanted):
            assert name in env, f"{place}: {name} is not set"
            assert "value" not in env[name], f"{place}: {name} is a literal"
            reference = env[name]["valueFrom"]["secretKeyRef"]
            assert reference["name"] and reference["key"] == name, f"{place}: {name} from {reference}"


def test_the_webserver_and_the_daemon_get_none_of_the_apps_secrets(values, graph_azure_hashing_spec):
    # They run no code of the app (the daemon asks the code location's server to tick sensors).
    for part in ("dagsterWebserver", "dagsterDaemon"):
        text = yaml.safe_dump(values.get(part, {}))
        assert [name for name in secret_variables(graph_azure_hashing_spec) if name in text] == []


def test_no_literal_in_the_values_looks_like_a_secret(values):
    leaves = list(literal_values(values))
    assert [path for path, value in leaves if looks_like_secret(path.rsplit(".", 1)[-1], value)] == []
    literal_env = [(entry["name"], entry["value"]) for _, pod in code_pods(values)
                   for entry in environment(pod).values() if "value" in entry]
    assert literal_env and [name for name, value in literal_env if looks_like_secret(name, value)] == []
    # The chart would otherwise write `postgresql.postgresqlPassword` into a Secret of its own.
    assert values["generatePostgresqlPasswordSecret"] is False and values["global"]["postgresqlSecretName"]


def test_the_trusted_admin_keys_are_a_read_only_config_map_in_every_code_pod(values):
    for place, pod in code_pods(values):
        folder = environment(pod)[TRUSTED_KEYS_ENV]["value"]
        [mount] = [mount for mount in pod["volumeMounts"] if mount["mountPath"] == folder]
        assert mount.get("readOnly") is True, place
        [volume] = [volume for volume in pod["volumes"] if volume["name"] == mount["name"]]
        assert volume["configMap"]["name"], place


def chart_instance_settings(values: dict) -> dict[str, Any]:
    """The parts of the instance configuration the chart renders from these values (its
    templates `_concurrency.tpl`, `_run-coordinator.tpl`, `configmap-instance.yaml`), in
    dagster.yaml's own words."""
    runs, pools = values["concurrency"]["runs"], values["concurrency"]["pools"]
    daemon = values["dagsterDaemon"]
    queue = daemon["runCoordinator"]["config"]["queuedRunCoordinator"]
    monitoring, retries = daemon["runMonitoring"], daemon["runRetries"]
    return {
        "concurrency": {
            "runs": {"max_concurrent_runs": runs["maxConcurrentRuns"],
                     "tag_concurrency_limits": runs["tagConcurrencyLimits"]},
            "pools": {"default_limit": pools["defaultLimit"], "granularity": pools["granularity"],
                      "op_granularity_run_buffer": pools["opGranularityRunBuffer"]},
        },
        "run_coordinator": {"class": daemon["runCoordinator"]["type"],
                            "config": {"dequeue_interval_seconds": queue["dequeueIntervalSeconds"]}},
        "run_monitoring": {"enabled": monitoring["enabled"], "poll_interval_seconds": monitoring["pollIntervalSeconds"],
                           "max_resume_run_attempts": monitoring["maxResumeRunAttempts"],
                           "max_runtime_seconds": monitoring["maxRuntimeSeconds"]},
        "run_retries": {"enabled": retries["enabled"], "max_retries": retries["maxRetries"],
                        "retry_on_asset_or_op_failure": retries["retryOnAssetOrOpFailure"]},
        "scheme": values["postgresql"]["postgresqlScheme"],
        "telemetry": values["telemetry"],
    }


def test_the_queue_limits_and_pools_are_those_of_the_production_instance(values):
    production = yaml.safe_load(PRODUCTION_INSTANCE.read_text())
    assert values["concurrency"]["enabled"] is True and values["dagsterDaemon"]["runCoordinator"]["enabled"] is True
    assert chart_instance_settings(values) == {
        "concurrency": production["concurrency"],
        "run_coordinator": {key: production["run_coordinator"][key] for key in ("class", "config")},
        "run_monitoring": production["run_monitoring"],
        "run_retries": production["run_retries"],
        "scheme": production["storage"]["postgres"]["postgres_db"]["scheme"],
        "telemetry": production["telemetry"],
    }


def test_the_code_location_serves_what_the_dockerfile_builds(values):
    [command] = of(instructions((REPO / "Dockerfile").read_text()), "CMD")
    served = yaml.safe_load(command.arguments)
    for deployment in values["dagster-user-deployments"]["deployments"]:
        # The chart runs `dagster code-server start -h 0.0.0.0 -p <port> <codeServerArgs>`.
        assert ["-p", str(deployment["port"]), *deployment["codeServerArgs"]] == served[5:]
        assert deployment["image"]["repository"] and deployment["image"]["tag"] not in ("", "latest")
