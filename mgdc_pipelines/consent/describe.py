"""Human-readable text for a registration and a consent status (the CLI prints these)."""

from __future__ import annotations

import textwrap

from mgdc_pipelines.catalog import DATASET_PREFIX
from mgdc_pipelines.consent.registration import Registration
from mgdc_pipelines.consent.status import AppConsentStatus

_WIDTH = 100


def describe_registration(registration: Registration) -> str:
    """Everything an admin approves: app, owner, destination, scope, datasets and columns."""
    lines = [
        f"App registration: {registration.app_name}",
        f"  app id:      {registration.app_id}",
        f"  tenant:      {registration.tenant_id}",
        f"  owner:       {registration.owner or '(none)'}",
        f"  description: {' '.join(registration.description.split()) or '(none)'}",
        f"  destination: {registration.destination}",
        f"  scope:       {registration.scope.describe()}",
        f"  datasets ({len(registration.datasets)}):",
    ]
    for grant in registration.datasets:
        lines.append(f"    {grant.dataset} — {len(grant.columns)} columns")
        lines.append(_wrapped(", ".join(grant.columns), indent=6))
        if grant.transforms:
            lines.append(
                _wrapped(
                    "transforms: " + ", ".join(f"{c}={t}" for c, t in grant.transforms), indent=6
                )
            )
    if registration.hash_key_env:
        lines.append(f"  hash key:    the HMAC key of `hash` transforms comes from ${registration.hash_key_env}")
    if registration.downstream:
        lines.append(f"  downstream assets computed from them ({len(registration.downstream)}):")
        for entry in registration.downstream:
            inputs = ", ".join(f"{p}={v.removeprefix(DATASET_PREFIX)}" for p, v in entry.inputs)
            lines.append(_wrapped(f"{entry.name} = {entry.function}({inputs}), {entry.partitions}, params {entry.params}", indent=4))
    lines.append(f"  fingerprint: {registration.fingerprint}")
    return "\n".join(lines)


def describe_status(app_name: str, status: AppConsentStatus) -> str:
    """State, reason, spec vs grant fingerprints, expiry and one line per dataset."""
    authorization = status.authorization
    granted = authorization.fingerprint if authorization else "(none)"
    lines = [
        f"{app_name}: {status.state.value}",
        *([_wrapped(status.trust_note, indent=2)] if status.trust_note else []),
        _wrapped(status.reason, indent=2),
        f"  fingerprint: spec {status.fingerprint}",
        f"               grant {granted}",
    ]
    if authorization is not None:
        lines.append(f"  signed with admin key {authorization.key_id}")
        if authorization.deny_group_ids:
            lines.append(f"  deny list: {', '.join(authorization.deny_group_ids)}")
    lines.append("  datasets:")
    names = [d.dataset.removeprefix(DATASET_PREFIX) for d in status.datasets]
    width = max(map(len, names), default=0)
    lines += [f"    {name.ljust(width)}  {d.state} — {d.message}" for name, d in zip(names, status.datasets)]
    if status.withheld:
        lines.append("  withheld from loaders until copied again:")
        lines += [_wrapped(withheld.describe(), indent=4) for withheld in status.withheld]
    return "\n".join(lines)


def _wrapped(text: str, indent: int) -> str:
    pad = " " * indent
    return textwrap.fill(
        text, width=_WIDTH, initial_indent=pad, subsequent_indent=pad, break_on_hyphens=False
    )
