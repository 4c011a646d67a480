"""The ARM / Data Factory REST calls (api-version 2018-06-01) on one configured factory.

Paths are matched case-insensitively, as ARM does; another subscription, resource group or
factory is a 404 ``ResourceNotFound``. Every answer is ``(status, JSON body)``; failures raise
:class:`~mgdc_pipelines.emulator.factory.objects.ArmError`.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from typing import Any

from mgdc_pipelines.emulator.factory.objects import KINDS, ArmError, ObjectStore, bad_request
from mgdc_pipelines.emulator.factory.plans import RunFailure, copy_activity
from mgdc_pipelines.emulator.factory.runs import RunEngine, activity_body, run_body

API_VERSION = "2018-06-01"
FACTORY_PATH = re.compile(r"^/subscriptions/(?P<sub>[^/]+)/resourceGroups/(?P<rg>[^/]+)/providers/"
                          r"Microsoft\.DataFactory/factories/(?P<factory>[^/]+)(?P<rest>/.*)?$", re.IGNORECASE)
_KIND = "|".join(KINDS)
_OBJECTS = re.compile(rf"^/(?P<kind>{_KIND})$", re.IGNORECASE)
_OBJECT = re.compile(rf"^/(?P<kind>{_KIND})/(?P<name>[^/]+)$", re.IGNORECASE)
_CREATE_RUN = re.compile(r"^/pipelines/(?P<name>[^/]+)/createRun$", re.IGNORECASE)
_RUN = re.compile(r"^/pipelineruns/(?P<id>[^/]+)(?P<action>/queryActivityruns|/cancel)?$", re.IGNORECASE)


class FactoryRoutes:
    """Answers the calls on the factory ``/subscriptions/{sub}/resourceGroups/{rg}/.../{factory}``."""

    def __init__(self, subscription_id: str, resource_group: str, factory_name: str, location: str,
                 store: ObjectStore, runs: RunEngine) -> None:
        self._names = (subscription_id.lower(), resource_group.lower(), factory_name.lower())
        self.factory_id = (f"/subscriptions/{subscription_id}/resourceGroups/{resource_group}/providers/"
                           f"Microsoft.DataFactory/factories/{factory_name}")
        self._factory_name, self._location = factory_name, location
        self._store, self._runs = store, runs

    def answer(self, method: str, path: str, query: Mapping[str, str], body: bytes) -> tuple[int, dict]:
        match = FACTORY_PATH.match(path)
        if match is None or (match["sub"].lower(), match["rg"].lower(), match["factory"].lower()) != self._names:
            factory = match["factory"] if match else path
            raise ArmError(404, "ResourceNotFound", f"The Resource 'Microsoft.DataFactory/factories/{factory}' "
                           f"under resource group '{match['rg'] if match else '?'}' was not found.")
        _check_api_version(query)
        return self._route(method, match["rest"] or "", body)

    def _route(self, method: str, rest: str, body: bytes) -> tuple[int, dict]:
        if rest in ("", "/") and method == "GET":
            return 200, {"id": self.factory_id, "name": self._factory_name, "location": self._location,
                         "type": "Microsoft.DataFactory/factories", "properties": {"provisioningState": "Succeeded"}}
        if (match := _OBJECTS.match(rest)) and method == "GET":
            return 200, {"value": self._store.list(match["kind"].lower())}
        if match := _OBJECT.match(rest):
            return self._object(method, match["kind"].lower(), match["name"], body)
        if (match := _CREATE_RUN.match(rest)) and method == "POST":
            return 200, {"runId": self._create_run(match["name"], _json(body, default={}))}
        if match := _RUN.match(rest):
            return self._run(method, match["id"], (match["action"] or "").lower(), body)
        raise ArmError(404, "NotFound", f"No Data Factory operation at {method} {rest or '/'}.")

    def _object(self, method: str, kind: str, name: str, body: bytes) -> tuple[int, dict]:
        if method == "PUT":
            return 200, self._store.put(kind, name, _json(body, default=None))
        if method == "GET":
            return 200, self._store.get(kind, name)
        if method == "DELETE":
            return (200 if self._store.delete(kind, name) else 204), {}
        raise ArmError(405, "MethodNotAllowed", f"{method} is not supported on {kind}.")

    def _create_run(self, name: str, parameters: Any) -> str:
        pipeline = self._store.properties("pipelines", name)
        if pipeline is None:
            raise ArmError(404, "NotFound", f"The pipeline '{name}' does not exist in this factory.")
        if not isinstance(parameters, Mapping):
            raise bad_request("The createRun body must be an object of pipeline parameters.")
        merged = run_parameters(name, pipeline.get("parameters") or {}, parameters)
        try:
            activity = str(copy_activity(pipeline).get("name"))
        except RunFailure:
            activity = "Copy"  # the run fails when it starts, as ADF's would
        return self._runs.create(pipeline_name_of(self._store, name), merged, activity)

    def _run(self, method: str, run_id: str, action: str, body: bytes) -> tuple[int, dict]:
        try:
            run = self._runs.record(run_id)
        except KeyError:
            raise ArmError(404, "NotFound", f"The pipeline run '{run_id}' does not exist in this factory.") from None
        if action == "" and method == "GET":
            return 200, run_body(run)
        if action == "/cancel" and method == "POST":
            self._runs.cancel(run_id)
            return 200, {}
        if action == "/queryactivityruns" and method == "POST":
            after, before = _update_window(_json(body, default={}))
            started = run.activity_start is not None
            return 200, {"value": [activity_body(run)] if started and after <= run.last_updated <= before else []}
        raise ArmError(405, "MethodNotAllowed", f"{method} is not supported on pipelineruns{action}.")


def run_parameters(pipeline: str, declared: Mapping[str, Any], given: Mapping[str, Any]) -> dict:
    """The run's parameters: those given, then declared defaults; unknown or missing ones are a 400."""
    unknown = sorted(set(given) - set(declared))
    if unknown:
        raise bad_request(f"The parameters {', '.join(unknown)} are not defined in pipeline '{pipeline}'.")
    merged = dict(given)
    for name, spec in declared.items():
        if name not in merged:
            if not isinstance(spec, Mapping) or "defaultValue" not in spec:
                raise bad_request(f"The required pipeline parameter '{name}' of pipeline '{pipeline}' is not "
                                  "provided and has no default value.")
            merged[name] = spec["defaultValue"]
    return merged


def pipeline_name_of(store: ObjectStore, name: str) -> str:
    """The pipeline's name as it was created (ARM names compare case-insensitively)."""
    return next((body["name"] for body in store.list("pipelines") if body["name"].lower() == name.lower()), name)


def _update_window(body: Any) -> tuple[dt.datetime, dt.datetime]:
    if not isinstance(body, Mapping) or not body.get("lastUpdatedAfter") or not body.get("lastUpdatedBefore"):
        raise bad_request("queryActivityruns needs lastUpdatedAfter and lastUpdatedBefore (ISO-8601).")
    try:
        return tuple(_moment(body[name]) for name in ("lastUpdatedAfter", "lastUpdatedBefore"))
    except ValueError:
        raise bad_request("lastUpdatedAfter/lastUpdatedBefore must be ISO-8601 date-times.") from None


def _moment(text: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)


def _check_api_version(query: Mapping[str, str]) -> None:
    version = query.get("api-version")
    if version is None:
        raise ArmError(400, "MissingApiVersionParameter", "The api-version query parameter (?api-version=) "
                       "is required for all requests.")
    if version != API_VERSION:
        raise ArmError(400, "InvalidApiVersionParameter", f"The api-version '{version}' is invalid. The "
                       f"supported version for Microsoft.DataFactory is '{API_VERSION}'.")


def _json(body: bytes, default: Any) -> Any:
    if not body.strip():
        return default
    try:
        return json.loads(body)
    except ValueError:
        raise bad_request("The request body is not valid JSON.") from None
