"""A pipeline run's Copy activity resolved against the factory's objects and the run's parameters.

A :class:`CopyPlan` is everything the MGDC rules and the delivery need: which dataset, for
which app and tenant, which columns, window and groups, and where the files go. Anything
missing or malformed fails the run with an ADF-style ``UserError...`` (:class:`RunFailure`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mgdc_pipelines.catalog import Dataset, Mode, UnknownDatasetError, get_dataset
from mgdc_pipelines.emulator.factory.expressions import ExpressionError, resolve
from mgdc_pipelines.emulator.factory.objects import ObjectStore


class RunFailure(Exception):
    """Why a run failed: an ADF/MGDC error code and a message that says what to do."""

    def __init__(self, error_code: str, message: str) -> None:
        super().__init__(f"{error_code}: {message}")
        self.error_code, self.message = error_code, message


@dataclass(frozen=True)
class CopyPlan:
    activity_name: str
    dataset: Dataset
    app_id: str  # the Office 365 linked service's servicePrincipalId
    tenant_id: str  # office365TenantId
    staging_principal: str  # the staging linked service's servicePrincipalId
    service_endpoint: str
    container: str
    folder: str
    columns: tuple[str, ...]  # content columns asked for (outputColumns)
    date_filter_column: str | None
    start: str | None
    end: str | None
    allowed_groups: tuple[str, ...]


def copy_activity(pipeline: Mapping) -> Mapping:
    """The pipeline's (first) Copy activity."""
    for activity in pipeline.get("activities") or ():
        if activity.get("type") == "Copy":
            return activity
    raise RunFailure("UserErrorInvalidPipeline", "The pipeline has no Copy activity; the emulator runs "
                     "MGDC Copy pipelines (Office365Source to a Json dataset).")


def plan_copy(store: ObjectStore, pipeline_name: str, parameters: Mapping[str, Any]) -> CopyPlan:
    """Resolve the pipeline's Copy activity for one run (its parameters already merged with defaults)."""
    pipeline = store.properties("pipelines", pipeline_name) or {}
    activity = copy_activity(pipeline)
    try:
        source_ds, office = _dataset_and_service(store, activity, "inputs", "Office365Table", "Office365")
        sink_ds, staging = _dataset_and_service(store, activity, "outputs", "Json", "AzureBlobStorage")
        return _plan(activity, parameters, source_ds, office, sink_ds, staging)
    except ExpressionError as error:
        raise RunFailure("UserErrorInvalidExpression", f"Activity '{activity.get('name')}': {error}") from None


def _plan(activity: Mapping, parameters: Mapping, source_ds: Mapping, office: Mapping,
          sink_ds: Mapping, staging: Mapping) -> CopyPlan:
    source = (activity.get("typeProperties") or {}).get("source") or {}
    dataset = _catalog_dataset(resolve(source_ds["typeProperties"].get("tableName"), parameters))
    output_parameters = {name: resolve(value, parameters)
                         for name, value in ((activity["outputs"][0].get("parameters")) or {}).items()}
    location = sink_ds["typeProperties"].get("location") or {}
    groups = resolve(source.get("allowedGroups", []), parameters) or []
    if not isinstance(groups, list):
        raise RunFailure("UserErrorInvalidParameter", f"allowedGroups must be an array of group ids, got "
                         f"{type(groups).__name__}.")
    return CopyPlan(
        activity_name=str(activity.get("name")),
        dataset=dataset,
        app_id=str(office["typeProperties"].get("servicePrincipalId", "")),
        tenant_id=str(office["typeProperties"].get("office365TenantId", "")),
        staging_principal=str(staging["typeProperties"].get("servicePrincipalId", "")),
        service_endpoint=str(staging["typeProperties"].get("serviceEndpoint", "")),
        container=str(resolve(location.get("container", ""), parameters, output_parameters)),
        folder=str(resolve(location.get("folderPath", ""), parameters, output_parameters)).strip("/"),
        columns=_columns(dataset, source.get("outputColumns")),
        date_filter_column=resolve(source.get("dateFilterColumn"), parameters) or None,
        start=resolve(source.get("startTime"), parameters) or None,
        end=resolve(source.get("endTime"), parameters) or None,
        allowed_groups=tuple(str(group) for group in groups),
    )


def _dataset_and_service(store: ObjectStore, activity: Mapping, role: str, dataset_type: str,
                         service_type: str) -> tuple[dict, dict]:
    references = activity.get(role) or ()
    if not references:
        raise RunFailure("UserErrorInvalidPipeline", f"Activity '{activity.get('name')}' has no {role}.")
    name = references[0].get("referenceName", "")
    dataset = store.properties("datasets", name)
    if dataset is None or dataset.get("type") != dataset_type:
        raise RunFailure("UserErrorInvalidDataset", f"The {role[:-1]} dataset '{name}' of activity "
                         f"'{activity.get('name')}' must be a {dataset_type} dataset.")
    service_name = (dataset.get("linkedServiceName") or {}).get("referenceName", "")
    service = store.properties("linkedservices", service_name)
    if service is None or service.get("type") != service_type:
        raise RunFailure("UserErrorInvalidLinkedService", f"The linked service '{service_name}' of dataset "
                         f"'{name}' must be an {service_type} linked service.")
    dataset.setdefault("typeProperties", {})
    service.setdefault("typeProperties", {})
    return dataset, service


def _catalog_dataset(table_name: Any) -> Dataset:
    try:
        return get_dataset(str(table_name))
    except UnknownDatasetError as error:
        raise RunFailure("UserErrorOffice365DatasetNotFound", f"tableName: {error}") from None


def _columns(dataset: Dataset, output_columns: Any) -> tuple[str, ...]:
    """Content columns asked for; metadata columns come with every row anyway."""
    if output_columns is None:
        return dataset.column_names
    names = [str(column.get("name")) if isinstance(column, Mapping) else str(column) for column in output_columns]
    unknown = [name for name in names if name not in dataset.column_names + dataset.metadata_column_names]
    if unknown:
        raise RunFailure("UserErrorInvalidColumnName", f"outputColumns: {dataset.name} has no column(s) "
                         f"{', '.join(unknown)}.")
    return tuple(name for name in names if name in dataset.column_names)


def parse_moment(text: str, name: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        raise RunFailure("UserErrorInvalidParameter", f"{name} '{text}' is not an ISO-8601 date-time.") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)


def is_sharepoint(dataset: Dataset) -> bool:
    return dataset.mode is Mode.SHAREPOINT
