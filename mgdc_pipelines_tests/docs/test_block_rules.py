"""The docs tests can fail: a block nobody says how to test, a command nobody taught them, a
test name that does not exist, a snippet that breaks and a spec that does not validate."""

from __future__ import annotations

import pytest

from mgdc_pipelines_tests.docs.block_rules import REPO, problems_of
from mgdc_pipelines_tests.docs.markdown_blocks import parse_blocks
from mgdc_pipelines_tests.docs.page_runner import DEMO_STDOUT, BlockFailed, PageRun

EXISTING_TEST = "mgdc_pipelines_tests/test_cli.py::test_datasets_lists_every_catalog_dataset_under_a_header"


def problems(page: str) -> list[str]:
    return [problem for block in parse_blocks(page, source="page.md") for problem in problems_of(block, REPO)]


def block(language: str, text: str, marker: str | None = None) -> str:
    before = f"<!-- test: {marker} -->\n" if marker else ""
    return f"{before}```{language}\n{text}\n```\n"


@pytest.mark.parametrize("page, problem", [
    (block("yaml", "app: {}"), "a yaml block needs a marker"),
    (block("", "make demo"), "language '' is not one the docs tests know"),
    (block("console", "$ ls"), "language 'console' is not one the docs tests know"),
    (block("bash", "mgdc-pipelines frobnicate --spec app.yaml", "run"), "unknown command 'mgdc-pipelines frobnicate"),
    (block("bash", "curl https://example.com", f"covered-by {EXISTING_TEST}"), "unknown command 'curl"),
    (block("bash", "make demo", "run"), "'make demo' cannot run in a test"),
    (block("bash", "make demo", "covered-by mgdc_pipelines_tests/test_cli.py::test_no_such_test"),
     "test_cli.py has no test test_no_such_test"),
    (block("bash", "make demo", "covered-by no/such_file.py::test_x"), "no file no/such_file.py"),
    (block("bash", "make demo", "illustration"), "an illustration says why it is not run"),
    (block("python", "print(1)", "run"), "a python block cannot be marked 'run'"),
    (block("yaml", "app: {}", "spec"), "spec takes one file name"),
    (block("yaml", "app: {}", "spec-fragment every-scope"), "unknown spec-fragment option 'every-scope'"),
], ids=["unmarked-yaml", "no-language", "unknown-language", "unknown-command", "unknown-covered-command",
        "make-in-run", "missing-test", "missing-file", "reasonless-illustration", "wrong-kind", "spec-name",
        "fragment-option"])
def test_a_block_the_tests_cannot_place_is_a_problem_naming_the_page_line_and_why(page, problem):
    [found] = problems(page)
    assert found.startswith("page.md:")
    assert problem in found


def test_known_commands_and_existing_tests_are_no_problem():
    page = (block("bash", "MGDC_DEMO_MODE=1 make demo && make test", f"covered-by {EXISTING_TEST} .ci/run")
            + block("bash", "export A=1\nmgdc-pipelines consent status \\\n  --spec app.yaml  # the state", "run")
            + block("python", "print(1)") + block("text", "any output"))
    assert problems(page) == []


def run_page(page: str, tmp_path) -> None:
    run = PageRun(tmp_path / "project", REPO, {}, demo_folder=lambda: tmp_path)
    for item in parse_blocks(page, source="page.md"):
        run.run(item)


def test_a_failing_snippet_fails_naming_its_line_and_output(tmp_path):
    with pytest.raises(BlockFailed, match=r"(?s)page.md:3: exited 1.*ZeroDivisionError"):
        run_page("# A page\n\n```python\n1 / 0\n```\n", tmp_path)


def test_a_failing_command_stops_its_block(tmp_path):
    with pytest.raises(BlockFailed, match=r"(?s)page.md:2: exited 1.*no-such\.yaml"):
        run_page(block("bash", "mgdc-pipelines validate --spec no-such.yaml\nexport NEVER=reached", "run"), tmp_path)


def test_a_spec_block_that_does_not_validate_fails_with_the_specs_problems(tmp_path, monkeypatch):
    fragment = "datasets:\n  - name: Message_v1\n    date_filter_column: receivedDateTime\n    columns: [subjcet]"
    with pytest.raises(BlockFailed, match=r"(?s)page.md:2: the spec does not validate.*did you mean 'subject'"):
        run_page(block("yaml", fragment, "spec-fragment"), tmp_path)


def test_printed_output_must_start_like_a_line_the_demo_printed(tmp_path):
    (tmp_path / DEMO_STDOUT).write_text("dataset   partitions  rows\nMessage_v1   6  1,708\n")
    run_page(block("text", "dataset  partitions  rows\nMessage_v1  21  …\n…", "demo-output"), tmp_path)
    with pytest.raises(BlockFailed, match="page.md:2: the demo prints no line like 'Mesage_v1  21'"):
        run_page(block("text", "dataset  partitions  rows\nMesage_v1  21", "demo-output"), tmp_path)
