"""What a block's marker may say, checked before anything runs (docs/tests.md lists the markers).

>>> from mgdc_pipelines_tests.docs.markdown_blocks import parse_blocks
>>> [block] = parse_blocks("```bash\\nmgdc-pipelines datasets\\n```\\n", source="page.md")
>>> problems_of(block, REPO)
['page.md:1: a bash block needs a marker: run, covered-by TEST..., or illustration REASON']
"""

from __future__ import annotations

import ast
import functools
from pathlib import Path

from mgdc_pipelines_tests.docs.markdown_blocks import Block, Marker
from mgdc_pipelines_tests.docs.shell_commands import commands_of, known_command

REPO = Path(__file__).resolve().parents[2]

# Markers each language accepts; None: a block without a marker.
ACCEPTED: dict[str, tuple[str | None, ...]] = {
    "python": (None, "after-demo", "definitions", "covered-by", "illustration"),
    "bash": ("run", "covered-by", "illustration"),
    "yaml": ("spec", "spec-fragment", "component", "covered-by", "illustration"),
    "text": (None, "demo-output", "illustration"),
}
FRAGMENT_OPTIONS = ("all-scope", "base=")


def problems_of(block: Block, repo: Path) -> list[str]:
    """Why the tests could not tell how this block is proven; empty when they can."""
    problems = _marker_problems(block, repo)
    if block.language == "bash":
        problems += _command_problems(block)
    return [f"{block.where}: {problem}" for problem in problems]


def _marker_problems(block: Block, repo: Path) -> list[str]:
    accepted = ACCEPTED.get(block.language)
    if accepted is None:
        return [f"language {block.language!r} is not one the docs tests know: use one of "
                f"{', '.join(ACCEPTED)} (text for printed output)"]
    kind = block.marker.kind if block.marker else None
    if kind not in accepted:
        names = [name for name in accepted if name] or ["none"]
        if block.marker is None:
            return [f"a {block.language} block needs a marker: {_describe(names)}"]
        return [f"a {block.language} block cannot be marked {kind!r}: use {_describe(names)}"]
    return _argument_problems(block.marker, repo) if block.marker else []


def _describe(kinds: list[str]) -> str:
    hints = {"covered-by": "covered-by TEST...", "illustration": "illustration REASON", "spec": "spec NAME"}
    shown = [hints.get(kind, kind) for kind in kinds]
    return ", ".join(shown[:-1]) + ", or " + shown[-1] if len(shown) > 1 else shown[0]


def _argument_problems(marker: Marker, repo: Path) -> list[str]:
    if marker.kind == "covered-by":
        if not marker.args:
            return ["covered-by names no test"]
        return [problem for test in marker.args if (problem := _missing_test(test, repo))]
    if marker.kind == "illustration" and not marker.args:
        return ["an illustration says why it is not run"]
    if marker.kind == "spec" and len(marker.args) != 1:
        return ["spec takes one file name"]
    if marker.kind == "spec-fragment":
        return [f"unknown spec-fragment option {arg!r}" for arg in marker.args
                if not arg.startswith(FRAGMENT_OPTIONS)]
    if marker.kind in ("after-demo", "definitions", "component", "run", "demo-output") and marker.args:
        return [f"{marker.kind} takes no arguments"]
    return []


def _missing_test(test: str, repo: Path) -> str | None:
    """``path.py::test_name`` must name a test function of that file; a bare path (such as
    ``.ci/run``) must exist."""
    path, _, name = test.partition("::")
    if not (repo / path).is_file():
        return f"covered-by {test}: no file {path}"
    if name and name.split("[")[0] not in _test_functions(repo / path):
        return f"covered-by {test}: {path} has no test {name}"
    return None


@functools.cache
def _test_functions(path: Path) -> frozenset[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return frozenset(node.name for node in ast.walk(tree)
                     if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"))


def _command_problems(block: Block) -> list[str]:
    problems = []
    for command in commands_of(block.text):
        known = known_command(command)
        if known is None:
            problems.append(f"unknown command {command!r}: teach "
                            "mgdc_pipelines_tests/docs/shell_commands.py how to run it or which test covers it")
        elif block.marker and block.marker.kind == "run" and not known.runnable:
            problems.append(f"{command!r} cannot run in a test ({known.why_not}): mark the block "
                            "covered-by the tests that run it")
    return problems
