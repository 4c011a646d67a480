"""``MgdcApp``: a whole MGDC app as a Dagster component, its ``defs.yaml`` attributes being the spec.

Like dagster-sling's and dagster-dlt's components, it is a ``@dataclass`` that is both a
``dg.Component`` and ``dg.Resolvable``. Its attributes are the spec's top-level keys (``app``,
``source``, ``sink``, ``partitions``, ``scopes``, ``datasets``, ``consent``, ``dagster``,
``downstream``). Their schema is derived from the spec models
(:mod:`mgdc_pipelines.defs.component_schema`), so ``dg check yaml`` names a misspelled field and
editors complete them; their values are validated exactly as ``mgdc-pipelines validate``
validates a spec file, and a problem names the ``defs.yaml`` file and the field. Templates
(``{{ env.NAME }}``, ``{{ spec_dir }}``) are the spec's, and relative paths are relative to the
component's folder. ``build_defs`` is :func:`~mgdc_pipelines.build_defs`.

.. code-block:: bash

    pip install 'mgdc-pipelines[dg]'
    dg scaffold defs mgdc_pipelines.MgdcApp people_analytics   # a starter defs.yaml
    dg check yaml && dg check defs && dg list defs

>>> from mgdc_pipelines.defs.component_scaffold import starter_attributes
>>> component = MgdcApp.from_attributes_dict(attributes=starter_attributes("people_analytics"))
>>> component.app["name"], len(component.datasets) > 10
('people_analytics', True)
"""

# No `from __future__ import annotations`: dg.Resolvable reads the real field annotations.
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import dagster as dg
import yaml
from pydantic import BaseModel

from mgdc_pipelines.defs.build import build_defs
from mgdc_pipelines.defs.component_scaffold import MgdcAppScaffolder, starter_attributes
from mgdc_pipelines.defs.component_schema import attributes_model, plain_attributes
from mgdc_pipelines.defs.scopes import sync_scopes_at_load
from mgdc_pipelines.spec.loader import parse_spec
from mgdc_pipelines.spec.model import AppSpec

__all__ = ["MgdcApp", "starter_attributes"]


@dg.scaffold_with(MgdcAppScaffolder)
@dataclass
class MgdcApp(dg.Component, dg.Resolvable):
    """An MGDC app: consent-governed copies of Microsoft 365 datasets, one partitioned asset each.

    The attributes are an app spec (see ``mgdc_pipelines/specs/demo.yaml``); their values are
    checked, and their templates rendered, by the spec loader when the component loads.
    """

    app: dict[str, Any]
    source: dict[str, Any]
    sink: dict[str, Any]
    partitions: dict[str, Any]
    scopes: dict[str, Any]
    datasets: list[dict[str, Any]]
    consent: Optional[dict[str, Any]] = None
    dagster: Optional[dict[str, Any]] = None
    downstream: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def get_spec(cls) -> dg.ComponentTypeSpec:
        """What `dg list components` and the UI's component picker show."""
        return dg.ComponentTypeSpec(
            description="A consent-governed Microsoft Graph Data Connect app: a partitioned asset "
            "per dataset.",
            tags=["mgdc", "microsoft-365"],
            produces=["asset", "asset_check", "job", "sensor", "schedule", "resource"],
        )

    @classmethod
    def model(cls) -> type[BaseModel]:
        """The attributes' schema: the spec models' fields (see ``component_schema``)."""
        return attributes_model()

    @classmethod
    def resolve_from_model(cls, context: dg.ResolutionContext, model: BaseModel) -> "MgdcApp":
        # The attributes reach the spec loader as written: it renders their templates (an unset
        # variable is an error naming the field; no value is repeated in an error) and validates
        # them, the one code path for a spec file and a defs.yaml alike.
        return cls(**plain_attributes(model))

    def spec(self, source: str = "<MgdcApp attributes>") -> AppSpec:
        """The validated spec; :class:`~mgdc_pipelines.spec.SpecError` lists every problem.
        ``source`` names the file in errors, and relative paths are relative to its folder."""
        raw = {
            "app": self.app,
            "source": self.source,
            "sink": self.sink,
            "partitions": self.partitions,
            "scopes": self.scopes,
            "datasets": self.datasets,
            **({"consent": self.consent} if self.consent is not None else {}),
            **({"dagster": self.dagster} if self.dagster is not None else {}),
            **({"downstream": self.downstream} if self.downstream else {}),
        }
        return parse_spec(yaml.safe_dump(raw, sort_keys=False), source=source)

    def build_defs(self, context: dg.ComponentLoadContext) -> dg.Definitions:
        app = self.spec(source=str(Path(context.path) / "defs.yaml"))
        sync_scopes_at_load(app)  # a fresh instance accepts `<day>|<scope>` before any sensor tick
        return build_defs(app)
