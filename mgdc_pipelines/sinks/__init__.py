"""Where rows go: the `Sink` protocol and its implementations.

The names below are imported on first use, not with the package: a process that writes to a
local folder does not load the Azure SDK (:class:`AzureBlobSink`) nor delta-rs
(:class:`DeltaSink`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mgdc_pipelines.lazy_exports import lazy_exports

__all__ = [
    "FORMATS",
    "AzureBlobSink",
    "CommitInfo",
    "DeltaSink",
    "LocalSink",
    "PartitionRef",
    "PartitionWriter",
    "Sink",
    "SinkPathError",
    "WithdrawnPartition",
    "format_for",
]

# Where each public name lives (the imports under TYPE_CHECKING below, for type checkers).
_MODULES = {
    "mgdc_pipelines.sinks.azure": ("AzureBlobSink",),
    "mgdc_pipelines.sinks.base": (
        "CommitInfo", "PartitionRef", "PartitionWriter", "Sink", "SinkPathError",
        "WithdrawnPartition",
    ),
    "mgdc_pipelines.sinks.delta": ("DeltaSink",),
    "mgdc_pipelines.sinks.formats": ("FORMATS", "format_for"),
    "mgdc_pipelines.sinks.local": ("LocalSink",),
}
__getattr__, __dir__ = lazy_exports(globals(), _MODULES, __all__)

if TYPE_CHECKING:  # what type checkers and editors resolve the names to
    from mgdc_pipelines.sinks.azure import AzureBlobSink
    from mgdc_pipelines.sinks.base import (
        CommitInfo,
        PartitionRef,
        PartitionWriter,
        Sink,
        SinkPathError,
        WithdrawnPartition,
    )
    from mgdc_pipelines.sinks.delta import DeltaSink
    from mgdc_pipelines.sinks.formats import FORMATS, format_for
    from mgdc_pipelines.sinks.local import LocalSink
