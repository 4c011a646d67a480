"""Blocking consent checks on every MGDC asset, evaluated on the committed files.

The checks run in the asset's own step, right after its partitions are committed, and read
them back through the sink (see :mod:`mgdc_pipelines.consent.verify`). They are ``blocking``:
a failure fails the step, so assets downstream do not run on data that broke consent; the
caller suspends the app until an admin approves it again naming the suspension, and withdraws
the partitions the checks flagged from readers' view in the same step.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import dagster as dg

from mgdc_pipelines.consent.verify import (
    CHECKS,
    CONSENTED_COLUMNS,
    SCOPE_COMPLIANCE,
    TRANSFORMS_APPLIED,
    WrittenPartition,
    verify_partition,
)
from mgdc_pipelines.sinks.base import Sink

_DESCRIPTIONS = {
    CONSENTED_COLUMNS: "Every written column is authorized (or an MGDC metadata column).",
    SCOPE_COMPLIANCE: (
        "Every written row belongs to the app's tenant and its authorized scope, and none "
        "involves a member of the approval's deny list."
    ),
    TRANSFORMS_APPLIED: "Hashed columns hold only hashes; dropped columns were not written.",
}
_MAX_LISTED = 20


def consent_check_specs(asset_key: dg.AssetKey) -> list[dg.AssetCheckSpec]:
    return [
        dg.AssetCheckSpec(name, asset=asset_key, description=_DESCRIPTIONS[name], blocking=True)
        for name in CHECKS
    ]


@dataclass(frozen=True)
class ConsentVerdict:
    """The three checks over a run's committed partitions, and which partitions broke consent."""

    results: list[dg.AssetCheckResult]
    flagged: list[WrittenPartition]  # partitions with at least one problem

    @property
    def problems(self) -> list[str]:
        """``check: first problem`` for every failed check (for the suspension reason)."""
        return [f"{r.check_name}: {r.description}" for r in self.results if not r.passed]


def verify_committed(asset_key: dg.AssetKey, sink: Sink, written: Sequence[WrittenPartition]) -> ConsentVerdict:
    """One result per check, over every partition this run committed."""
    problems: dict[str, list[str]] = defaultdict(list)
    flagged = []
    for item in written:
        found = verify_partition(sink, item)
        for check, partition_problems in found.items():
            problems[check].extend(f"{item.partition.relative_path}: {p}" for p in partition_problems)
        if any(found.values()):
            flagged.append(item)
    results = [
        dg.AssetCheckResult(
            asset_key=asset_key,
            check_name=check,
            passed=not problems[check],
            description=_DESCRIPTIONS[check] if not problems[check] else problems[check][0],
            metadata={
                "partitions_checked": len(written),
                "problems": dg.MetadataValue.json(problems[check][:_MAX_LISTED]),
                "problem_count": len(problems[check]),
            },
        )
        for check in CHECKS
    ]
    return ConsentVerdict(results, flagged)
