"""The asset factory: one partitioned Dagster asset per dataset declared in a spec.

Each asset copies its partitions through :func:`mgdc_pipelines.transfer.copy_partition`, behind
the consent gate (:mod:`mgdc_pipelines.consent.gate`), and carries three blocking consent checks
evaluated on the committed files. A run may cover a range of partitions (a backfill); every
partition is committed on its own and gets its own materialization with its own row count,
bytes, URI and enforcement counts.

>>> from mgdc_pipelines.spec import load_spec, DEMO_SPEC_PATH
>>> assets = build_mgdc_assets(load_spec(DEMO_SPEC_PATH))
>>> sorted(a.key.path[-1] for a in assets)[:3]
['CalendarView_v0', 'Contact_v1', 'DirectReport_v0']
"""


import dataclasses
import datetime as dt
from collections.abc import Collection, Iterator
from typing import NamedTuple

import dagster as dg

from mgdc_pipelines.consent.enforcement import Enforcer
from mgdc_pipelines.consent.gate import AuthorizedCopy, ConsentGate
from mgdc_pipelines.consent.ledger import PARTITION_WITHDRAWN
from mgdc_pipelines.consent.verify import WrittenPartition
from mgdc_pipelines.defs.checks import ConsentVerdict, consent_check_specs, verify_committed
from mgdc_pipelines.defs.constants import (
    METADATA_FINGERPRINT,
    METADATA_REFUSED_COLUMNS,
    METADATA_SIGNED_BY,
    METADATA_WITHDRAWN,
)
from mgdc_pipelines.defs.ledger_anchor import InstanceLedgerAnchor
from mgdc_pipelines.defs.metadata import partition_metadata
from mgdc_pipelines.defs.names import resource_keys
from mgdc_pipelines.defs.partitions import partition_ref
from mgdc_pipelines.defs.pools import pool_name
from mgdc_pipelines.defs.translator import MgdcTranslator, MgdcTranslatorData
from mgdc_pipelines.sinks.base import CommitInfo, PartitionRef, WithdrawnPartition
from mgdc_pipelines.sources.base import DeltaStateSource, Directory, for_run
from mgdc_pipelines.sources.mgdc.sharepoint_state import OPERATION_COLUMN, SNAPSHOT_DATE_COLUMN, key_columns, supports_delta
from mgdc_pipelines.sources.mgdc.source import SHAREPOINT_RETENTION_DAYS
from mgdc_pipelines.spec.model import AppSpec, DatasetSpec
from mgdc_pipelines.transfer import copy_delta_partition, copy_partition, scope_for


class _Committed(NamedTuple):
    """A partition this run made visible, and the metadata its materialization will carry."""

    key: str
    info: CommitInfo
    metadata: dict


def build_mgdc_assets(
    app: AppSpec, translator: "MgdcTranslator | None" = None
) -> list[dg.AssetsDefinition]:
    """One asset per dataset of ``app``; see :class:`MgdcTranslator` to customise the specs."""
    translator = translator or MgdcTranslator()
    return [_build_asset(app, item, translator) for item in app.datasets]


def _build_asset(app: AppSpec, item: DatasetSpec, translator: MgdcTranslator) -> dg.AssetsDefinition:
    spec = translator.get_asset_spec(MgdcTranslatorData(app=app, item=item))
    keys = resource_keys(app)

    @dg.multi_asset(
        name=f"{app.name}__{item.dataset.short_name}",
        specs=[spec],
        check_specs=consent_check_specs(spec.key),
        required_resource_keys={keys.source, keys.sink, keys.consent},
        backfill_policy=backfill_policy(app),
        op_tags={"mgdc/app": app.name},
        pool=pool_name(app),  # one throttling budget per tenant and source, across runs and apps
    )
    def _copy(context: dg.AssetExecutionContext) -> Iterator[dg.MaterializeResult]:
        yield from copy_partitions(context, app, item, spec.key)

    return _copy


def backfill_policy(app: AppSpec) -> dg.BackfillPolicy:
    """``multi_run(max_partitions_per_run)`` by default: a backfill is a bounded number of runs."""
    if app.dagster.backfill_policy == "single_run":
        return dg.BackfillPolicy.single_run()
    return dg.BackfillPolicy.multi_run(app.dagster.max_partitions_per_run)


def copy_partitions(
    context: dg.AssetExecutionContext, app: AppSpec, item: DatasetSpec, asset_key: dg.AssetKey
) -> Iterator[dg.MaterializeResult]:
    """Copy every partition of the run under consent, then prove consent on what was written.

    Each partition is authorized (the eight MGDC checks, on every location the write touches)
    before its source or sink is touched. If a partition fails, the partitions already committed
    in this run are still recorded as materialized (their data is visible), and the error is
    raised for the failing one. If a blocking check fails on what was written, the app is
    suspended and the partitions it flagged are withdrawn from readers' view, in this step.
    """
    # An untrusted key, a tampered authorization or a broken audit log fails here, before any I/O.
    gate = ConsentGate(app, anchor=InstanceLedgerAnchor(context.instance))
    if gate.trust_note:  # in the run's log (the UI), and in every partition's metadata below
        context.log.info(gate.trust_note)
    keys = resource_keys(app)
    source = getattr(context.resources, keys.source).get_source()
    sink = getattr(context.resources, keys.sink).get_sink()
    hash_key = getattr(context.resources, keys.consent).get_hash_key()
    directory = source if isinstance(source, Directory) else None
    if gate.suspension is not None:  # this run is refused below; first finish any withdrawal
        _withdraw_again(context, gate, item, sink)
    partitions = [partition_ref(item.dataset, key) for key in context.partition_keys]
    committed: list[_Committed] = []
    written: list[WrittenPartition] = []
    scoped = [(p.date, scope_for(app, p)) for p in partitions]
    # A run-scoped source (MGDC through Data Factory) runs as few pipelines as the partitions
    # allow, and deletes what they delivered when the step ends.
    with for_run(source, context.run.run_id, item.dataset, scoped) as run_source:
        for partition in partitions:
            try:
                authorized = gate.authorize(item, partition, sink.uri(partition), sink.write_locations(partition))
                # One directory lookup per partition (Graph: HTTP calls): filter and checks agree.
                scope_ids = authorized.scope_ids(directory)
                denied = authorized.denied_people(directory)
                enforcer = authorized.enforcer(denied, hash_key, scope_ids)
                request = authorized.request_reading(denied)
                info = _copy_one(run_source, sink, request, partition, enforcer, item)
            except Exception:
                _log_commits(context, item, committed)
                _record_committed(context, asset_key, committed)
                if committed:
                    gate.store.advance_anchor()
                raise
            _audit_commit(gate, authorized, info)
            # The source's counts lead: a delivery that disagrees with the catalog shows it first.
            metadata = {
                **_source_metadata(context, run_source, request, partition.key),
                **_copy_metadata(gate, authorized, enforcer, info),
            }
            committed.append(_Committed(partition.key, info, metadata))
            written.append(
                authorized.written_partition(partition, scope_ids, denied, info.version, hash_key)
            )
    _log_commits(context, item, committed)
    if committed:
        _warn_refused(context, item, authorized.refused_columns)
        gate.store.advance_anchor()
    verdict = verify_committed(asset_key, sink, written)
    withdrawn = _suspend_and_withdraw(context, gate, item, sink, verdict) if verdict.flagged else set()
    for key, _, metadata in committed:
        context.add_asset_metadata(
            {**metadata, METADATA_WITHDRAWN: key in withdrawn}, asset_key=asset_key, partition_key=key
        )
    yield dg.MaterializeResult(asset_key=asset_key, check_results=verdict.results)


def _copy_one(source, sink, request, partition, enforcer: Enforcer, item: DatasetSpec) -> CommitInfo:
    """A full copy, or for a SharePoint delta-state dataset whose source can deliver changes, the
    last committed snapshot with the changes since then applied."""
    since = _previous_snapshot(sink, partition) if _delta_wanted(source, item, enforcer) else None
    if since is None:
        return copy_partition(source, sink, request, partition, enforcer,
                              allow_empty_replacement=item.allow_empty_replacement)
    return copy_delta_partition(source, sink, request, partition, since, enforcer,
                                allow_empty_replacement=item.allow_empty_replacement)


def _delta_wanted(source, item: DatasetSpec, enforcer: Enforcer) -> bool:
    """Only when the written rows carry what merging needs: the object's key, its Operation and
    SnapshotDate (a key the authorization drops cannot be matched)."""
    if not (isinstance(source, DeltaStateSource) and getattr(source, "sharepoint_delta", False)):
        return False
    if not supports_delta(item.dataset):
        return False
    needed = {*key_columns(item.dataset), OPERATION_COLUMN, SNAPSHOT_DATE_COLUMN}
    return needed <= set(enforcer.output_schema.names)


def _previous_snapshot(sink, partition: PartitionRef) -> PartitionRef | None:
    """The latest committed snapshot MGDC can still compute changes from (it keeps 21 days)."""
    for days_back in range(1, SHAREPOINT_RETENTION_DAYS):
        earlier = dataclasses.replace(partition, date=partition.date - dt.timedelta(days=days_back))
        if sink.committed_rows(earlier) is not None:
            return earlier
    return None


def _copy_metadata(gate: ConsentGate, authorized: AuthorizedCopy, enforcer: Enforcer, info: CommitInfo) -> dict:
    return {
        **partition_metadata(authorized.request, info),
        **enforcer.counts.as_metadata(),
        METADATA_REFUSED_COLUMNS: list(authorized.refused_columns),
        METADATA_FINGERPRINT: authorized.authorization.fingerprint,
        METADATA_SIGNED_BY: gate.trust_note or f"admin key {authorized.authorization.key_id}",
    }


def _source_metadata(context: dg.AssetExecutionContext, source, request, key: str) -> dict:
    """What the source knows of a partition: the landing source's per-extraction counts
    (quarantined lines...), an MGDC run's pipeline run, objects and cost."""
    if hasattr(source, "partition_metadata"):
        return source.partition_metadata(request)
    stats = getattr(source, "last_stats", None)
    if stats is None:
        return {}
    notice = stats.unknown_keys_notice() if hasattr(stats, "unknown_keys_notice") else None
    if notice:
        context.log.warning(notice)
    if getattr(stats, "quarantined", 0):
        context.log.warning(f"{key}: {stats.quarantined} malformed lines quarantined → {stats.quarantine_file}")
    return stats.as_metadata()


def _audit_commit(gate: ConsentGate, authorized: AuthorizedCopy, info: CommitInfo) -> None:
    request = authorized.request
    gate.store.record(
        "partition_committed",
        anchor=False,  # anchored once per run, after its partitions (copy_partitions)
        app=gate.app.name,
        dataset=request.dataset.name,
        partition=info.partition.relative_path,
        rows=info.rows,
        columns=list(request.columns),
        scope=request.scope.key,
        scope_groups=list(request.scope.group_ids or ["all"]),
        destination=info.uri,
        fingerprint=authorized.authorization.fingerprint,
    )


def _suspend_and_withdraw(
    context: dg.AssetExecutionContext, gate: ConsentGate, item: DatasetSpec, sink, verdict: ConsentVerdict
) -> set[str]:
    """Stop the app's data flow, then take what broke consent out of every reader's view.

    Suspending comes first: should withdrawing fail half-way, nothing copies or loads meanwhile,
    and every later (refused) run of the dataset withdraws again (:func:`_withdraw_again`).
    Returns the keys of the partitions withdrawn.
    """
    flagged = [(w.partition.key, w.partition.relative_path) for w in verdict.flagged]
    reason = f"blocking consent check failed on {item.dataset.short_name}: {'; '.join(verdict.problems)}"
    suspension = gate.store.suspend(
        reason, dataset=item.dataset.name, partitions=flagged, fingerprint=gate.authorization.fingerprint
    )
    context.log.error(f"App {gate.app.name} is {suspension.describe()}")
    partitions = [written.partition for written in verdict.flagged]
    failed = _withdraw(context, gate, item, sink, partitions, suspension.id)
    withdrawn = [p.key for p in partitions if p.key not in failed]
    context.log.error(
        f"Withdrew {len(withdrawn)} partition(s) of {item.dataset.short_name} from the sink: "
        f"{', '.join(withdrawn) or '-'}"
    )
    return set(withdrawn)


def _withdraw_again(context: dg.AssetExecutionContext, gate: ConsentGate, item: DatasetSpec, sink) -> None:
    """Withdraw once more the dataset's partitions a suspension flagged and no copy replaced.

    A withdrawal can fail or be killed half-way (a storage error, a lost pod), leaving flagged
    data readable by anyone who lists the sink. Withdrawing is idempotent (a partition already
    gone removes nothing, and is recorded as withdrawn once), so each run refused while the app is
    suspended tries again first: no run commits while suspended, so none can race it. A partition
    recorded as withdrawn is tried too (the retry costs a listing). One flagged by a suspension
    the Dagster instance did not witness is not: no run wrote that suspension, so deleting the
    data it names would let whoever appended it delete the app's data.
    """
    withheld = gate.store.withheld(item.dataset.name)
    unwitnessed = sorted({w.suspension.short_id for w in withheld if not w.suspension.witnessed})
    if unwitnessed:
        context.log.warning(
            f"Not withdrawing the partitions of {item.dataset.short_name} flagged by suspension(s) "
            f"{', '.join(unwitnessed)}, which the Dagster instance did not witness (no run recorded "
            "them; `mgdc-pipelines audit verify` lists them)"
        )
    recorded = {w.path for w in withheld if w.withdrawn}
    for flagged in (w for w in withheld if w.suspension.witnessed):
        partition = partition_ref(item.dataset, flagged.partition)
        _withdraw(context, gate, item, sink, [partition], flagged.suspension.id, recorded)


def _withdraw(
    context: dg.AssetExecutionContext, gate: ConsentGate, item: DatasetSpec, sink,
    partitions: list[PartitionRef], suspension_id: str, recorded: Collection[str] = (),
) -> list[str]:
    """Withdraw each of ``partitions``, each removal an audit record saying what was removed and
    from where; every one is tried. Returns the keys of those whose withdrawal failed.

    A partition the sink no longer holds is recorded as withdrawn (0 files) unless ``recorded``
    (sink paths whose withdrawal is recorded) has it: an earlier withdrawal may have deleted it
    and died before its record, and without one `consent status` and `consent approve --lift`
    would wait for it forever."""
    failed = []
    for partition in partitions:
        try:
            removed = sink.withdraw(partition)
        except Exception as error:  # noqa: BLE001 - the others are still withdrawn; said below
            context.log.error(
                f"Could not withdraw {item.dataset.short_name} {partition.key} ({type(error).__name__}); "
                "every later run of this dataset withdraws it again before it is refused"
            )
            failed.append(partition.key)
            continue
        if removed is None and partition.relative_path in recorded:
            continue
        removed = removed or WithdrawnPartition(partition, sink.uri(partition), files=(), rows=0)
        gate.store.record(
            PARTITION_WITHDRAWN, app=gate.app.name, dataset=item.dataset.name,
            partition=partition.relative_path, suspension=suspension_id, uri=removed.uri,
            files=len(removed.files), rows=removed.rows, planted=len(removed.planted),
        )
        if removed.planted:
            context.log.warning(
                f"{item.dataset.short_name} {partition.key}: {len(removed.planted)} entries among "
                "its files were not files the sink wrote (symbolic links); each was removed "
                "itself, never what it points to, and not counted in the rows withdrawn"
            )
    return failed


def _log_commits(context, item: DatasetSpec, commits: list[_Committed]) -> None:
    """One log line per run, not per partition: each line is an event the instance stores, and
    a year-long backfill would otherwise write thousands (each partition's numbers are in its
    materialization's metadata anyway)."""
    if not commits:
        return
    rows = sum(c.info.rows for c in commits)
    lines = "\n".join(f"  {c.key}: {c.info.rows} rows, {c.info.bytes} bytes → {c.info.uri}" for c in commits)
    context.log.info(f"{item.dataset.short_name}: committed {len(commits)} partition(s), {rows} rows\n{lines}")


def _warn_refused(context, item: DatasetSpec, refused: tuple[str, ...]) -> None:
    """The grant is the same for every partition of a run, so once per run is enough."""
    if refused:
        context.log.warning(
            f"{item.dataset.short_name}: columns {', '.join(refused)} are in the spec but not in the approved "
            "grant (update_available); they were not requested. Ask an admin to re-approve."
        )


def _record_committed(
    context: dg.AssetExecutionContext, asset_key: dg.AssetKey, committed: list[_Committed]
) -> None:
    for key, _, metadata in committed:
        context.log_event(dg.AssetMaterialization(asset_key=asset_key, partition=key, metadata=metadata))
