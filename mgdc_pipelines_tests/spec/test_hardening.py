"""The spec loader's limits and error rendering: whatever the input, one clear SpecError."""

from __future__ import annotations

import copy
import re

import pytest
import yaml

from mgdc_pipelines.defs.pools import pool_name
from mgdc_pipelines.spec import DEMO_SPEC_PATH, SpecError, SpecProblem, load_spec, parse_spec
from mgdc_pipelines.spec.loader import MAX_DEPTH, MAX_NODES, MAX_SPEC_BYTES
from mgdc_pipelines.spec.model import POOL_NAME_PATTERN

DEMO = yaml.safe_load(DEMO_SPEC_PATH.read_text())


def spec_text(mutate=None) -> str:
    raw = copy.deepcopy(DEMO)
    if mutate:
        mutate(raw)
    return yaml.safe_dump(raw, sort_keys=False, allow_unicode=True)


def problems_of(text: str) -> list[str]:
    with pytest.raises(SpecError) as caught:
        parse_spec(text, source="my.yaml")
    return [str(problem) for problem in caught.value.problems]


# YAML limits


def nested(levels: int) -> str:
    """A top-level key whose value is a scalar inside ``levels`` nested lists."""
    return "app: " + "[" * levels + "1" + "]" * levels + "\n"


def test_nesting_up_to_the_limit_parses_and_one_level_more_is_refused():
    # The top mapping is level 1, its value level 2: a scalar inside n lists is at level n + 2,
    # in column n + 6 (after `app: ` and the brackets).
    assert not any("nested" in p for p in problems_of(nested(MAX_DEPTH - 2)))
    refused = f"line 1, column {MAX_DEPTH + 5}: nested deeper than 32 levels, the limit"
    assert problems_of(nested(MAX_DEPTH - 1)) == [refused]


def test_the_value_count_limit_names_where_it_was_reached():
    within = "app: [" + "1, " * (MAX_NODES - 10) + "1]\n"
    assert not any("values, the limit" in p for p in problems_of(within))
    [problem] = problems_of("app: [" + "1, " * MAX_NODES + "1]\n")
    assert re.fullmatch(r"line 1, column \d+: the spec has more than 10,000 values, the limit", problem)


def test_a_text_over_the_size_limit_is_refused_before_parsing():
    assert problems_of("#" * (MAX_SPEC_BYTES + 1)) == ["the spec is larger than 262,144 bytes, the limit"]
    # counted in UTF-8 bytes, not characters
    assert problems_of("# " + "é" * (MAX_SPEC_BYTES // 2)) == ["the spec is larger than 262,144 bytes, the limit"]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("app: &x {name: demo}\n", "line 1, column 6: YAML anchors (&) and aliases (*) are not allowed"),
        ("app: *x\n", "line 1, column 6: YAML anchors (&) and aliases (*) are not allowed"),
        ("a: 1\na: 2\n", "line 2, column 1: duplicate key 'a'"),
        ("a: !!bool maybe\n", "line 1, column 4: cannot read this value as bool: not a valid bool"),
        ("a: !!timestamp soon\n", "line 1, column 4: cannot read this value as timestamp: not a valid timestamp"),
        ("a: 2026-02-30\n", "line 1, column 4: cannot read this value as timestamp: day is out of range for month"),
        ("a: [1\n", "not valid YAML: while parsing a flow sequence"),
        ("a: {{ spec_dir }}/x\n", "(write a value that starts with `{{` in quotes)"),
        ("a:\n  - b\n c: 1\n", "line 3, column 2: not valid YAML:"),
    ],
)
def test_yaml_problems_are_one_line_naming_line_and_column(text, expected):
    [problem] = problems_of(text)
    assert expected in problem
    assert "\n" not in problem


def test_yaml_merge_keys_are_refused_like_anchors():
    [problem] = problems_of("a: {<<: {b: 1}}\n")
    assert problem.startswith("line 1, column 5: not valid YAML:")


# Files that are not specs


def test_invalid_utf8_names_the_line_and_offset_not_the_bytes(tmp_path):
    spec = tmp_path / "latin1.yaml"
    spec.write_bytes("app:\n  owner: Zoë\n".encode("latin-1"))
    with pytest.raises(SpecError) as caught:
        load_spec(spec)
    [problem] = caught.value.problems
    assert str(problem) == "line 2: not UTF-8 text (invalid byte at offset 16); a spec is a YAML text file"


def test_a_file_over_the_size_limit_is_refused_without_reading_it_whole(tmp_path):
    spec = tmp_path / "huge.yaml"
    with spec.open("wb") as file:
        file.truncate(64 * MAX_SPEC_BYTES)  # sparse: cheap to make, costly to read in full
    with pytest.raises(SpecError, match="the file is larger than 262,144 bytes"):
        load_spec(spec)


@pytest.mark.parametrize("content", ["", "\n\n# only comments\n", "---\n"])
def test_an_empty_spec_says_so(tmp_path, content):
    assert problems_of(content) == [
        "the spec is empty: write a YAML mapping with `app:`, `datasets:`, ... (see the demo spec)"
    ]


def test_a_spec_path_key_is_an_unknown_field_not_a_way_to_rename_the_source():
    [problem] = problems_of(spec_text(lambda raw: raw.update(spec_path="/etc/passwd")))
    assert problem.startswith("spec_path: unknown field 'spec_path'; allowed: app, consent")


# Odd values that reach the models


@pytest.mark.parametrize(
    "mutate, expected",
    [
        (lambda raw: raw.update(scopes={1: "all"}), "scopes[1]: Input should be a valid string (got 1)"),
        (lambda raw: raw["app"].update(name=None), "app.name: Input should be a valid string (got None)"),
        (lambda raw: raw.update(datasets="all"), "datasets: Input should be a valid tuple (got 'all')"),
        (lambda raw: raw["partitions"].update(start_date="0001-01-01"),
         "partitions.start_date: Input should be greater than or equal to 2000-01-01"),
        (lambda raw: raw["dagster"].update(max_partitions_per_run=10**40),
         "dagster.max_partitions_per_run: Input should be less than or equal to 10000"),
        (lambda raw: raw["source"].update(users=float("nan")), "source: TenantConfig.users: nan is not an integer"),
        (lambda raw: raw["consent"].update(admin_key="XYZ"), "consent.admin_key: 'XYZ' is not allowed: use a key id"),
        (lambda raw: raw["consent"].update(public_key="admin.pub"),
         "consent.public_key: Value error, a spec no longer names the admin's public key"),
    ],
)
def test_odd_values_are_problems_at_their_field(mutate, expected):
    problems = problems_of(spec_text(mutate))
    assert any(problem.startswith(expected) for problem in problems), problems


def test_a_long_value_is_cut_in_the_error_and_its_length_given():
    [problem] = problems_of(spec_text(lambda raw: raw["app"].update(name="X" * 5000)))
    assert len(problem) < 250
    assert "… (5000 characters) is not allowed" in problem


def test_at_most_fifty_problems_are_listed_and_the_rest_counted():
    error = SpecError("my.yaml", [SpecProblem(f"datasets[{i}]", "bad") for i in range(70)])
    lines = str(error).splitlines()
    assert lines[0] == "invalid MGDC spec my.yaml (70 problems):"
    assert len(lines) == 1 + 50 + 1 and lines[-1] == "  ... and 20 more"
    assert len(error.problems) == 70


# Control characters


def test_control_characters_in_paths_messages_and_sources_are_escaped():
    problem = SpecProblem("scopes.\x1b[31mred\u202e", "line\nbreak and a NUL \x00")
    assert str(problem) == "scopes.\\x1b[31mred\\u202e: line\\nbreak and a NUL \\x00"
    error = SpecError("/tmp/\x1b]0;title\x07.yaml", [problem])
    assert str(error).splitlines()[0] == "invalid MGDC spec /tmp/\\x1b]0;title\\x07.yaml (1 problem):"
    assert not any(ch in str(error) for ch in "\x1b\x07\x00\u202e")


def test_an_unknown_field_with_an_escape_sequence_is_shown_escaped():
    [problem] = problems_of(spec_text(lambda raw: raw["app"].update({"\x1b[2Jname": "x"})))
    assert problem.startswith("app.\\x1b[2Jname: unknown field '\\x1b[2Jname'")


# Templates and environment values


def test_an_unset_variable_is_reported_and_a_set_one_substituted(monkeypatch):
    monkeypatch.setenv("MGDC_TEST_OWNER", "owner@contoso.example.com")
    spec = parse_spec(spec_text(lambda raw: raw["app"].update(owner="{{ env.MGDC_TEST_OWNER }}")))
    assert spec.app.owner == "owner@contoso.example.com"


def test_an_environment_value_in_a_bad_field_is_named_by_its_variable(monkeypatch):
    monkeypatch.setenv("MGDC_TEST_POOL", "Not A Pool! 0123456789abcdef")
    [problem] = problems_of(spec_text(lambda raw: raw["dagster"].update(pool={"name": "{{ env.MGDC_TEST_POOL }}"})))
    assert problem.startswith("dagster.pool.name: the value of environment variable MGDC_TEST_POOL is not allowed")
    assert "0123456789abcdef" not in problem


def test_templates_in_a_spec_file_name_or_folder_cannot_inject_yaml(tmp_path):
    """`{{ spec_dir }}` is substituted in parsed values, not in the text: a folder whose name is
    YAML (an attacker controls the working directory) stays a folder name."""
    folder = tmp_path / "x' # {evil: 1}: \""
    folder.mkdir()
    raw = copy.deepcopy(DEMO)
    raw["sink"]["path"] = "{{ spec_dir }}/data"
    (folder / "mgdc.yaml").write_text(yaml.safe_dump(raw))
    spec = load_spec(folder / "mgdc.yaml")
    assert spec.sink.path == f"{folder}/data"


# Names that reach Dagster


def test_the_default_pool_names_of_every_source_type_match_the_pool_name_rule():
    for source in ({"type": "synthetic"}, {"type": "landing", "path": "/landing"}):
        spec = parse_spec(spec_text(lambda raw, source=source: raw.update(source=source)))
        assert re.fullmatch(POOL_NAME_PATTERN, pool_name(spec)), pool_name(spec)
    upper = parse_spec(spec_text(lambda raw: raw["app"].update(tenant_id=raw["app"]["tenant_id"].upper())))
    assert re.fullmatch(POOL_NAME_PATTERN, pool_name(upper))


@pytest.mark.parametrize("name", ["shared/contoso", "mgdc/tenant-1/graph", "a_b"])
def test_a_pool_name_of_lower_case_segments_is_accepted(name):
    spec = parse_spec(spec_text(lambda raw: raw["dagster"].update(pool={"name": name})))
    assert pool_name(spec) == name


@pytest.mark.parametrize("name", ["../x", "a//b", "/a", "a/", "A/b", "a b", "a|b", "-rf", "a/.b", "x" * 201])
def test_a_pool_name_outside_the_rule_is_refused(name):
    [problem] = problems_of(spec_text(lambda raw: raw["dagster"].update(pool={"name": name})))
    assert problem.startswith("dagster.pool.name: ")


@pytest.mark.parametrize("group", ["../x", "Sales", "a b", "a/b", "1abc", ""])
def test_a_group_name_outside_the_app_name_rule_is_refused(group):
    [problem] = problems_of(spec_text(lambda raw: raw["dagster"].update(group_name=group)))
    assert problem.startswith(f"dagster.group_name: {group!r} is not allowed: use lower-case letters")


def test_a_downstream_input_must_be_a_parameter_name_dagster_accepts():
    [bad_chars] = problems_of(spec_text(lambda raw: raw["downstream"][0]["inputs"].update({"my-input": "Message_v1"})))
    assert bad_chars.startswith(
        "downstream[0].inputs.my-input: key 'my-input' is not allowed: use a Python parameter name"
    )
    problems = problems_of(spec_text(lambda raw: raw["downstream"][0]["inputs"].update({"context": "Message_v1"})))
    assert "downstream[0].inputs.context: 'context' is reserved by Dagster or Python" in problems[-1]


@pytest.mark.parametrize("owner", ["a@b", "x@y z", "@contoso.com"])
def test_an_owner_with_an_at_sign_must_be_an_email_address(owner):
    [problem] = problems_of(spec_text(lambda raw: raw["app"].update(owner=owner)))
    assert problem.startswith(f"app.owner: {owner!r} is not an email address")


def test_an_owner_without_an_at_sign_is_a_plain_name():
    spec = parse_spec(spec_text(lambda raw: raw["app"].update(owner="Data Platform team")))
    assert spec.app.owner == "Data Platform team"


def test_the_longest_app_name_gives_names_dagster_accepts():
    """Job, sensor, schedule and asset names are derived from app.name: its rule keeps them valid."""
    from mgdc_pipelines.defs import build_defs

    spec = parse_spec(spec_text(lambda raw: raw["app"].update(name="a" * 63)))
    defs = build_defs(spec)
    assert {job.name for job in defs.jobs} == {f"{'a' * 63}_copy", f"{'a' * 63}_sharepoint_copy",
                                               f"{'a' * 63}_downstream_weekly", f"{'a' * 63}_delta_maintenance"}
    assert defs.resolve_asset_graph().get_all_asset_keys()
