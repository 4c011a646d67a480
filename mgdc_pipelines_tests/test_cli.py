"""The `mgdc-pipelines` helper commands a user meets while writing a spec, and the help that
explains every command."""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

import mgdc_pipelines
from mgdc_pipelines.catalog import list_datasets
from mgdc_pipelines.cli import _parser, main
from mgdc_pipelines.cli_json import COLUMN_KEYS, DATASET_KEYS
from mgdc_pipelines.spec import DEMO_SPEC_PATH, load_spec
from mgdc_pipelines.version import __version__

SPHINX_MARKUP = re.compile(r"``|:(func|data|class|mod|meth|attr):`")


def test_datasets_lists_every_catalog_dataset_under_a_header(capsys):
    assert main(["datasets"]) == 0
    header, *lines, blank, viva_note = capsys.readouterr().out.splitlines()
    assert header.split() == ["DATASET", "CATEGORY", "SCOPE", "MODE", "DATE", "FILTER", "COLUMNS"]
    *catalog, viva = lines
    assert [line.split()[0] for line in catalog] == [ds.name for ds in list_datasets()]
    assert len(catalog) >= 46  # MGDC's public catalog
    message = next(line for line in lines if line.startswith("BasicDataSet_v0.Message_v1 "))
    assert "mail" in message and "receivedDateTime" in message
    assert header.index("MODE") == message.index("range")
    assert viva.split() == ["VivaInsightsDataset_Report_v1_<query>", "viva", "none", "range", "MetricDate"]
    assert blank == "" and "column_types" in viva_note


def test_datasets_shows_each_scope_kind_where_the_catalog_has_it(capsys):
    assert main(["datasets"]) == 0
    rows = {line.split()[0]: line.split() for line in capsys.readouterr().out.splitlines()[1:] if line}
    assert rows["BasicDataSet_v0.GroupOwners_v0"][2:4] == ["group", "snapshot"]
    assert rows["BasicDataSet_v0.Inbox_v1"][2:4] == ["user", "range"]
    assert rows["BasicDataSet_v0.SharePointFiles_v1"][2:4] == ["none", "sharepoint"]


def test_datasets_json_has_the_documented_keys_and_every_column_described(capsys):
    assert main(["datasets", "--json"]) == 0
    datasets = json.loads(capsys.readouterr().out)
    assert [d["name"] for d in datasets] == [d.name for d in list_datasets()]
    assert all(tuple(d) == DATASET_KEYS for d in datasets)
    message = next(d for d in datasets if d["short_name"] == "Message_v1")
    assert (message["category"], message["scope"], message["mode"]) == ("mail", "user", "range")
    assert "receivedDateTime" in message["date_filter_columns"]
    columns = [c for d in datasets for c in d["columns"] + d["metadata_columns"]]
    assert all(tuple(c) == COLUMN_KEYS and c["type"] and c["description"] for c in columns)
    assert {"name": "ptenant"}.items() <= next(c for c in message["metadata_columns"] if c["name"] == "ptenant").items()


def test_version_prints_the_package_version(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.strip() == f"mgdc-pipelines {__version__}"


def all_parsers() -> dict[str, argparse.ArgumentParser]:
    """The top-level parser and every subcommand's, by their command line (`consent status`)."""
    found, pending = {}, [("", _parser())]
    while pending:
        name, parser = pending.pop()
        found[name] = parser
        for action in parser._actions:  # argparse offers no public walk of its subparsers
            if isinstance(action, argparse._SubParsersAction):
                pending += [(f"{name} {sub}".strip(), child) for sub, child in action.choices.items()]
    return found


def examples_of(help_text: str) -> list[list[str]]:
    """The commands of an "examples:" block, as argument lists (continuations joined, the
    environment assignments and a pipe's reader left out)."""
    block = help_text.split("\nexamples:\n", 1)[1].split("\n\n", 1)[0]
    commands = block.replace("\\\n", " ").splitlines()
    words = [shlex.split(command.split(" | ")[0]) for command in commands]
    return [[w for w in command if not re.fullmatch(r"[A-Z_]+=\S*", w)] for command in words]


def test_there_is_help_for_every_command():
    names = set(all_parsers())
    assert {"", "validate", "datasets", "demo", "tenant groups", "consent status", "consent approve",
            "audit", "audit verify", "graph-emulator"} <= names


@pytest.mark.parametrize("command", sorted(all_parsers()))
def test_every_help_has_a_plain_text_description_and_examples_that_parse(command):
    parser = all_parsers()[command]
    text = parser.format_help()
    description = parser.description.split("\n")[0]
    assert description and description[0].isupper() and description.endswith(".")
    assert not SPHINX_MARKUP.search(text), text
    assert "\nexamples:\n" in text
    examples = examples_of(text)
    assert examples
    for words in examples:
        assert words[0] == "mgdc-pipelines"
        assert words[1:len(command.split()) + 1] == command.split()  # an example of this very command
        _parser().parse_args(words[1:])  # argparse exits (a failure) on an example it refuses


def test_json_keys_are_documented_in_the_help():
    parsers = all_parsers()
    assert ", ".join(DATASET_KEYS) in " ".join(parsers["datasets"].format_help().split())
    for command in ("datasets", "consent status", "audit"):
        assert "--json" in parsers[command].format_help()


def test_the_console_script_runs_in_its_own_process(tmp_path):
    script = Path(sys.executable).parent / "mgdc-pipelines"
    root = str(Path(mgdc_pipelines.__file__).parents[1])  # this checkout, first on the path
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))}
    version = subprocess.run([script, "--version"], capture_output=True, text=True, env=env, cwd=tmp_path, check=True)
    assert version.stdout.strip() == f"mgdc-pipelines {__version__}"
    listed = subprocess.run([script, "datasets", "--json"], capture_output=True, text=True, env=env, cwd=tmp_path, check=True)
    assert len(json.loads(listed.stdout)) == len(list_datasets())


def test_tenant_groups_prints_the_ids_a_scope_refers_to(capsys):
    assert main(["tenant", "groups", "--spec", str(DEMO_SPEC_PATH)]) == 0
    groups = dict(line.split()[1::-1] for line in capsys.readouterr().out.splitlines())
    spec = load_spec(DEMO_SPEC_PATH)
    assert groups["sales"] == spec.scope("sales").group_ids[0]
    assert groups["engineering"] == spec.scope("engineering").group_ids[0]


def test_a_bad_spec_exits_1_with_the_problem_on_stderr(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("app: {name: x}\n")
    assert main(["validate", "--spec", str(bad)]) == 1
    err = capsys.readouterr().err
    assert str(bad) in err and "app.app_id: required field is missing" in err


def test_a_state_database_error_exits_1_with_its_message_on_stderr(monkeypatch, capsys):
    monkeypatch.setenv("MGDC_STATE_DATABASE", "not-a-url")
    assert main(["audit", "--spec", str(DEMO_SPEC_PATH)]) == 1
    assert "MGDC_STATE_DATABASE is not a database URL" in capsys.readouterr().err
