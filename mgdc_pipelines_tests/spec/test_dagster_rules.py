"""The spec checks that apply Dagster's own naming and cron rules, through its public API only."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import mgdc_pipelines
from mgdc_pipelines.spec import SpecError, parse_spec
from mgdc_pipelines_tests.spec.test_hardening import spec_text

PACKAGE = Path(mgdc_pipelines.__file__).parent


def problems_of(text: str) -> list[str]:
    """The spec's problems; none when it parses."""
    try:
        parse_spec(text, source="my.yaml")
    except SpecError as error:
        return [str(problem) for problem in error.problems]
    return []


@pytest.mark.parametrize("parameter", ["context", "input", "type", "class", "dict", "conf"])
def test_an_input_name_dagster_reserves_is_reported_with_its_field(parameter):
    problems = problems_of(spec_text(lambda raw: raw["downstream"][0]["inputs"].update({parameter: "Message_v1"})))
    assert f"downstream[0].inputs.{parameter}: {parameter!r} is reserved by Dagster or Python" in problems[-1]


def test_an_input_name_dagster_accepts_is_not_reported():
    problems = problems_of(spec_text(lambda raw: raw["downstream"][0]["inputs"].update({"mail": "Message_v1"})))
    assert not any("is reserved" in problem for problem in problems)


@pytest.mark.parametrize("cron, refused", [("0 6 * * *", False), ("@daily", False), ("*/15 6-18 * * 1-5", False),
                                           ("0 25 * * *", True), ("0 6 * *", True), ("every day", True)])
def test_a_cron_is_checked_by_the_rule_of_dagster_schedules(cron, refused):
    problems = problems_of(spec_text(lambda raw: raw["dagster"].update(schedule={"cron": cron, "timezone": "UTC"})))
    assert any(problem.startswith("dagster.schedule.cron: ") for problem in problems) is refused


def test_an_owner_email_dagster_accepts_is_not_reported():
    assert not problems_of(spec_text(lambda raw: raw["app"].update(owner="data-platform@contoso.com")))


def private_dagster_imports(path: Path) -> list[str]:
    """The ``dagster._...`` modules a source file imports."""
    modules = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            modules.append(node.module)
        elif isinstance(node, ast.Import):
            modules += [alias.name for alias in node.names]
    return [module for module in modules if module.startswith("dagster._") or module.startswith("dagster_dg_core._")]


def test_the_package_uses_public_dagster_apis_only():
    offenders = {str(path.relative_to(PACKAGE)): private_dagster_imports(path) for path in PACKAGE.rglob("*.py")}
    assert {name: modules for name, modules in offenders.items() if modules} == {}
