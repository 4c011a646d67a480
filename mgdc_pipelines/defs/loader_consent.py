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
>>> location.app_name, location.store().suspension_path.name
('demo', 'demo.suspension.json')
"""

# No `from __future__ import annotations`: Dagster's config classes read real annotations.
from collections.abc import Sequence
from typing import Optional

import dagster as dg

from mgdc_pipelines.catalog import Dataset
from mgdc_pipelines.consent.clock import display
from mgdc_pipelines.consent.store import ConsentStore
from mgdc_pipelines.consent.suspension import Suspension
from mgdc_pipelines.defs.partitions import partition_ref, scoped_key
from mgdc_pipelines.sinks.base import PartitionRef
from mgdc_pipelines.spec.model import AppSpec, ConsentSpec


# How many partition keys a message lists before it summarizes the rest.
_LISTED_KEYS = 20


class MgdcLoadError(Exception):
    """An MGDC input cannot be loaded as asked: the message explains why and what to do.

    Defined here so that this module and :mod:`~mgdc_pipelines.defs.loader` raise the same error.
    """


class ConsentLocation(dg.Config):
    """The app's consent store: the spec's ``consent:`` paths (unresolved, as the copy's gate
    reads them) and the app name."""

    app_name: str
    authorization: str
    public_key: str
    state_dir: Optional[str] = None

    @classmethod
    def of(cls, app: AppSpec) -> Optional["ConsentLocation"]:
        """None for an app without a ``consent:`` block (its copies are all refused anyway)."""
        if app.consent is None:
            return None
        consent = app.consent
        return cls(
            app_name=app.name,
            authorization=consent.authorization,
            public_key=consent.public_key,
            state_dir=consent.state_dir,
        )

    def store(self) -> ConsentStore:
        spec = ConsentSpec(authorization=self.authorization, public_key=self.public_key, state_dir=self.state_dir)
        return ConsentStore(spec, self.app_name)


def refuse_while_suspended(store: ConsentStore, asset: dg.AssetKey) -> None:
    """Raise :class:`MgdcLoadError` quoting the suspension if the app is suspended."""
    suspension = store.suspension()
    if suspension is not None:
        raise MgdcLoadError(
            f"App {store.app_name} is {suspension.describe()}. MgdcIOManager loads no data of a "
            f"suspended app, so {asset.to_user_string()} was not loaded."
        )


def without_withheld(
    context: dg.InputContext,
    store: ConsentStore,
    asset: dg.AssetKey,
    dataset: Dataset,
    partitions: Sequence[PartitionRef],
) -> list[PartitionRef]:
    """``partitions`` minus those a suspension flagged and that were not copied again since."""
    withheld = store.withheld_partitions(dataset.name, lambda key: partition_ref(dataset, key).relative_path)
    left_out = [_key(p) for p in partitions if _key(p) in withheld]
    if not left_out:
        return list(partitions)
    why = _reasons([withheld[key] for key in left_out])
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
    return [p for p in partitions if _key(p) not in withheld]


def listed_keys(keys: Sequence[str]) -> str:
    """``a, b, c`` — or the first 20 ``and N more``: error messages stay readable."""
    shown = ", ".join(keys[:_LISTED_KEYS])
    return shown if len(keys) <= _LISTED_KEYS else f"{shown} and {len(keys) - _LISTED_KEYS} more"


def _key(partition: PartitionRef) -> str:
    return str(scoped_key(partition.date, partition.scope))


def _reasons(suspensions: Sequence[Suspension]) -> str:
    unique = list(dict.fromkeys(suspensions))
    return "; ".join(f"suspended on {display(s.suspended_at)}: {s.reason}" for s in unique)
