"""The MgdcApp attribute schema, checked as `dg check yaml` checks it (a Draft 2020-12 validator)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from dagster_shared.yaml_utils import parse_yamls_with_source_position
from jsonschema import Draft202012Validator

from mgdc_pipelines import MgdcApp
from mgdc_pipelines.defs.component_scaffold import starter_text
from mgdc_pipelines.spec.model import AppSpec

# Mappings whose keys are the user's own names, not fields: any key is fine there.
FREE_FORM_KEYS = {("scopes",), ("downstream", "*", "inputs"), ("downstream", "*", "params")}


@pytest.fixture(scope="module")
def validator() -> Draft202012Validator:
    return Draft202012Validator(MgdcApp.get_model_cls().model_json_schema())


def starter_as_dg_reads_it() -> dict:
    """The scaffolded attributes as Dagster's YAML loader reads them (dates stay strings)."""
    text = starter_text("people_analytics", Path("/p/src/p/defs/people_analytics"), Path("/p"))
    return parse_yamls_with_source_position(text, filename="defs.yaml")[0].value["attributes"]


def field_paths(value, path=()):
    """Every ``(path, key)`` of a field in a document (the user's own names aside)."""
    if isinstance(value, dict):
        for key, item in value.items():
            pattern = tuple("*" if isinstance(part, int) else part for part in path)
            if pattern not in FREE_FORM_KEYS:
                yield path, key
                yield from field_paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from field_paths(item, (*path, index))


def test_the_component_attributes_are_the_spec_fields():
    spec_fields = {name for name, info in AppSpec.model_fields.items() if not info.exclude}
    assert set(MgdcApp.get_model_cls().model_fields) == spec_fields
    assert {f.name for f in dataclasses.fields(MgdcApp)} == spec_fields


def test_the_scaffolded_app_matches_the_schema(validator):
    assert list(validator.iter_errors(starter_as_dg_reads_it())) == []


def test_every_misspelled_field_of_the_scaffolded_app_is_named_at_its_place(validator):
    document = starter_as_dg_reads_it()
    paths = list(field_paths(document))
    assert len(paths) > 60  # app, source, sink, ..., every dataset's and downstream entry's fields
    for path, key in paths:
        parent = document
        for part in path:
            parent = parent[part]
        parent[f"{key}x"] = parent.pop(key)
        errors = list(validator.iter_errors(document))
        parent[key] = parent.pop(f"{key}x")
        messages = {(tuple(error.absolute_path), error.message) for error in errors}
        assert (path, f"Additional properties are not allowed ('{key}x' was unexpected)") in messages, (path, key, messages)


@pytest.mark.parametrize(
    ("path", "value", "valid"),
    [
        (("source", "users"), "{{ env.USERS }}", True),
        (("source", "users"), "many", False),
        (("dagster", "max_partitions_per_run"), "{{ env.RUN_SIZE }}", True),
        (("sink", "compression"), "{{ env.COMPRESSION }}", True),
        (("sink", "compression"), "brotli", False),
        (("app", "tenant_id"), "{{ env.TENANT_ID }}", True),
        (("sink", "type"), "ftp", False),
    ],
)
def test_values_take_templates_and_the_shape_is_checked(validator, path, value, valid):
    document = starter_as_dg_reads_it()
    parent = document
    for part in path[:-1]:
        parent = parent[part]
    parent[path[-1]] = value
    assert validator.is_valid(document) is valid


def test_editors_get_names_choices_and_descriptions():
    schema = MgdcApp.get_model_cls().model_json_schema()
    definitions = schema["$defs"]
    assert "Message_v1" in definitions["DatasetSpecAttributes"]["properties"]["name"]["examples"]
    assert schema["properties"]["sink"]["properties"]["type"]["enum"] == ["local", "azure"]
    synthetic = schema["properties"]["source"]["allOf"][0]["then"]["properties"]
    assert synthetic["users"]["description"].startswith("Employee accounts")  # TenantConfig's docstring
    assert "admin key" in definitions["ConsentSpecAttributes"]["description"]
    assert definitions["DagsterSpecAttributes"]["properties"]["max_partitions_per_run"]["default"] == 31


def test_the_component_type_says_what_it_builds():
    spec = MgdcApp.get_spec()
    assert "Graph Data Connect" in spec.description
    assert {"asset", "asset_check", "sensor"} <= set(spec.produces)
