"""What can go wrong talking to Graph, each error naming the URL and what was being read."""

from __future__ import annotations


class GraphError(RuntimeError):
    """Graph answered with an error the source cannot retry its way out of."""

    def __init__(self, message: str, *, url: str, status: int | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.url = url
        self.status = status
        self.code = code


class MalformedPageError(GraphError):
    """A 200 response that is not the JSON Graph promises (invalid JSON, no ``value``)."""


class RetriesExhaustedError(GraphError):
    """Throttling, server errors or dropped connections outlasted the retry budget."""
