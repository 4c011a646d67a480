"""What the user declared: an MGDC app spec (YAML) parsed into frozen, validated models.

>>> from mgdc_pipelines.spec import load_spec, DEMO_SPEC_PATH
>>> spec = load_spec(DEMO_SPEC_PATH)
>>> spec.dataset("Message_v1").date_filter_column
'receivedDateTime'
"""

from mgdc_pipelines.spec.errors import SpecError, SpecProblem
from mgdc_pipelines.spec.loader import (
    DEMO_SPEC_PATH,
    SPEC_ENV_VAR,
    default_spec_path,
    load_spec,
    parse_spec,
)
from mgdc_pipelines.spec.model import (
    AppInfo,
    AppSpec,
    DagsterSpec,
    DatasetSpec,
    LocalSinkSpec,
    PartitionsSpec,
    ScopeSpec,
    SyntheticSourceSpec,
)

__all__ = [
    "DEMO_SPEC_PATH",
    "SPEC_ENV_VAR",
    "AppInfo",
    "AppSpec",
    "DagsterSpec",
    "DatasetSpec",
    "LocalSinkSpec",
    "PartitionsSpec",
    "ScopeSpec",
    "SpecError",
    "SpecProblem",
    "SyntheticSourceSpec",
    "default_spec_path",
    "load_spec",
    "parse_spec",
]
