"""The demo's example ML project: collaboration personas on top of the spec's downstream features.

The bundled demo spec declares, under `downstream:`, three feature assets computed by plain
functions (`collaboration_edges`, `weekly_user_features`, `sharepoint_oversharing`). This
package adds the part written in plain Python next to the spec: a scikit-learn persona model
(`mgdc_pipelines.examples.collaboration.personas`) over `weekly_user_features`, with its metrics and a plot as metadata and an
asset check on its silhouette. `make demo` materializes all of it for the last complete week.

>>> from mgdc_pipelines.spec import load_spec, DEMO_SPEC_PATH
>>> defs = collaboration_example(load_spec(DEMO_SPEC_PATH))
>>> [asset.key.to_user_string() for asset in defs.assets]
['demo/collaboration_personas']
"""

from __future__ import annotations

import dagster as dg

from mgdc_pipelines.defs.downstream import downstream_asset_key, downstream_asset_settings, weekly_partitions
from mgdc_pipelines.examples.collaboration.personas import (
    DEFAULT_MIN_SILHOUETTE,
    SILHOUETTE_CHECK,
    PersonaModel,
    fit_personas,
    persona_asset,
)
from mgdc_pipelines.spec.model import AppSpec

FEATURES_ENTRY = "weekly_user_features"
PERSONAS = "collaboration_personas"


def collaboration_example(app: AppSpec, *, min_silhouette: float = DEFAULT_MIN_SILHOUETTE) -> dg.Definitions:
    """The persona model asset for `app`; the app must declare the `weekly_user_features` entry."""
    entry = next((e for e in app.downstream if e.name == FEATURES_ENTRY), None)
    if entry is None or entry.partitions != "weekly":
        raise ValueError(
            f"the collaboration example needs a weekly `downstream:` entry named {FEATURES_ENTRY!r} in app "
            f"{app.name} (see mgdc_pipelines/specs/demo.yaml)"
        )
    personas = persona_asset(
        downstream_asset_key(app, FEATURES_ENTRY),
        key=downstream_asset_key(app, PERSONAS),
        partitions_def=weekly_partitions(app),
        min_silhouette=min_silhouette,
        # Like the spec's own downstream assets: in the app's weekly job, built by its automation.
        **downstream_asset_settings(app, "weekly"),
    )
    return dg.Definitions(assets=[personas])


def has_collaboration_features(app: AppSpec) -> bool:
    """Whether `app` declares what `collaboration_example()` builds on."""
    return any(e.name == FEATURES_ENTRY and e.partitions == "weekly" for e in app.downstream)


__all__ = [
    "PERSONAS",
    "SILHOUETTE_CHECK",
    "PersonaModel",
    "collaboration_example",
    "fit_personas",
    "has_collaboration_features",
    "persona_asset",
    "with_collaboration_example",
]


def with_collaboration_example(app: AppSpec, defs: dg.Definitions) -> dg.Definitions:
    """`defs` plus the persona model when `app` declares its features (else `defs` as is)."""
    return dg.Definitions.merge(defs, collaboration_example(app)) if has_collaboration_features(app) else defs
