"""Where rows come from: the `Source` protocol and its implementations."""

from mgdc_pipelines.sources.base import ExtractRequest, Scope, Source, TimeWindow

__all__ = ["ExtractRequest", "Scope", "Source", "TimeWindow"]
