"""Attack 4: another tenant's rows published.

On main before this suite, a landing delivery where 50 of 200 lines carried another `ptenant`
committed all 200 rows; the blocking check caught it only after commit, suspended the app, and
the 50 foreign rows stayed readable by every reader of the sink. Now the enforcer drops them
before the sink sees them, and a check that still fails after commit withdraws the partition.
"""

from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.dataset as pads

from mgdc_pipelines.consent.store import ConsentStore
from mgdc_pipelines.sinks.formats import format_for
from mgdc_pipelines.sources.synthetic import SyntheticSource, TenantConfig
from mgdc_pipelines.defs.partitions import partition_ref
from mgdc_pipelines.transfer import request_for
from mgdc_pipelines_tests.defs.test_assets_landing import landing_spec
from mgdc_pipelines_tests.security.attacker import ALL_SCOPE, DAY, copy, deployment, partition_folder, tampering_sink

FOREIGN = "ffffffff-1111-2222-3333-444444444444"


def _deliver_with_foreign_rows(app, tmp_path, *, rows: int = 200, foreign: int = 50) -> None:
    """200 of the day's messages as MGDC JSON lines, every 4th carrying another tenant's id."""
    item = app.dataset("Message_v1")
    request = request_for(app, item, partition_ref(item.dataset, ALL_SCOPE))
    table = pa.Table.from_batches(list(SyntheticSource(TenantConfig(seed=42, users=60)).extract(request)))
    assert table.num_rows >= rows
    table = table.slice(0, rows)
    tenants = [FOREIGN if index % (rows // foreign) == 0 else tenant
               for index, tenant in enumerate(table.column("ptenant").to_pylist())]
    table = table.set_column(table.schema.get_field_index("ptenant"), "ptenant", pa.array(tenants))
    folder = tmp_path / "landing" / item.dataset.name / DAY.isoformat()
    folder.mkdir(parents=True)
    with open(folder / "part-0001.json", "wb") as stream:
        writer = format_for("mgdc-jsonl").open(stream, table.schema)
        writer.write(table)
        writer.close()


def test_foreign_rows_in_a_delivery_never_reach_the_sink(small_spec_factory, tmp_path):
    app = landing_spec(small_spec_factory, tmp_path)
    _deliver_with_foreign_rows(app, tmp_path)
    with deployment() as instance:
        outcome = copy(app, "Message_v1", instance)
    assert outcome.success and all(outcome.checks.values())
    metadata = outcome.metadata["Message_v1"]
    assert metadata["consent/rows_foreign_tenant"].value == 50
    assert metadata["consent/rows_written"].value == metadata["dagster/row_count"].value == 150
    written = pads.dataset(partition_folder(app, "Message_v1"), format="parquet").to_table(columns=["ptenant"])
    assert set(written.column("ptenant").to_pylist()) == {app.app.tenant_id}


def test_foreign_rows_a_sink_adds_after_commit_are_withdrawn_as_the_app_is_suspended(small_spec):
    with deployment() as instance:
        outcome = copy(small_spec, "User_v1", instance, resources=tampering_sink(small_spec, extra_column="id", extra_tenant=FOREIGN))
    assert not outcome.success and outcome.checks["scope_compliance"] is False
    assert outcome.metadata["User_v1"]["consent/withdrawn"].value is True
    dataset_folder = partition_folder(small_spec, "User_v1").parent.parent
    readable = pads.dataset(dataset_folder, format="parquet", partitioning="hive") if dataset_folder.exists() else None
    assert readable is None or readable.count_rows() == 0, "no reader sees the partition any more"
    assert not partition_folder(small_spec, "User_v1").exists()

    store = ConsentStore.of(small_spec)
    [suspension] = store.view().suspensions
    events = {entry["event"]: entry for entry in store.audit.entries()}
    withdrawn = events["partition_withdrawn"]
    assert withdrawn["partition"] == f"BasicDataSet_v0.User_v1/date={DAY}/scope=all"
    assert withdrawn["suspension"] == suspension.id and withdrawn["rows"] > 0
    assert withdrawn["uri"].endswith(f"BasicDataSet_v0.User_v1/date={DAY}/scope=all")
    assert FOREIGN not in json.dumps(store.audit.entries()), "the record says where, not which values"
