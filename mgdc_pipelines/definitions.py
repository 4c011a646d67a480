"""The code location `workspace.yaml` loads: the app in ``$MGDC_SPEC``, or the bundled demo."""

from mgdc_pipelines.defs import build_defs
from mgdc_pipelines.spec import load_spec

defs = build_defs(load_spec())
