"""`downstream:` entries in a spec: accepted as declared, refused naming the entry and what is allowed."""

from __future__ import annotations

import pytest
import yaml

from mgdc_pipelines.spec import SpecError, parse_spec
from mgdc_pipelines_tests.conftest import demo_spec_dict


def problems_of(downstream: list[dict]) -> list[str]:
    raw = demo_spec_dict()
    raw["downstream"] = downstream
    with pytest.raises(SpecError) as raised:
        parse_spec(yaml.safe_dump(raw), source="app.yaml")
    return [str(problem) for problem in raised.value.problems]


def test_the_demo_declares_its_features_as_downstream_entries():
    raw = demo_spec_dict(downstream=True)
    spec = parse_spec(yaml.safe_dump(raw))
    names = [entry.name for entry in spec.downstream]
    assert names == ["collaboration_edges", "weekly_user_features", "sharepoint_oversharing"]
    assert spec.downstream[1].inputs["edges"] == "collaboration_edges"


def test_unknown_function_module_and_attribute_are_named():
    problems = problems_of([
        {"name": "a", "function": "mgdc_pipelines.features:colaboration_edges", "inputs": {"messages": "Message_v1"}},
        {"name": "b", "function": "no_such_package.features:f", "inputs": {"messages": "Message_v1"}},
        {"name": "c", "function": "mgdc_pipelines.features.collaboration_edges", "inputs": {"messages": "Message_v1"}},
    ])
    assert problems[0].startswith(
        "downstream[0].function: module mgdc_pipelines.features has no 'colaboration_edges'; did you mean 'collaboration_edges'"
    )
    assert "Allowed: after_hours_mail, chat_edges, collaboration_edges" in problems[0]
    assert problems[1:] == [
        "downstream[1].function: cannot import module 'no_such_package.features': No module named 'no_such_package'",
        "downstream[2].function: 'mgdc_pipelines.features.collaboration_edges' is not a function path: write package.module:function",
    ]


def test_inputs_must_be_datasets_of_the_spec_or_entries_above_with_the_same_partitions():
    problems = problems_of([
        {"name": "late", "function": "mgdc_pipelines.features:network_size", "inputs": {"edges": "edges"}},
        {"name": "edges", "function": "mgdc_pipelines.features:collaboration_edges", "inputs": {"messages": "Mesage_v1"}, "partitions": "daily"},
        {"name": "sizes", "function": "mgdc_pipelines.features:network_size", "inputs": {"edges": "edges"}},
        {"name": "sizes", "function": "mgdc_pipelines.features:network_size", "inputs": {}},
    ])
    assert problems[0].startswith("downstream[0].inputs.edges: 'edges' is declared below this entry; declare inputs first")
    assert problems[1].startswith("downstream[1].inputs.messages: 'Mesage_v1' is not a dataset of this spec nor a downstream entry above; did you mean 'Message_v1'")
    assert problems[2] == "downstream[2].inputs.edges: 'edges' is partitioned daily, this entry weekly; a downstream input must have the same `partitions`"
    assert problems[3] == "downstream[3].name: 'sizes' is already declared above; names must be unique"
    assert "downstream[3].inputs: name at least one input" in problems[4]


def test_the_inputs_and_params_must_fit_the_functions_signature():
    (problem,) = problems_of([
        {"name": "edges", "function": "mgdc_pipelines.features:message_edges", "inputs": {"mail": "Message_v1"}},
    ])
    assert problem.startswith("downstream[0].inputs: mgdc_pipelines.features:message_edges cannot be called with mail")
    assert problem.endswith("its parameters: messages, recipient_columns")
