"""``MgdcApp``: a whole MGDC app as a Dagster component, its ``defs.yaml`` attributes being the spec.

Like dagster-sling's and dagster-dlt's components, it is a ``@dataclass`` that is both a
``dg.Component`` and ``dg.Resolvable``. Its attributes are the spec's top-level keys (``app``,
``source``, ``sink``, ``partitions``, ``scopes``, ``datasets``, ``consent``, ``dagster``,
``downstream``), validated exactly as ``mgdc-pipelines validate`` validates a spec file; a
problem names the ``defs.yaml`` file and the field. ``build_defs`` is :func:`~mgdc_pipelines.build_defs`.

.. code-block:: bash

    dg scaffold defs mgdc_pipelines.MgdcApp people_analytics   # a starter defs.yaml (the demo app)
    dg check defs && dg list defs

>>> from mgdc_pipelines.spec import DEMO_SPEC_PATH
>>> component = MgdcApp.from_attributes_dict(attributes=starter_attributes())
>>> component.app["name"], len(component.datasets) > 10
('demo', True)
"""

# No `from __future__ import annotations`: dg.Resolvable derives the attribute schema from the
# real field annotations, not strings.
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import dagster as dg
import yaml

from mgdc_pipelines.defs.build import build_defs
from mgdc_pipelines.defs.scopes import sync_scopes_at_load
from mgdc_pipelines.spec.loader import DEMO_SPEC_PATH, parse_spec
from mgdc_pipelines.spec.model import AppSpec

_CWD = "{{ cwd }}/"


class MgdcAppScaffolder(dg.Scaffolder):
    """``dg scaffold defs mgdc_pipelines.MgdcApp <name>`` writes the demo app as a starting point."""

    def scaffold(self, request: dg.ScaffoldRequest) -> None:
        from dagster.components.component_scaffolding import scaffold_component

        scaffold_component(request, starter_attributes())


def starter_attributes() -> dict[str, Any]:
    """The bundled demo spec as ``defs.yaml`` attributes: its paths relative to the component's
    folder (Dagster renders the spec's own ``{{ cwd }}`` template as nothing). It names no admin
    key: which keys are trusted is the deployment's setting."""
    return yaml.safe_load(DEMO_SPEC_PATH.read_text(encoding="utf-8").replace(_CWD, "./"))


@dg.scaffold_with(MgdcAppScaffolder)
@dataclass
class MgdcApp(dg.Component, dg.Resolvable):
    """An MGDC app: consent-governed copies of Microsoft 365 datasets, one partitioned asset each.

    The attributes are the app spec (see ``mgdc_pipelines/specs/demo.yaml``); Dagster renders
    ``{{ env.NAME }}`` templates in them before the spec is validated.
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

    def spec(self, source: str = "<MgdcApp attributes>") -> AppSpec:
        """The validated spec; :class:`~mgdc_pipelines.spec.SpecError` lists every problem."""
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
