"""Where rows go: the `Sink` protocol and its implementations."""

from mgdc_pipelines.sinks.base import CommitInfo, PartitionRef, PartitionWriter, Sink
from mgdc_pipelines.sinks.local import LocalSink

__all__ = ["CommitInfo", "LocalSink", "PartitionRef", "PartitionWriter", "Sink"]
