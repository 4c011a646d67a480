"""``GraphEmulator``: Microsoft Graph and Entra ID over HTTPS on loopback, for tests and demos.

It ties the pieces together: the TLS server (``server.py``), identity (``identity.py``), the
Graph routes over the synthetic tenant (``routes.py``, ``delta.py``, ``batch.py``), Outlook
throttling and injected faults (``throttling.py``) and the request log (``recording.py``).
See the package docstring for an example.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import threading
import time
import uuid
from collections.abc import Mapping
from pathlib import Path

from mgdc_pipelines.catalog import get_dataset
from mgdc_pipelines.catalog.graph import BATCH_PATH, GRAPH_VERSION, catalog_columns_by_property
from mgdc_pipelines.emulator.batch import run_batch
from mgdc_pipelines.emulator.config import EmulatorConfig
from mgdc_pipelines.emulator.graph_rows import GraphRows, to_graph_json
from mgdc_pipelines.emulator.identity import Identity, answer_identity_request
from mgdc_pipelines.emulator.mutations import Mutations
from mgdc_pipelines.emulator.odata import GraphError
from mgdc_pipelines.emulator.recording import RecordedRequest, RequestLog
from mgdc_pipelines.emulator.routes import Call, GraphRoutes, mailbox_of
from mgdc_pipelines.emulator.server import DROP, HttpRequest, HttpResponse, TlsServer
from mgdc_pipelines.emulator.throttling import FaultInjector, MailboxLimiter, Throttled
from mgdc_pipelines.sources.synthetic import SyntheticSource
from mgdc_pipelines.sources.synthetic.tenant import SyntheticTenant

log = logging.getLogger(__name__)

_GRAPH_PREFIX = f"/{GRAPH_VERSION}"
_JSON = {"Content-Type": "application/json; charset=utf-8"}
_FIXED_AT_START = ("tenant", "host", "port", "clients", "certificates")


class GraphEmulator:
    """One emulator instance; a context manager, or ``start()``/``stop()``."""

    def __init__(self, config: EmulatorConfig | None = None, identity: Identity | None = None) -> None:
        """``identity``: another emulator's Entra ID (e.g. ``FactoryEmulator.identity``), whose
        tokens this one then accepts, as Graph and ARM both accept one tenant's Entra tokens."""
        self.config = config or EmulatorConfig()
        self.source = SyntheticSource(self.config.tenant)
        self._clock = self.config.clock
        self._server = TlsServer(self._handle, self.config.host, self.config.port)
        self._identity = identity or Identity(self.config.clients, self.config.token_lifetime_s,
                                              self.config.certificates)
        self._limiter = MailboxLimiter(self.config.mailbox_concurrency, self.config.mailbox_requests_per_window,
                                       self.config.window_s, self.config.retry_after_s)
        self._faults = FaultInjector(self.config.faults)
        self._log = RequestLog(self.config.max_recorded_requests)
        self._mutations = Mutations()
        self._rows = GraphRows(self.source)
        self._routes = GraphRoutes(self, self._rows, self._mutations)
        self._stopping = threading.Event()

    def __repr__(self) -> str:
        return f"GraphEmulator(tenant={self.tenant!r}, port={self.config.port})"

    # --- lifecycle --------------------------------------------------------------------------

    def start(self) -> GraphEmulator:
        self._stopping.clear()
        self._server.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # wakes requests sleeping their latency
        self._server.stop()

    def __enter__(self) -> GraphEmulator:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    @property
    def port(self) -> int:
        return self._server.port

    @property
    def base_url(self) -> str:
        """``https://127.0.0.1:<port>``: the authority host (authority = ``{base_url}/{tenant}``)."""
        return self._server.base_url

    @property
    def graph_url(self) -> str:
        return f"{self.base_url}{_GRAPH_PREFIX}"

    @property
    def ca_pem_path(self) -> Path:
        if self._server.ca_pem_path is None:
            raise RuntimeError("the emulator is not running; call start() first")
        return self._server.ca_pem_path

    @property
    def tenant(self) -> SyntheticTenant:
        return self.source.tenant

    # --- test controls ----------------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        return self._log.snapshot()

    def clear_requests(self) -> None:
        self._log.clear()

    def now(self) -> dt.datetime:
        return self._clock or dt.datetime.now(dt.timezone.utc)

    def set_clock(self, moment: dt.datetime | None) -> None:
        """"Now" for snapshots, delta tokens and mutations (``None``: real UTC now)."""
        if moment is not None and moment.tzinfo is None:
            raise ValueError(f"set_clock needs a timezone-aware datetime, got {moment!r}")
        self._clock = moment

    def configure(self, **changes) -> None:
        """Change behaviour at runtime, e.g. ``configure(faults=FaultConfig(throttle_burst=3))``."""
        fixed = sorted(set(changes) & set(_FIXED_AT_START))
        if fixed:
            raise ValueError(f"{', '.join(fixed)} cannot change while the emulator runs; make a new one")
        self.config = config = dataclasses.replace(self.config, **changes)
        self._limiter.configure(config.mailbox_concurrency, config.mailbox_requests_per_window,
                                config.window_s, config.retry_after_s)
        if "faults" in changes:
            self._faults.configure(config.faults)
        self._identity.configure(config.token_lifetime_s)
        if "clock" in changes:
            self.set_clock(config.clock)

    def expire_tokens(self) -> None:
        self._identity.expire_all()

    def delete_message(self, user_id: str, message_id: str) -> None:
        """Delete a message: gone from listings, ``@removed`` in its folder's next message delta."""
        row = self._message_row(user_id, message_id)
        self._mutations.delete_message(user_id, message_id, folder=row["parentFolderId"])

    def update_message(self, user_id: str, message_id: str, **graph_properties: object) -> None:
        """Change a message's properties (e.g. ``isRead=True``, ``categories=[...]``) as its owner would.

        Its ``lastModifiedDateTime`` becomes the emulator's now; the Message_v1 and SentItem_v1
        endpoints serve the new values, and its folder's next message delta reports it. Moving it
        (``parentFolderId``) is not supported.
        """
        fixed = {"id", "parentFolderId", "lastModifiedDateTime"}
        known = set(catalog_columns_by_property(get_dataset("Message_v1"))) - fixed
        refused = sorted(set(graph_properties) - known)
        if refused:
            raise ValueError(f"update_message: {refused} cannot be set; allowed: Message_v1 properties "
                             f"except {', '.join(sorted(fixed))} ({', '.join(sorted(known))})")
        row = self._message_row(user_id, message_id)
        modified = to_graph_json(get_dataset("Message_v1"), {"lastModifiedDateTime": self.now()})
        self._mutations.update_message(user_id, row, {**graph_properties, **modified})

    def _message_row(self, user_id: str, message_id: str) -> Mapping:
        """The message as generated, found among the user's mail of the last ``mutable_message_days``."""
        user = self._known_user(user_id)
        now = self.now()
        days = self.config.mutable_message_days
        since = max(user.created_at, now - dt.timedelta(days=days))
        row = self._rows.find("Message_v1", user_id, message_id, "receivedDateTime", before=now, not_before=since)
        if row is None:
            raise ValueError(f"user {user_id!r} has no message {message_id!r} received in the {days} days before "
                             f"{now.isoformat()} (EmulatorConfig.mutable_message_days)")
        return row

    def update_user(self, user_id: str, **graph_properties: object) -> None:
        """Change profile properties: served by ``/users`` and reported by the next ``/users/delta``."""
        self._known_user(user_id)
        known = set(catalog_columns_by_property(get_dataset("User_v1")))
        unknown = sorted(set(graph_properties) - known - {"id"})
        if unknown or "id" in graph_properties:
            raise ValueError(f"update_user: {unknown or ['id']} cannot be set; "
                             f"allowed: User_v1 properties except id ({', '.join(sorted(known - {'id'}))})")
        self._mutations.update_user(user_id, graph_properties)

    def _known_user(self, user_id: str):
        user = self.tenant.user_by_id.get(user_id)
        if user is None:
            raise ValueError(f"no user {user_id!r} in the emulator's synthetic tenant")
        return user

    # --- request handling -------------------------------------------------------------------

    def _handle(self, request: HttpRequest) -> HttpResponse | object:
        if request.path == _GRAPH_PREFIX or request.path.startswith(_GRAPH_PREFIX + "/"):
            return self._graph(request)
        return self._identity_request(request)

    def _identity_request(self, request: HttpRequest) -> HttpResponse:
        started = time.monotonic()
        status, body, client_id = answer_identity_request(
            self._identity, self.base_url, request.method, request.path, request.query, request.body)
        self._record(request.method, request.path, request.query, None, status, False, started, 0,
                     service="identity", client_id=client_id, error_code=body.get("error"))
        return HttpResponse(status, _JSON, json.dumps(body).encode())

    def _graph(self, request: HttpRequest) -> HttpResponse | object:
        started = time.monotonic()
        path = request.path[len(_GRAPH_PREFIX):] or "/"
        call = Call(request.method, path, request.query, request.headers)
        try:
            client_id = self._identity.authenticate(request.headers.get("authorization"))
        except GraphError as error:
            self._record(call.method, path, call.params, None, error.status, False, started, 0,
                         error_code=error.code)
            return self._error_response(error)
        if self._faults.drop_connection():
            self._record(call.method, path, call.params, None, None, False, started, 0,
                         client_id=client_id, error_code="DroppedConnection")
            return DROP
        if path == BATCH_PATH:
            return self._batch(request, call, client_id, started)
        status, headers, body, malformed = self._serve(call, client_id, in_batch=False)
        return HttpResponse(status, {**_JSON, **headers}, _malformed(body, malformed) if malformed
                            else json.dumps(body).encode())

    def _batch(self, request: HttpRequest, call: Call, client_id: str, started: float) -> HttpResponse:
        try:
            if call.method != "POST":
                raise GraphError(405, "Request_BadRequest", "$batch takes POST")
            body = run_batch(request.body, lambda inner: self._serve(inner, client_id, True)[:3])
            status = 200
        except GraphError as error:
            body, status = error.body(str(uuid.uuid4()), self.now()), error.status
        self._record(call.method, call.path, call.params, None, status, False, started, 0,
                     client_id=client_id)
        return HttpResponse(status, _JSON, json.dumps(body).encode())

    def _serve(
        self, call: Call, client_id: str, in_batch: bool
    ) -> tuple[int, Mapping[str, str], dict, str | None]:
        """Answer one Graph request (top-level or inside a batch): faults, limits, latency, route.

        The last item names the malformed-page fault to apply to a top-level page, if any.
        """
        started, mailbox, concurrent = time.monotonic(), mailbox_of(call.path), 0
        status, headers, code, malformed = 200, {}, None, None
        try:
            fault = self._faults.request_fault()
            if fault is not None:
                raise fault.error()
            if mailbox is None:
                body = self._route(call)
            else:
                with self._limiter.admit(client_id, mailbox) as concurrent:
                    body = self._route(call)
        except Throttled as refused:
            concurrent = refused.concurrent
            status, headers, code = refused.status, refused.headers, refused.code
            body = self._error_body(refused)
        except GraphError as error:
            status, headers, code, body = error.status, error.headers, error.code, self._error_body(error)
        except Exception as error:  # a bug: answer 500 (and say so) rather than hang the client
            log.exception("graph emulator failed on %s %s", call.method, call.path)
            failure = GraphError(500, "InternalServerError", f"emulator error: {error!r}")
            status, code, body = 500, failure.code, self._error_body(failure)
        if status == 200 and not in_batch and "value" in body:
            malformed = self._faults.malformed_page()
            code = f"MalformedPage:{malformed}" if malformed else None
        self._record(call.method, call.path, call.params, mailbox, status, in_batch, started, concurrent,
                     client_id=client_id, error_code=code)
        return status, headers, body, malformed

    def _route(self, call: Call) -> dict:
        if self.config.latency_s:
            self._stopping.wait(self.config.latency_s)
        return self._routes.serve(call)

    def _error_body(self, error: GraphError) -> dict:
        return error.body(str(uuid.uuid4()), dt.datetime.now(dt.timezone.utc))

    def _error_response(self, error: GraphError) -> HttpResponse:
        body = json.dumps(self._error_body(error)).encode()
        return HttpResponse(error.status, {**_JSON, **error.headers}, body)

    def _record(self, method: str, path: str, params: Mapping[str, str], mailbox: str | None,
                status: int | None, in_batch: bool, started: float, concurrent: int, **extra) -> None:
        self._log.append(RecordedRequest(method, path, dict(params), mailbox, status, in_batch,
                                         started, time.monotonic(), concurrent, **extra))


def _malformed(body: dict, kind: str) -> bytes:
    """The injected bad page: JSON cut off mid-way, or a page without ``value``."""
    if kind == "invalid_json":
        text = json.dumps(body)
        return text[: len(text) // 2].encode()
    return json.dumps({key: value for key, value in body.items() if key != "value"}).encode()
