"""The code location `workspace.yaml` loads: the app in ``$MGDC_SPEC``, or the bundled demo."""

from mgdc_pipelines.defs import build_defs
from mgdc_pipelines.examples.collaboration import with_collaboration_example
from mgdc_pipelines.spec import load_spec

app = load_spec()
# With the demo's example persona model when the spec declares the features it builds on.
defs = with_collaboration_example(app, build_defs(app))
