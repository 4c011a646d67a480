"""The Microsoft Graph source: MGDC's datasets from the transactional Graph API (no MGDC licence).

One module per concern:

* ``auth.py``: :class:`GraphCredentials` (secret or certificate, never shown) and MSAL tokens;
* ``tls.py``: an HTTP session trusting exactly the configured CA bundle;
* ``client.py``: retries (429/503/504 with ``Retry-After``, backoff, dropped connections), paging;
* ``throttle.py``: at most 4 requests in flight per mailbox, plus a global cap;
* ``batch.py``: ``$batch`` of up to 20 small calls; ``scope.py``: users/groups of a scope;
* ``query.py``: a dataset partition as Graph requests; ``streaming.py``: worker threads feeding a
  bounded queue; ``source.py``: :class:`GraphSource`; ``delta.py``: delta queries and links.

>>> credentials = GraphCredentials("contoso.onmicrosoft.com", "app-id", client_secret="not-shown")
>>> GraphSource(GraphSettings(credentials))
GraphSource(GraphCredentials(tenant_id='contoso.onmicrosoft.com', client_id='app-id', credential='client secret', authority='https://login.microsoftonline.com/contoso.onmicrosoft.com'), graph_url='https://graph.microsoft.com/v1.0')
"""

from mgdc_pipelines.sources.graph.auth import (
    DEFAULT_AUTHORITY_HOST,
    ClientCertificate,
    GraphAuthError,
    GraphCredentials,
)
from mgdc_pipelines.sources.graph.client import RetryPolicy
from mgdc_pipelines.sources.graph.delta import ChangeSet
from mgdc_pipelines.sources.graph.delta_state import DeltaStore
from mgdc_pipelines.sources.graph.errors import GraphError, MalformedPageError, RetriesExhaustedError
from mgdc_pipelines.sources.graph.source import DEFAULT_GRAPH_URL, GraphSettings, GraphSource
from mgdc_pipelines.sources.graph.stats import GraphStats

__all__ = [
    "DEFAULT_AUTHORITY_HOST",
    "DEFAULT_GRAPH_URL",
    "ChangeSet",
    "ClientCertificate",
    "DeltaStore",
    "GraphAuthError",
    "GraphCredentials",
    "GraphError",
    "GraphSettings",
    "GraphSource",
    "GraphStats",
    "MalformedPageError",
    "RetriesExhaustedError",
    "RetryPolicy",
]
