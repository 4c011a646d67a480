"""The shell commands the docs may show, and whether the docs tests can run them as written.

Every command of every ``bash`` block must match one of :data:`KNOWN_COMMANDS`: a command the
docs start showing that nobody taught the tests about fails the suite, whatever its block's
marker says. Commands that cannot run inside a test (``make`` targets reinstall the venv, the
Graph emulator serves until stopped, the benchmarks take minutes) are known but not runnable;
blocks showing them must name the tests that cover them (``covered-by``).

>>> commands_of('''export A=1   # a comment
... mgdc-pipelines consent approve --registration r.json \\\\
...     --key k.key
... dg check defs && dg list defs
... ''')
['export A=1', 'mgdc-pipelines consent approve --registration r.json --key k.key', 'dg check defs', 'dg list defs']
>>> known_command("MGDC_DEMO_MODE=1 mgdc-pipelines demo --days 2").runnable
False
>>> known_command("mgdc-pipelines frobnicate") is None
True
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass


@dataclass(frozen=True)
class KnownCommand:
    pattern: re.Pattern[str]
    runnable: bool
    why_not: str = ""


def _known(pattern: str, why_not: str = "") -> KnownCommand:
    return KnownCommand(re.compile(pattern), runnable=not why_not, why_not=why_not)


KNOWN_COMMANDS: tuple[KnownCommand, ...] = (
    _known(r"export [A-Z_][A-Z0-9_]*=\S+$"),
    _known(r"mgdc-pipelines (validate|datasets|tenant groups|cost|--version)\b"),
    _known(r"mgdc-pipelines consent (keygen|request|approve|deny|record|status)\b"),
    _known(r"mgdc-pipelines audit( verify)?\b"),
    _known(r"dagster definitions validate -f \S+\.py$"),
    _known(r"mgdc-pipelines demo\b", "copies every dataset: the demo tests run it"),
    _known(r"mgdc-pipelines graph-emulator\b", "serves until it is stopped"),
    _known(r"make (demo|demo-catalog|test|ui|docs|validate|bench|clean|production)\b", "make targets reinstall the venv"),
    _known(r"mgdc-pipelines production\b", "serves until it is stopped"),
    _known(r"docker build\b", "Docker is not on the test machine: the Dockerfile is checked by parsing it"),
    _known(r"(helm (repo add|upgrade)|kubectl create (secret|configmap))\b", "needs a Kubernetes cluster"),
    _known(r"dg (scaffold defs|check defs|check yaml|list defs)\b", "needs a dg project"),
    _known(r"python -m benchmarks\b", "takes minutes"),
)

ENV_ASSIGNMENT = re.compile(r"^[A-Z_][A-Z0-9_]*=\S*$")


def commands_of(script: str) -> list[str]:
    """The commands of a shell block: continuation lines joined, comments and blank lines
    dropped, ``&&`` / ``;`` chains split."""
    joined = re.sub(r"\\\n\s*", "", script)
    commands: list[str] = []
    for line in joined.splitlines():
        code = _without_comment(line).strip()
        commands += [part.strip() for part in re.split(r"&&|;", code) if part.strip()]
    return commands


def known_command(command: str) -> KnownCommand | None:
    """The entry of :data:`KNOWN_COMMANDS` the command matches (after any leading ``NAME=value``
    assignments), or None."""
    program = _without_assignments(command)
    return next((known for known in KNOWN_COMMANDS if known.pattern.match(program)), None)


def _without_assignments(command: str) -> str:
    if command.startswith("export "):
        return command
    words = shlex.split(command)
    while words and ENV_ASSIGNMENT.match(words[0]):
        words.pop(0)
    return " ".join(words)


def _without_comment(line: str) -> str:
    # A `#` starts a comment at the start of a line or after a space (never inside a word, as
    # in a URL's fragment); the docs quote no `#`.
    return re.split(r"(?:^|\s)#", line, maxsplit=1)[0]
