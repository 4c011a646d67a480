"""The code location's image (Dockerfile at the root), checked without Docker: what it is built
from, what it installs and copies, who it runs as, what it serves, and that it holds no secret."""

from __future__ import annotations

import fnmatch
import importlib.util
import json
import re
import shlex
from dataclasses import dataclass
from pathlib import Path

import pytest
from dagster._cli import cli as dagster_cli

from mgdc_pipelines_tests.deploy.secret_literals import looks_like_secret

REPO = Path(__file__).resolve().parents[2]
DEFINITIONS_MODULE = "mgdc_pipelines.definitions"


@dataclass(frozen=True)
class Instruction:
    keyword: str
    arguments: str


def instructions(text: str) -> list[Instruction]:
    """The Dockerfile's instructions, continuation lines joined and comments dropped.

    >>> instructions("FROM a\\n# note\\nRUN x \\\\\\n    && y\\n")
    [Instruction(keyword='FROM', arguments='a'), Instruction(keyword='RUN', arguments='x && y')]
    """
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    joined = re.sub(r"\\\n\s*", "", "\n".join(lines))
    found = []
    for line in joined.splitlines():
        if line.strip():
            keyword, _, arguments = line.strip().partition(" ")
            found.append(Instruction(keyword.upper(), " ".join(arguments.split())))
    return found


def settings(instruction: Instruction) -> dict[str, str]:
    """``NAME=value`` pairs of an ENV or ARG (an ARG without default: an empty value)."""
    words = shlex.split(instruction.arguments)
    if instruction.keyword == "ENV" and len(words) == 2 and "=" not in words[0]:
        return {words[0]: words[1]}  # the legacy `ENV NAME value` form
    return dict(word.partition("=")[::2] for word in words)


@pytest.fixture(scope="module")
def dockerfile() -> list[Instruction]:
    return instructions((REPO / "Dockerfile").read_text())


def of(dockerfile: list[Instruction], keyword: str) -> list[Instruction]:
    return [instruction for instruction in dockerfile if instruction.keyword == keyword]


def test_the_image_is_python_3_11_and_installs_this_package(dockerfile):
    [base] = of(dockerfile, "FROM")
    assert re.fullmatch(r"python:3\.11(-slim)?", base.arguments)
    assert any(re.search(r"\bpip install \.(\s|$)", run.arguments) for run in of(dockerfile, "RUN"))


def test_the_image_runs_as_a_non_root_user(dockerfile):
    users = of(dockerfile, "USER")
    assert users, "no USER: the code server would run as root"
    user = users[-1].arguments.split(":")[0]
    assert user not in ("root", "0")
    assert dockerfile.index(users[-1]) > max(dockerfile.index(run) for run in of(dockerfile, "RUN"))


def test_the_command_serves_the_packages_definitions_with_dagsters_own_code_server(dockerfile):
    [command] = of(dockerfile, "CMD")
    words = json.loads(command.arguments)  # the exec form: signals reach the code server
    assert words[:3] == ["dagster", "code-server", "start"]
    start = dagster_cli.commands["code-server"].commands["start"]
    options = start.make_context("start", words[3:]).params  # the installed dagster accepts them
    assert (options["host"], options["port"], options["module_name"]) == ("0.0.0.0", 4000, DEFINITIONS_MODULE)
    assert importlib.util.find_spec(DEFINITIONS_MODULE) is not None
    assert [port.arguments for port in of(dockerfile, "EXPOSE")] == ["4000"]


def test_no_secret_is_baked_into_the_image(dockerfile):
    baked = {name: value for instruction in of(dockerfile, "ENV") + of(dockerfile, "ARG")
             for name, value in settings(instruction).items()}
    assert "MGDC_SPEC" in baked
    assert [name for name, value in baked.items() if looks_like_secret(name, value)] == []


def test_every_copy_source_is_in_the_build_context_and_not_ignored(dockerfile):
    build_args = {name: value for arg in of(dockerfile, "ARG") for name, value in settings(arg).items()}
    ignored = [line.strip() for line in (REPO / ".dockerignore").read_text().splitlines()
               if line.strip() and not line.startswith("#")]
    assert {".venv", "node_modules", "mgdc_data", ".postgres*", ".dagster_home*"} <= set(ignored)
    sources = [source for copy in of(dockerfile, "COPY") for source in shlex.split(copy.arguments)[:-1]]
    assert sources
    for source in sources:
        path = re.sub(r"\$\{(\w+)\}", lambda match: build_args[match[1]], source)
        assert (REPO / path).exists(), f"COPY {source}: {path} is not in the repository"
        assert not any(fnmatch.fnmatch(path, pattern) for pattern in ignored), f"{path} is in .dockerignore"
