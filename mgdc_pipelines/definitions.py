"""The code location `workspace.yaml` loads: the app in ``$MGDC_SPEC``, or the bundled demo.

Loading it also syncs the app's authorized scopes into the instance of ``$DAGSTER_HOME``
(:func:`~mgdc_pipelines.defs.scopes.sync_scopes_at_load`): ``dagster asset materialize`` and the
UI's Materialize button accept ``<day>|<scope>`` keys on a fresh instance, before any sensor tick.
"""

from mgdc_pipelines.defs import build_defs
from mgdc_pipelines.defs.scopes import sync_scopes_at_load
from mgdc_pipelines.examples.collaboration import with_collaboration_example
from mgdc_pipelines.spec import load_spec

app = load_spec()
sync_scopes_at_load(app)
# With the demo's example persona model when the spec declares the features it builds on.
defs = with_collaboration_example(app, build_defs(app))
