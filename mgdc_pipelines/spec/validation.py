"""Checks of a parsed spec against the catalog and the source's options.

Each check yields :class:`SpecProblem`s rather than raising, so a user sees every problem of a
spec in one run.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator

from mgdc_pipelines.catalog import Dataset, Mode, UnknownDatasetError, get_dataset, list_datasets
from mgdc_pipelines.spec.downstream import check_downstream
from mgdc_pipelines.spec.errors import SpecProblem, allowed_hint, shown
from mgdc_pipelines.spec.model import MAX_GROUPS_PER_SCOPE, AppSpec, DatasetSpec, GraphSourceSpec, LandingSourceSpec
from mgdc_pipelines.spec.model import MgdcSourceSpec, _ServicePrincipal


def validate_app(spec: AppSpec, *, import_code: bool = True) -> list[SpecProblem]:
    """Every problem of ``spec``; ``import_code=False`` leaves the ``downstream:`` functions unimported."""
    return [
        *_check_datasets(spec),
        *_check_scopes(spec),
        *_check_source_options(spec),
        *_check_azure_credentials(spec),
        *check_downstream(spec, import_code=import_code),
        *_check_schedule(spec),
        *_check_dagster_names(spec),
    ]


def _check_dagster_names(spec: AppSpec) -> Iterator[SpecProblem]:
    """Names Dagster would refuse when the code server loads the app (the models check the
    characters; these are Dagster's further rules), reported here with the field instead."""
    owner = spec.app.owner
    if "@" in owner and _dagster_refuses(lambda: _asset_owned_by(owner)):
        # an owner with `@` becomes the assets' owner, which Dagster wants to be an email address
        yield SpecProblem("app.owner", f"{shown(owner)} is not an email address; write one like "
                          "data-platform@contoso.com, or a name without @")
    for index, entry in enumerate(spec.downstream):
        for parameter in entry.inputs:
            if _dagster_refuses(lambda: _asset_with_input(parameter)):
                yield SpecProblem(f"downstream[{index}].inputs.{parameter}", f"{parameter!r} is reserved "
                                  "by Dagster or Python (context, input, type, keywords, ...); rename "
                                  "the function's parameter")


def _dagster_refuses(define: Callable[[], object]) -> bool:
    """Whether Dagster refuses the definition ``define`` builds: its own rules, through its public
    API, so they cannot drift from the Dagster version installed.

    >>> _dagster_refuses(lambda: _asset_with_input("context")), _dagster_refuses(lambda: _asset_with_input("users"))
    (True, False)
    """
    import dagster as dg

    try:
        define()
    except dg.DagsterInvalidDefinitionError:
        return True
    return False


def _asset_owned_by(owner: str) -> object:
    """An asset spec owned by ``owner``, as the app's assets are."""
    import dagster as dg

    return dg.AssetSpec("owner_check", owners=[owner])


def _asset_with_input(parameter: str) -> object:
    """An asset with one input named ``parameter``, as a ``downstream:`` entry's asset has."""
    import dagster as dg

    @dg.asset(name="input_check", ins={parameter: dg.AssetIn(dg.AssetKey("upstream"))})
    def _check(context, **inputs):
        return None

    return _check


def _cron_refused(cron: str) -> bool:
    """Whether Dagster's schedules refuse ``cron``.

    >>> _cron_refused("0 6 * * *"), _cron_refused("0 25 * * *")
    (False, True)
    """
    import dagster as dg

    return _dagster_refuses(lambda: dg.ScheduleDefinition(name="cron_check", cron_schedule=cron, job_name="cron_check"))


def _check_schedule(spec: AppSpec) -> Iterator[SpecProblem]:
    """The schedules' crons and timezones must be ones Dagster can evaluate."""
    from zoneinfo import available_timezones

    schedules = [("dagster.schedule", spec.dagster.schedule)]
    if spec.sink.format == "delta":
        schedules.append(("sink.maintenance.schedule", spec.sink.maintenance.schedule))
    zones = available_timezones()
    for path, schedule in schedules:
        if _cron_refused(schedule.cron):
            yield SpecProblem(
                f"{path}.cron",
                f"{schedule.cron!r} is not a cron expression; five fields, e.g. '0 6 * * *' (06:00 daily)",
            )
        if schedule.timezone not in zones:
            yield SpecProblem(
                f"{path}.timezone",
                f"unknown timezone {schedule.timezone!r}; {allowed_hint(schedule.timezone, sorted(zones))}",
            )


def _check_azure_credentials(spec: AppSpec) -> Iterator[SpecProblem]:
    """A key or SAS credential must name the environment variable that holds the secret."""
    locations = [("sink", spec.sink), ("source.azure", getattr(spec.source, "azure", None))]
    for path, location in locations:
        credential = getattr(location, "credential", None)
        if credential is None:
            continue
        needed = {"key": "key_env", "sas": "sas_env"}.get(credential.type)
        if needed and getattr(credential, needed) is None:
            yield SpecProblem(
                f"{path}.credential.{needed}",
                f"credential type {credential.type!r} needs `{needed}`: the name of the environment "
                "variable holding the secret (never the secret itself)",
            )


def _check_datasets(spec: AppSpec) -> Iterator[SpecProblem]:
    if not spec.datasets:
        yield SpecProblem("datasets", "declare at least one dataset")
    seen: dict[str, int] = {}
    for index, item in enumerate(spec.datasets):
        path = f"datasets[{index}]"
        try:
            dataset = get_dataset(item.name)
        except UnknownDatasetError:
            known = [ds.short_name for ds in list_datasets()]
            yield SpecProblem(
                f"{path}.name",
                f"unknown MGDC dataset {item.name!r}; {allowed_hint(item.name, known)}",
            )
            continue
        if dataset.name in seen:
            yield SpecProblem(
                f"{path}.name", f"{dataset.short_name} is already declared at datasets[{seen[dataset.name]}]"
            )
        seen[dataset.name] = index
        yield from _check_columns(path, item, dataset)
        yield from _check_date_filter(path, item, dataset)
        yield from _check_transforms(path, item, dataset)


def _check_columns(path: str, item: DatasetSpec, dataset: Dataset) -> Iterator[SpecProblem]:
    if item.columns == "all":
        return
    if not item.columns:
        yield SpecProblem(f"{path}.columns", "list at least one column, or write `all`")
    duplicates = {name for name in item.columns if item.columns.count(name) > 1}
    for name in sorted(duplicates):
        yield SpecProblem(f"{path}.columns", f"column {name!r} is listed more than once")
    for column_index, name in enumerate(item.columns):
        if name in dataset.column_names:
            continue
        if name in dataset.metadata_column_names:
            message = f"{name!r} is a metadata column MGDC adds to every row; do not list it"
        else:
            message = (
                f"{dataset.short_name} has no column {name!r}; "
                f"{allowed_hint(name, dataset.column_names)}"
            )
        yield SpecProblem(f"{path}.columns[{column_index}]", message)


def _check_date_filter(path: str, item: DatasetSpec, dataset: Dataset) -> Iterator[SpecProblem]:
    column, allowed = item.date_filter_column, dataset.date_filter_columns
    where = f"{path}.date_filter_column"
    if dataset.mode is Mode.RANGE and allowed and column is None:
        yield SpecProblem(
            where,
            f"{dataset.short_name} is filtered by date: choose one of {', '.join(allowed)}",
        )
    elif column is not None and not allowed:
        how = "by event start and end" if dataset.mode is Mode.RANGE else "as a snapshot"
        yield SpecProblem(
            where, f"{dataset.short_name} has no date-filter column (MGDC copies it {how}); remove it"
        )
    elif column is not None and column not in allowed:
        yield SpecProblem(
            where,
            f"{column!r} is not a date-filter column of {dataset.short_name}; "
            f"{allowed_hint(column, allowed)}",
        )


def _check_transforms(path: str, item: DatasetSpec, dataset: Dataset) -> Iterator[SpecProblem]:
    from mgdc_pipelines.consent.transforms import HASHABLE_TYPES, can_hash

    # `selected_columns` silently skips unknown names; those are reported by _check_columns.
    selected = set(item.selected_columns)
    for column, transform in item.transforms.items():
        where = f"{path}.transforms.{column}"
        if column not in dataset.column_names:
            yield SpecProblem(where, f"{dataset.short_name} has no column {column!r}; {allowed_hint(column, dataset.column_names)}")
        elif column not in selected:
            yield SpecProblem(where, f"{column!r} is not among the dataset's columns; add it to `columns` or remove the transform")
        elif transform == "hash" and not can_hash(dataset.column(column).type):
            yield SpecProblem(
                where,
                f"cannot hash {column!r} of type {dataset.column(column).notation}; "
                f"`hash` applies to {HASHABLE_TYPES}",
            )


def _check_scopes(spec: AppSpec) -> Iterator[SpecProblem]:
    if not spec.scopes:
        yield SpecProblem("scopes", "declare at least one scope, e.g. `all: all`")
    for scope in spec.scopes:
        groups = scope.group_ids
        if groups is None:
            continue
        path = f"scopes.{scope.key}"
        if not groups:
            yield SpecProblem(path, "list at least one group id, or write `all` for everyone")
        if len(groups) > MAX_GROUPS_PER_SCOPE:
            yield SpecProblem(
                path, f"{len(groups)} groups; MGDC allows at most {MAX_GROUPS_PER_SCOPE} per scope"
            )
        for group_id in sorted({g for g in groups if groups.count(g) > 1}):
            yield SpecProblem(path, f"group {group_id} is listed more than once")


def _check_source_options(spec: AppSpec) -> Iterator[SpecProblem]:
    from mgdc_pipelines.sources.synthetic import TenantConfig

    if isinstance(spec.source, LandingSourceSpec):
        if (spec.source.path is None) == (spec.source.azure is None):
            yield SpecProblem("source", "a landing source reads from exactly one of `path` or `azure`")
        return
    if isinstance(spec.source, GraphSourceSpec):
        yield from _check_graph_source(spec, spec.source)
        return
    if isinstance(spec.source, MgdcSourceSpec):
        yield from _check_mgdc_source(spec.source)
        yield from _check_days_delivered(spec)
        return

    allowed = {f.name for f in dataclasses.fields(TenantConfig)}
    unknown = [key for key in spec.source.options if key not in allowed]
    for key in unknown:
        yield SpecProblem(
            f"source.{key}", f"unknown synthetic tenant option; {allowed_hint(key, allowed)}"
        )
    if unknown:
        return
    try:
        TenantConfig(**spec.source.options)
    except (TypeError, ValueError) as error:
        yield SpecProblem("source", str(error))


def _check_graph_source(spec: AppSpec, source: GraphSourceSpec) -> Iterator[SpecProblem]:
    """One credential, named by environment variable; only datasets Graph serves."""
    from mgdc_pipelines.catalog.graph import NotOnGraphError, graph_endpoint

    yield from _check_service_principal(source, "a graph source")
    for index, item in enumerate(spec.datasets):
        try:
            endpoint = graph_endpoint(get_dataset(item.name))
        except UnknownDatasetError:
            continue  # reported by _check_datasets
        except NotOnGraphError as error:
            yield SpecProblem(f"datasets[{index}].name", str(error))
            continue
        yield from _check_filtered_in_source(f"datasets[{index}]", item, endpoint)


def _check_mgdc_source(source: MgdcSourceSpec) -> Iterator[SpecProblem]:
    """One credential, as for Graph: the factory's linked services hand it to MGDC (a certificate
    as a PKCS#12 built from the PEM key and certificate; the staging one reads it from Key Vault)."""
    yield from _check_service_principal(source, "an mgdc source")
    certificate = source.certificate_path is not None or source.private_key_env is not None
    if certificate and source.key_vault is None:
        yield SpecProblem("source.key_vault", "a certificate credential needs the Key Vault secret holding "
                          "the same certificate: Data Factory's Blob linked service takes a certificate only "
                          "from Azure Key Vault")
    if not certificate and source.key_vault is not None:
        yield SpecProblem("source.key_vault", "only a certificate credential is read from Key Vault; "
                          "remove key_vault or use a certificate")


def _check_days_delivered(spec: AppSpec) -> Iterator[SpecProblem]:
    """One MGDC run delivers many days at once; its rows are split by a column the app must be
    allowed to read (it never asks MGDC for a column outside the grant)."""
    from mgdc_pipelines.sources.mgdc.delivery import EVENT_START_COLUMN

    for index, item in enumerate(spec.datasets):
        try:
            dataset = item.dataset
        except UnknownDatasetError:
            continue  # reported by _check_datasets
        if dataset.mode is Mode.SNAPSHOT:
            continue
        column = item.date_filter_column or next(iter(dataset.date_filter_columns), None)
        if column is None and EVENT_START_COLUMN in dataset.column_names:
            column = EVENT_START_COLUMN
        if column and column not in item.selected_columns:
            yield SpecProblem(
                f"datasets[{index}].columns",
                f"an mgdc source splits each delivery into days by {column}: list it among the columns",
            )


def _check_service_principal(source: _ServicePrincipal, what: str) -> Iterator[SpecProblem]:
    """Exactly one credential, each secret named by an environment variable."""
    certificate = source.certificate_path is not None or source.private_key_env is not None
    if (source.client_secret_env is not None) == certificate:
        yield SpecProblem(
            "source",
            f"{what} authenticates with exactly one of `client_secret_env` (the name of the "
            "variable holding the client secret) or a certificate (`certificate_thumbprint` with "
            "`certificate_path` or `private_key_env`)",
        )
    if certificate and source.certificate_thumbprint is None:
        yield SpecProblem("source.certificate_thumbprint", "a certificate credential needs the certificate's SHA-1 thumbprint (40 hex digits)")
    if source.certificate_path is not None and source.private_key_env is not None:
        yield SpecProblem("source", "give the private key either as `certificate_path` or as `private_key_env`, not both")


def _check_filtered_in_source(path: str, item: DatasetSpec, endpoint) -> Iterator[SpecProblem]:
    """The date filter Graph can apply to the dataset, or the date column the source must read
    to apply it itself (the grant holds only the columns the spec lists)."""
    from mgdc_pipelines.catalog.graph import TimeQuery

    dataset = item.dataset
    date_column = item.date_filter_column or next(iter(dataset.date_filter_columns), None)
    problem = endpoint.window_problem(dataset, date_column, item.selected_columns)
    if problem:
        field = "columns" if endpoint.time_query is TimeQuery.IN_SOURCE else "date_filter_column"
        yield SpecProblem(f"{path}.{field}", problem)
