"""What consent lets :class:`~mgdc_pipelines.defs.loader.MgdcIOManager` hand to downstream assets.

A failed blocking check suspends the app and stops downstream assets in that run; later runs
read through the loader, so the loader enforces the same rule:

* while the app is suspended, no MGDC input loads at all (the error quotes the suspension);
* after an admin re-approves, partitions a suspension flagged stay out of every load until they
  are copied again (a re-copy replaces their data). They are left out with a warning naming
  them; an input left with no partition at all fails instead.

:class:`ConsentLocation` is the loader's plain config for where the app's consent store is.
:func:`~mgdc_pipelines.defs.build_defs` fills it in from the spec's ``consent:`` block.

>>> from mgdc_pipelines.spec import load_spec, DEMO_SPEC_PATH
>>> location = ConsentLocation.of(load_spec(DEMO_SPEC_PATH))
>>> location.app_name, location.store().audit.path.name
('demo', 'demo.audit-chain.jsonl')
"""

# No `from __future__ import annotations`: Dagster's config classes read real annotations.
import json
from collections.abc import Sequence
from typing import Optional

import dagster as dg

from pathlib import Path

from mgdc_pipelines.catalog import Dataset
from mgdc_pipelines.consent.audit import LedgerIdentity
from mgdc_pipelines.consent.checks import check_downstream
from mgdc_pipelines.consent.registration import DownstreamGrant
from mgdc_pipelines.consent.clock import display
from mgdc_pipelines.consent.store import ConsentStore
from mgdc_pipelines.consent.suspension import Suspension
from mgdc_pipelines.defs.ledger_anchor import instance_anchor
from mgdc_pipelines.sinks.base import PartitionRef
from mgdc_pipelines.spec.model import AppSpec, ConsentSpec


# How many partition keys a message lists before it summarizes the rest.
_LISTED_KEYS = 20
METADATA_DOWNSTREAM_GRANT = "mgdc/downstream_grant"  # a spec entry's DownstreamGrant, as JSON


class MgdcLoadError(Exception):
    """An MGDC input cannot be loaded as asked: the message explains why and what to do.

    Defined here so that this module and :mod:`~mgdc_pipelines.defs.loader` raise the same error.
    """


class ConsentLocation(dg.Config):
    """The app's consent store: the spec's ``consent:`` paths, the app's identity and the spec's
    folder (whose ``.env`` may not configure trust)."""

    app_name: str
    app_id: str
    tenant_id: str
    authorization: str
    state_dir: Optional[str] = None
    admin_key: Optional[str] = None
    spec_dir: Optional[str] = None

    @classmethod
    def of(cls, app: AppSpec) -> Optional["ConsentLocation"]:
        """None for an app without a ``consent:`` block (its copies are all refused anyway)."""
        if app.consent is None:
            return None
        store = ConsentStore.of(app)
        return cls(
            app_name=app.name,
            app_id=store.identity.app_id,
            tenant_id=store.identity.tenant_id,
            authorization=str(app.consent.authorization_path()),
            state_dir=str(app.consent.state_path()),
            admin_key=app.consent.admin_key,
            spec_dir=str(store.spec_dir) if store.spec_dir else None,
        )

    def store(self, instance: Optional[dg.DagsterInstance] = None) -> ConsentStore:
        """The store, anchored in ``instance`` when given."""
        spec = ConsentSpec(authorization=self.authorization, state_dir=self.state_dir, admin_key=self.admin_key)
        identity = LedgerIdentity(self.app_name, self.app_id, self.tenant_id)
        spec_dir = Path(self.spec_dir) if self.spec_dir else None
        return ConsentStore(spec, identity, spec_dir=spec_dir, anchor=instance_anchor(instance))


def refuse_while_suspended(store: ConsentStore, asset: dg.AssetKey) -> None:
    """Raise :class:`MgdcLoadError` quoting the suspension if the app is suspended (and a
    ConsentError if its consent files cannot be trusted)."""
    suspension = store.view().suspension
    if suspension is not None:
        raise MgdcLoadError(
            f"App {store.app_name} is {suspension.describe()}. MgdcIOManager loads no data of a "
            f"suspended app, so {asset.to_user_string()} was not loaded."
        )


def downstream_grant_metadata(grant: DownstreamGrant) -> dict[str, str]:
    """The metadata that makes an asset (or one of its inputs) subject to ``grant``."""
    return {METADATA_DOWNSTREAM_GRANT: json.dumps(grant.to_dict(), sort_keys=True)}


def refuse_ungranted_entry(store: ConsentStore, metadata, action: str) -> None:
    """If ``metadata`` carries a ``downstream:`` entry's grant, the authorization in force must
    hold exactly that entry (raises ConsentRefused naming it); else nothing to check."""
    value = (metadata or {}).get(METADATA_DOWNSTREAM_GRANT)
    value = value.value if isinstance(value, dg.MetadataValue) else value
    if value:
        grant = DownstreamGrant.from_dict(json.loads(value), METADATA_DOWNSTREAM_GRANT)
        check_downstream(store.view().authorization, grant, action=action)


def without_withheld(
    context: dg.InputContext,
    store: ConsentStore,
    asset: dg.AssetKey,
    dataset: Dataset,
    partitions: Sequence[PartitionRef],
) -> list[PartitionRef]:
    """``partitions`` minus those a suspension flagged and that were not copied again since."""
    withheld = store.withheld_partitions(dataset.name)
    left_out = [p.key for p in partitions if p.relative_path in withheld]
    if not left_out:
        return list(partitions)
    why = _reasons([withheld[p.relative_path] for p in partitions if p.relative_path in withheld])
    if len(left_out) == len(partitions):
        raise MgdcLoadError(
            f"every requested partition of {asset.to_user_string()} ({len(left_out)}: {listed_keys(left_out)}) "
            f"was flagged by a failed blocking consent check and not copied again since ({why}). "
            "Materialize them again to replace their data; no rows were loaded."
        )
    context.log.warning(
        f"Left out {len(left_out)} of the {len(partitions)} partition(s) of {asset.to_user_string()}: "
        f"{listed_keys(left_out)}. A failed blocking consent check flagged them and they were not copied "
        f"again since ({why}); materialize them again to load them."
    )
    return [p for p in partitions if p.relative_path not in withheld]


def listed_keys(keys: Sequence[str]) -> str:
    """``a, b, c`` — or the first 20 ``and N more``: error messages stay readable."""
    shown = ", ".join(keys[:_LISTED_KEYS])
    return shown if len(keys) <= _LISTED_KEYS else f"{shown} and {len(keys) - _LISTED_KEYS} more"




def _reasons(suspensions: Sequence[Suspension]) -> str:
    unique = list(dict.fromkeys(suspensions))
    return "; ".join(f"suspended on {display(s.suspended_at)}: {s.reason}" for s in unique)
