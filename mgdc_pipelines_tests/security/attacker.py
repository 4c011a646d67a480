"""What the security tests share: the attacker's moves, run the way an attacker would run them.

The attacker is the app's developer: they can edit the spec and anything in its folder and the
working directory (the authorization file, the audit log, the sink's folders), and run the CLI.
They cannot write the deployment's configuration (its environment, the trusted key folder) nor
the Dagster instance's storage. Each test runs real copies through Dagster on a real instance.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import pyarrow as pa
import pyarrow.parquet as pq
import yaml

from mgdc_pipelines.defs import build_defs, build_mgdc_assets, resource_keys
from mgdc_pipelines.defs.partitions import scope_partitions_name
from mgdc_pipelines.defs.resources import LocalSinkResource
from mgdc_pipelines.sinks.base import PartitionRef
from mgdc_pipelines.spec import AppSpec, load_spec

DAY = dt.date(2026, 11, 20)
ALL_SCOPE = f"{DAY}|all"


@dataclass(frozen=True)
class Outcome:
    success: bool
    failure: str  # the step failure's message and stack, "" when it succeeded
    metadata: dict  # the materialization's metadata, by dataset short name
    checks: dict  # check name → passed


def deployment() -> dg.DagsterInstance:
    """The deployment's Dagster instance (a real one, on temporary storage): use with ``with``."""
    return dg.instance_for_test()


def copy(app: AppSpec, dataset: str, instance: dg.DagsterInstance, partition: str = ALL_SCOPE,
         resources: dict | None = None, extra_assets=()) -> Outcome:
    """Materialize one partition of one dataset of ``app`` on ``instance``, as a run would."""
    instance.add_dynamic_partitions(scope_partitions_name(app), list(app.scope_keys))
    [asset] = [a for a in build_mgdc_assets(app) if a.key.path[-1] == dataset]
    result = dg.materialize(
        [asset, *extra_assets], instance=instance, resources={**build_defs(app).resources, **(resources or {})},
        partition_key=partition, raise_on_error=False,
    )
    failure = next((e for e in result.all_events if e.is_step_failure), None)
    return Outcome(
        success=result.success,
        failure=failure.step_failure_data.error.to_string() if failure else "",
        metadata={e.asset_key.path[-1]: e.materialization.metadata for e in result.get_asset_materialization_events()},
        checks={e.asset_check_key.name: e.passed for e in result.get_asset_check_evaluations()},
    )


def edit_spec(app: AppSpec, mutate) -> AppSpec:
    """The attacker edits the spec file in place and the deployment loads it again."""
    path = Path(app.spec_path)
    raw = yaml.safe_load(path.read_text())
    mutate(raw)
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    return load_spec(path)


def partition_folder(app: AppSpec, dataset: str, day: dt.date = DAY, scope: str | None = "all") -> Path:
    ref = PartitionRef(f"BasicDataSet_v0.{dataset}", day, scope)
    return app.sink.resolved_path() / ref.relative_path


class TamperingSink(LocalSinkResource):
    """The real local sink, with a writer that adds a file of its own after each commit: a buggy
    or hostile sink the blocking checks must catch on what readers really see."""

    extra_column: str = "body"
    extra_tenant: str = ""

    def get_sink(self):
        sink = super().get_sink()
        extra = {"ptenant": [self.extra_tenant or "tampered"], self.extra_column: ["leaked"]}
        original_open = sink.open_partition

        def open_partition(partition, schema):
            writer = original_open(partition, schema)
            commit = writer.commit

            def commit_then_tamper():
                info = commit()
                pq.write_table(pa.table(extra), sink.partition_path(partition) / "part-99999-000000000000.parquet")
                return info

            writer.commit = commit_then_tamper
            return writer

        sink.open_partition = open_partition
        return sink


def tampering_sink(app: AppSpec, **options) -> dict:
    return {resource_keys(app).sink: TamperingSink(path=str(app.sink.resolved_path()), **options)}
