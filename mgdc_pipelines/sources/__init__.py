"""Where rows come from: the `Source` protocol and its implementations."""

from mgdc_pipelines.sources.base import Directory, ExtractRequest, Scope, Source, TimeWindow

__all__ = ["Directory", "ExtractRequest", "Scope", "Source", "TimeWindow"]
