"""``FactoryEmulator``: Entra ID + ARM + Azure Data Factory over HTTPS on loopback.

It ties the pieces together: the Graph emulator's TLS server, identity (tokens for the
management scope, and the Graph scope so that a test can show a wrong-audience token being
refused), request log and sliding-window limiter; the factory's objects (``objects.py``),
routes (``routes.py``), runs (``runs.py``), and what a run does: MGDC's rules (``rules.py``)
and the delivery to the staging account (``deliveries.py``).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from azure.storage.blob import BlobServiceClient

from mgdc_pipelines.catalog.graph import GRAPH_SCOPE
from mgdc_pipelines.emulator.factory.config import FactoryEmulatorConfig, MgdcApproval
from mgdc_pipelines.emulator.factory.deliveries import DeliveryOutput, deliver
from mgdc_pipelines.emulator.factory.objects import ArmError, ObjectStore
from mgdc_pipelines.emulator.factory.plans import RunFailure, plan_copy
from mgdc_pipelines.emulator.factory.routes import FactoryRoutes
from mgdc_pipelines.emulator.factory.rules import check
from mgdc_pipelines.emulator.factory.runs import RunEngine, RunRecord
from mgdc_pipelines.emulator.identity import Identity, TokenRefused, answer_identity_request, audience_of
from mgdc_pipelines.emulator.recording import RecordedRequest, RequestLog
from mgdc_pipelines.emulator.server import HttpRequest, HttpResponse, TlsServer
from mgdc_pipelines.emulator.throttling import MailboxLimiter, Throttled, retry_after_value
from mgdc_pipelines.sources.synthetic import SyntheticSource

MANAGEMENT_SCOPE = "https://management.azure.com/.default"
_JSON = {"Content-Type": "application/json; charset=utf-8"}
_UNLIMITED = 1_000_000  # the ARM limiter counts requests per window, not requests in flight


class FactoryEmulator:
    """One emulated factory; a context manager, or ``start()``/``stop()``."""

    def __init__(self, config: FactoryEmulatorConfig) -> None:
        self.config = config
        self.source = SyntheticSource(config.tenant)
        self._server = TlsServer(self._handle, config.host, config.port)
        self._identity = Identity(config.clients, config.token_lifetime_s, config.certificates,
                                  scopes=(MANAGEMENT_SCOPE, GRAPH_SCOPE))
        self._log = RequestLog(config.max_recorded_requests)
        self._limiter = self._arm_limiter(config)
        self._approvals: dict[str, MgdcApproval] = dict(config.approvals)
        self._approvals_lock = threading.Lock()
        self._store = ObjectStore(self._factory_id)
        self._runs = RunEngine(self._execute, config.queued_seconds, config.in_progress_seconds)
        self._routes = FactoryRoutes(config.subscription_id, config.resource_group, config.factory_name,
                                     config.factory_location, self._store, self._runs)
        self._blobs = BlobServiceClient.from_connection_string(config.storage_connection_string)

    def __repr__(self) -> str:
        return f"FactoryEmulator(factory={self.config.factory_name!r}, port={self.config.port})"

    @property
    def identity(self) -> Identity:
        """This emulator's Entra ID (ARM and Graph scopes): give it to a ``GraphEmulator`` so that
        one token endpoint serves both, as in a real tenant."""
        return self._identity

    # --- lifecycle --------------------------------------------------------------------------

    def start(self) -> FactoryEmulator:
        self._server.start()
        return self

    def stop(self) -> None:
        self._server.stop()
        self._runs.stop()

    def __enter__(self) -> FactoryEmulator:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        return self._server.base_url

    @property
    def management_url(self) -> str:
        """Where ARM is (real: ``https://management.azure.com``)."""
        return self._server.base_url

    @property
    def authority_host(self) -> str:
        """The Entra host: MSAL's authority is ``{authority_host}/{tenant_id}``."""
        return self._server.base_url

    @property
    def ca_pem_path(self) -> Path:
        if self._server.ca_pem_path is None:
            raise RuntimeError("the emulator is not running; call start() first")
        return self._server.ca_pem_path

    @property
    def subscription_id(self) -> str:
        return self.config.subscription_id

    @property
    def resource_group(self) -> str:
        return self.config.resource_group

    @property
    def factory_name(self) -> str:
        return self.config.factory_name

    @property
    def staging_account_url(self) -> str:
        """The staging account (from the connection string): the staging linked service's ``serviceEndpoint``."""
        return self._blobs.url.rstrip("/")

    @property
    def factory_path(self) -> str:
        """``/subscriptions/.../factories/{name}``: prefix of every factory call."""
        return self._factory_id

    @property
    def _factory_id(self) -> str:
        c = self.config
        return (f"/subscriptions/{c.subscription_id}/resourceGroups/{c.resource_group}/providers/"
                f"Microsoft.DataFactory/factories/{c.factory_name}")

    # --- test controls ----------------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        return self._log.snapshot()

    def objects(self, kind: str) -> dict[str, dict]:
        """``linkedservices``, ``datasets`` or ``pipelines``: name → properties as PUT."""
        return self._store.snapshot(kind)

    def runs(self) -> list[RunRecord]:
        return self._runs.records()

    def wait_for_run(self, run_id: str, timeout: float = 60.0) -> RunRecord:
        """The run once it is Succeeded, Failed or Cancelled (or as it is after ``timeout``)."""
        return self._runs.wait(run_id, timeout)

    def approve(self, client_id: str, datasets: Mapping[str, tuple[str, ...] | str]) -> None:
        """The admin approves the app for these datasets (short or full name → columns or ``"all"``)."""
        self._set_approval(client_id, MgdcApproval("approved", datasets))

    def set_pending(self, client_id: str) -> None:
        self._set_approval(client_id, MgdcApproval("pending", self._approval_datasets(client_id)))

    def deny(self, client_id: str) -> None:
        self._set_approval(client_id, MgdcApproval("denied", self._approval_datasets(client_id)))

    def set_storage_contributors(self, principals: Iterable[str] | None) -> None:
        """Who holds Storage Blob Data Contributor on the staging account (None: every client)."""
        self.config = replace(self.config, storage_contributors=None if principals is None else frozenset(principals))

    def set_region(self, *, office_region: str | None = None, factory_location: str | None = None) -> None:
        self.config = replace(self.config, office_region=office_region or self.config.office_region,
                              factory_location=factory_location or self.config.factory_location)

    def expire_tokens(self) -> None:
        """Every token issued so far is expired from now on (ARM answers ExpiredAuthenticationToken)."""
        self._identity.expire_all()

    def fail_next_run(self, error_code: str, message: str) -> None:
        """The next run created fails with this error (after its queued and in-progress time)."""
        self._runs.fail_next_run(error_code, message)

    def hold_runs(self) -> None:
        """Runs stay InProgress until :meth:`release_runs` (to cancel one, say)."""
        self._runs.hold()

    def release_runs(self) -> None:
        self._runs.release()

    def _set_approval(self, client_id: str, approval: MgdcApproval) -> None:
        with self._approvals_lock:
            self._approvals[client_id] = approval

    def _approval_datasets(self, client_id: str) -> Mapping:
        with self._approvals_lock:
            approval = self._approvals.get(client_id)
        return approval.datasets if approval else {}

    # --- a run's work -----------------------------------------------------------------------

    def _execute(self, pipeline: str, parameters: Mapping[str, Any], cancelled) -> tuple[str, DeliveryOutput]:
        plan = plan_copy(self._store, pipeline, parameters)
        with self._approvals_lock:
            approvals = dict(self._approvals)
        config = self.config
        failure = check(plan, approvals, config.office_region, config.factory_location, config.contributors)
        if failure is not None:
            raise failure
        if plan.service_endpoint.rstrip("/") != self.staging_account_url:
            raise RunFailure("UserErrorOffice365DestinationNotApproved", f"The staging serviceEndpoint "
                             f"'{plan.service_endpoint}' is not the storage account of the app's approved sink "
                             f"('{self.staging_account_url}').")
        output = deliver(plan, self.source, self._blobs, config.files_per_run, config.batch_rows, cancelled)
        return f"{plan.container}/{plan.folder}", output

    # --- request handling -------------------------------------------------------------------

    def _handle(self, request: HttpRequest) -> HttpResponse:
        if request.path.lower().startswith("/subscriptions/"):
            return self._arm(request)
        return self._identity_request(request)

    def _identity_request(self, request: HttpRequest) -> HttpResponse:
        started = time.monotonic()
        status, body, client_id = answer_identity_request(
            self._identity, self.base_url, request.method, request.path, request.query, request.body)
        self._record(request, status, started, "identity", client_id, body.get("error"))
        return HttpResponse(status, _JSON, json.dumps(body).encode())

    def _arm(self, request: HttpRequest) -> HttpResponse:
        started, client_id, headers = time.monotonic(), None, {}
        try:
            client_id = self._authenticate(request.headers.get("authorization"))
            if self._limiter is not None:
                with self._limiter.admit(client_id, self.config.subscription_id):
                    pass
            status, body = self._routes.answer(request.method, request.path, request.query, request.body)
            code = None
        except Throttled:
            code, status = "TooManyRequests", 429
            headers = {"Retry-After": retry_after_value(self.config.retry_after_seconds, http_date=False)}
            body = {"error": {"code": code, "message": "The request is throttled: too many requests to "
                              f"Microsoft.DataFactory for this subscription; retry after {headers['Retry-After']} s."}}
        except ArmError as error:
            status, headers, body, code = error.status, error.headers, error.arm_body(), error.code
        self._record(request, status, started, "arm", client_id, code)
        return HttpResponse(status, {**_JSON, **headers}, json.dumps(body).encode() if body or status != 204 else b"")

    def _authenticate(self, authorization: str | None) -> str:
        try:
            token = self._identity.verify(authorization)
        except TokenRefused as refused:
            code = "ExpiredAuthenticationToken" if refused.reason == "expired" else "AuthenticationFailed"
            raise ArmError(401, code, refused.message,
                           {"WWW-Authenticate": 'Bearer authorization_uri="", error="invalid_token"'}) from None
        if token.audience != audience_of(MANAGEMENT_SCOPE):
            raise ArmError(401, "InvalidAuthenticationTokenAudience",
                           f"The access token has been obtained for wrong audience or resource "
                           f"'{token.audience}'. It should exactly match with one of the allowed audiences "
                           f"'{audience_of(MANAGEMENT_SCOPE)}/'.")
        return token.client_id

    def _record(self, request: HttpRequest, status: int, started: float, service: str,
                client_id: str | None, error_code: str | None) -> None:
        self._log.append(RecordedRequest(request.method, request.path, dict(request.query), None, status, False,
                                         started, time.monotonic(), 0, service=service, client_id=client_id,
                                         error_code=error_code))

    @staticmethod
    def _arm_limiter(config: FactoryEmulatorConfig) -> MailboxLimiter | None:
        if config.arm_requests_per_window is None:
            return None
        return MailboxLimiter(_UNLIMITED, config.arm_requests_per_window, config.window_seconds,
                              config.retry_after_seconds)
