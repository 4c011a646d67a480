"""Where rows go: the `Sink` protocol and its implementations."""

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
