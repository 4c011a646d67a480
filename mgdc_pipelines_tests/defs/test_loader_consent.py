"""The loader under consent: a suspended app hands nothing downstream, and after re-approval a
partition a failed blocking check flagged stays out until it is copied again.

Real instance, real synthetic tenant, real LocalSink; the violation is a sink that adds an
unconsented column after commit (as in test_consent_assets.py), caught by the blocking check.
"""

from __future__ import annotations

import logging

import dagster as dg
import pyarrow as pa

from mgdc_pipelines.consent.store import ConsentStore
from mgdc_pipelines.defs import MgdcIOManager, build_mgdc_assets, resource_keys
from mgdc_pipelines.defs.ledger_anchor import instance_anchor
from mgdc_pipelines.defs.loader_consent import ConsentLocation
from mgdc_pipelines.defs.resources import LocalSinkResource
from mgdc_pipelines.spec.model import AppSpec
from mgdc_pipelines_tests.conftest import AdminKeys, approve, scoped_instance
from mgdc_pipelines_tests.defs.test_consent_assets import CountingSink
from mgdc_pipelines_tests.defs.test_loader import (  # noqa: F401 (app_factory is a fixture)
    DAY,
    MESSAGES,
    OTHER_DAY,
    app_factory,
    committed_ids,
    committed_rows,
    failure_message,
    materialize_mgdc,
    message_partition,
    mgdc_asset,
    resources,
    run_downstream,
)

FLAGGED = f"{OTHER_DAY}|all"
CLEAN = [f"{DAY}|all", f"{DAY}|sales"]
MESSAGE_DATASET = "BasicDataSet_v0.Message_v1"


def copy_with_a_violation(app: AppSpec, instance: dg.DagsterInstance, partition: str) -> None:
    """Materialize ``partition`` through a sink that leaks a column: the blocking check fails, the
    app is suspended and the partition withdrawn from the sink (Dagster still lists it as
    materialized, so loaders must know to leave it out)."""
    leaky = {**resources(app), resource_keys(app).sink: CountingSink(path=str(app.sink.resolved_path()), corrupt_after_commit=True)}
    result = dg.materialize(
        [mgdc_asset(app, MESSAGES)], instance=instance, resources=leaky, partition_key=partition, raise_on_error=False
    )
    assert not result.success
    assert instance.get_materialized_partitions(MESSAGES) >= {partition}, "the flagged data is materialized"


def warnings_of(instance: dg.DagsterInstance, result: dg.ExecuteInProcessResult) -> list[str]:
    return [e.user_message for e in instance.all_logs(result.run_id) if e.level == logging.WARNING and e.user_message]


def test_a_suspended_app_loads_nothing_and_a_flagged_partition_stays_out_until_copied_again(
    app_factory, admin_keys: AdminKeys
):
    app = app_factory()
    got: dict[str, pa.Table] = {}

    @dg.asset(ins={"messages": dg.AssetIn(MESSAGES)})
    def all_mail(messages: pa.Table) -> None:
        got["table"] = messages

    scoped = mgdc_asset(app, MESSAGES)

    @dg.asset(partitions_def=scoped.partitions_def, ins={"messages": dg.AssetIn(MESSAGES)})
    def mail_per_partition(messages: pa.Table) -> None:
        got["partition"] = messages

    with scoped_instance(app) as instance:
        materialize_mgdc(app, instance, MESSAGES, *CLEAN)
        copy_with_a_violation(app, instance, FLAGGED)
        # As the loader sees it, with the instance (without it, not known to be witnessed).
        suspension = ConsentStore.of(app, anchor=instance_anchor(instance)).view().suspension
        assert suspension is not None and suspension.partitions == (FLAGGED,)

        # 1. Suspended: no MGDC input loads, not even a partition the check never flagged.
        suspended = run_downstream(app, instance, [all_mail], raise_on_error=False)
        assert not suspended.success and "table" not in got
        assert f"App {app.name} is {suspension.describe()}" in failure_message(suspended)
        assert "mgdc/Message_v1 was not loaded" in failure_message(suspended)
        daily = run_downstream(app, instance, [mail_per_partition], CLEAN[0], raise_on_error=False)
        assert suspension.describe() in failure_message(daily) and "partition" not in got

        # 2. Re-approved, lifting the suspension: the flagged partition is left out (with a
        # warning), the others load.
        approve(app, admin_keys, lifts=[suspension.id])
        assert ConsentStore.of(app).view().suspension is None
        released = run_downstream(app, instance, [all_mail])
        assert got["table"].num_rows == committed_rows(instance, MESSAGES, CLEAN) > 0
        assert sorted(got["table"].column("id").to_pylist()) == committed_ids(app, [message_partition(p) for p in CLEAN])
        [warning] = [w for w in warnings_of(instance, released) if "Left out" in w]
        assert f"Left out 1 of the 3 partition(s) of mgdc/Message_v1: {FLAGGED}." in warning
        assert suspension.reason in warning and "materialize them again" in warning

        # ... and an input asking for the flagged partition alone fails instead of loading nothing.
        only_flagged = run_downstream(app, instance, [mail_per_partition], FLAGGED, raise_on_error=False)
        message = failure_message(only_flagged)
        assert f"every requested partition of mgdc/Message_v1 (1: {FLAGGED})" in message
        assert "Materialize them again" in message and "partition" not in got

        # 3. Copied again (a clean sink): the re-copy replaced the data, so it loads again.
        materialize_mgdc(app, instance, MESSAGES, FLAGGED)
        everything = [*CLEAN, FLAGGED]
        again = run_downstream(app, instance, [all_mail])
        assert not [w for w in warnings_of(instance, again) if "Left out" in w]
        assert got["table"].num_rows == committed_rows(instance, MESSAGES, everything)
        assert sorted(got["table"].column("id").to_pylist()) == committed_ids(app, [message_partition(p) for p in everything])
        assert "body" not in got["table"].column_names
        assert run_downstream(app, instance, [mail_per_partition], FLAGGED).success


def test_a_loader_without_consent_location_filters_nothing(app_factory):
    """A custom setup (``MgdcIOManager(sink=...)`` alone) reads whatever is committed: documented."""
    app = app_factory()
    got = {}

    @dg.asset(ins={"messages": dg.AssetIn(MESSAGES)})
    def all_mail(messages: pa.Table) -> None:
        got["table"] = messages

    with scoped_instance(app) as instance:
        materialize_mgdc(app, instance, MESSAGES, FLAGGED)
        ConsentStore.of(app).suspend("found by hand", dataset=MESSAGE_DATASET,
                                     partitions=[(FLAGGED, message_partition(FLAGGED).relative_path)], fingerprint="f" * 64)
        plain = {**resources(app), resource_keys(app).loader: MgdcIOManager(sink=LocalSinkResource(path=str(app.sink.resolved_path())))}
        result = dg.materialize(
            [*build_mgdc_assets(app), all_mail], selection=[all_mail], instance=instance, resources=plain
        )
    assert result.success and got["table"].num_rows > 0
    assert isinstance(resources(app)[resource_keys(app).loader].consent, ConsentLocation)


def test_withheld_partitions_follow_the_whole_suspension_history(small_spec: AppSpec):
    """Only a commit after the latest suspension that flagged a partition releases it (chain order)."""
    store = ConsentStore.of(small_spec)

    def path_of(key: str) -> str:
        return message_partition(key).relative_path

    def commit(key: str) -> None:
        store.record("partition_committed", dataset=MESSAGE_DATASET, partition=path_of(key))

    def suspend(keys: tuple[str, ...], dataset: str = MESSAGE_DATASET) -> str:
        flagged = [(key, path_of(key).replace(MESSAGE_DATASET, dataset)) for key in keys]
        return store.suspend("leak", dataset=dataset, partitions=flagged, fingerprint="f" * 64).id

    commit("2026-11-19|all")
    commit("2026-11-20|all")
    suspend(("2026-11-19|all", "2026-11-20|all"))
    commit("2026-11-19|all")  # re-copied: released...
    commit("2026-11-20|all")
    again = suspend(("2026-11-20|all",))  # ...but this one is flagged again
    suspend(("2026-11-19|all",), dataset="BasicDataSet_v0.User_v1")

    assert len(store.view().suspensions) == 3
    withheld = store.withheld_partitions(MESSAGE_DATASET)
    assert {path: s.id for path, s in withheld.items()} == {path_of("2026-11-20|all"): again}
    assert store.withheld_partitions("BasicDataSet_v0.Contact_v1") == {}
