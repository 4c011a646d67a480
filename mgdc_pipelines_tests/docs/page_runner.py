"""Runs a page's blocks in page order, in one folder per page, as a reader would type them.

Python and shell blocks run as subprocesses of this venv with the worktree first on
``PYTHONPATH`` (what a reader's ``source .venv/bin/activate`` gives); YAML blocks are validated
with :func:`mgdc_pipelines.load_spec`. A failure names the page and line of the block and shows
what the command printed.
"""

from __future__ import annotations

import copy
import os
import re
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml

from mgdc_pipelines import load_spec
from mgdc_pipelines_tests.conftest import demo_spec_dict
from mgdc_pipelines_tests.docs.markdown_blocks import Block

VENV_BIN = Path(sys.executable).parent
DEMO_STDOUT = "demo-stdout.txt"
ELLIPSIS = re.compile(r"\.\.\.|…")
NUMBER = re.compile(r"\b\d[\d,.]*\b")
COMPONENT_TYPE = "mgdc_pipelines.MgdcApp"


class BlockFailed(AssertionError):
    pass


@dataclass
class PageRun:
    """The working folder of one page; ``specs`` are the spec files every page starts with,
    ``demo_folder`` gives the folder of a finished demo run (started only when a page asks)."""

    folder: Path
    repo: Path
    specs: Mapping[str, str]
    demo_folder: Callable[[], Path]

    def __post_init__(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        for name, text in self.specs.items():
            (self.folder / name).write_text(text)

    def run(self, block: Block) -> None:
        kind = block.marker.kind if block.marker else None
        if kind in ("covered-by", "illustration") or (block.language == "text" and kind is None):
            return
        handler = {
            ("python", None): lambda: self._python(block, cwd=self.folder),
            ("python", "after-demo"): lambda: self._python(block, cwd=self.demo_folder()),
            ("python", "definitions"): lambda: self._definitions(block),
            ("bash", "run"): lambda: self._bash(block),
            ("yaml", "spec"): lambda: self._spec(block),
            ("yaml", "spec-fragment"): lambda: self._spec_fragment(block),
            ("yaml", "component"): lambda: self._component(block),
            ("text", "demo-output"): lambda: self._demo_output(block),
        }[(block.language, kind)]
        handler()

    def _python(self, block: Block, cwd: Path) -> None:
        script = self._save(block, f"snippet_{block.line}.py")
        self._execute(block, [sys.executable, str(script)], cwd)

    def _definitions(self, block: Block) -> None:
        self._save(block, "definitions.py")
        self._execute(block, [str(VENV_BIN / "dagster"), "definitions", "validate", "-f", "definitions.py"],
                      self.folder)

    def _bash(self, block: Block) -> None:
        script = self._save(block, f"block_{block.line}.sh")
        self._execute(block, ["bash", "-e", "-o", "pipefail", str(script)], self.folder)

    def _spec(self, block: Block) -> None:
        [name] = block.marker.args
        self._load(block, self._save(block, name))

    def _spec_fragment(self, block: Block) -> None:
        options = block.marker.args
        base_name = next((arg.removeprefix("base=") for arg in options if arg.startswith("base=")), None)
        raw = yaml.safe_load((self.folder / base_name).read_text()) if base_name else demo_spec_dict()
        raw = {**copy.deepcopy(raw), **yaml.safe_load(block.text)}
        if "all-scope" in options:
            raw["scopes"] = {"all": "all"}
        path = self.folder / f"fragment_{block.line}.yaml"
        path.write_text(yaml.safe_dump(raw, sort_keys=False))
        self._load(block, path)

    def _component(self, block: Block) -> None:
        document = yaml.safe_load(block.text)
        if document.get("type") != COMPONENT_TYPE:
            raise BlockFailed(f"{block.where}: a component block's type is {COMPONENT_TYPE}")
        path = self.folder / f"component_{block.line}.yaml"
        path.write_text(yaml.safe_dump(document["attributes"], sort_keys=False))
        self._load(block, path)

    def _demo_output(self, block: Block) -> None:
        """Each line shown starts like a line the demo printed: the same words, any numbers,
        and anything after an ellipsis."""
        printed = {_shape(line) for line in (self.demo_folder() / DEMO_STDOUT).read_text().splitlines()}
        for shown in block.text.splitlines():
            prefix = _shape(ELLIPSIS.split(shown)[0])
            if prefix and not any(line.startswith(prefix) for line in printed):
                raise BlockFailed(f"{block.where}: the demo prints no line like {shown!r}")

    def _save(self, block: Block, name: str) -> Path:
        path = self.folder / name
        path.write_text(block.text)
        return path

    def _load(self, block: Block, path: Path) -> None:
        try:
            load_spec(path)
        except Exception as error:  # a SpecError lists every problem: show them all
            raise BlockFailed(f"{block.where}: the spec does not validate:\n{error}") from error

    def _execute(self, block: Block, command: list[str], cwd: Path) -> None:
        result = subprocess.run(command, cwd=cwd, env=reader_environment(self.repo), capture_output=True,
                                text=True, timeout=300)
        if result.returncode != 0:
            raise BlockFailed(f"{block.where}: exited {result.returncode}\n--- block ---\n{block.text}"
                              f"--- stdout ---\n{result.stdout[-3000:]}\n--- stderr ---\n{result.stderr[-3000:]}")


def _shape(line: str) -> str:
    """A printed line with its numbers blanked and its spacing collapsed.

    >>> _shape("Message_v1        21   1,708  271.9 KiB  /x/")
    'Message_v1 # # # KiB /x/'
    """
    return " ".join(NUMBER.sub("#", line).split())


def reader_environment(repo: Path) -> dict[str, str]:
    """This process's environment, with the venv's commands first and the worktree's package."""
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(VENV_BIN), env.get("PATH", "")])
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(repo), env.get("PYTHONPATH")]))
    env["NO_MKDOCS_2_WARNING"] = "1"
    for name in ("MGDC_SPEC", "MGDC_DEMO_MODE"):  # a reader's shell has neither by default
        env.pop(name, None)
    return env
