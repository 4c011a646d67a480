"""Attack 8: a spec that makes the parser hang, blow up or print a traceback.

The spec author is not trusted, and the Dagster code server loads the spec at import: every
hostile spec here goes through the real `mgdc-pipelines validate`, as its author would run it,
and must end with exit code 1 and one clear line naming the problem, never a traceback.
"""

from __future__ import annotations

import copy
import datetime as dt
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from mgdc_pipelines.cli import main
from mgdc_pipelines.spec import DEMO_SPEC_PATH

DEMO = yaml.safe_load(DEMO_SPEC_PATH.read_text())
HANG_TIMEOUT_S = 20  # generous: a refusal takes well under a second, a hang takes forever

BILLION_LAUGHS = """\
a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]
i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h]
"""


def demo_text(mutate=None) -> str:
    raw = copy.deepcopy(DEMO)
    if mutate:
        mutate(raw)
    return yaml.safe_dump(raw, sort_keys=False, allow_unicode=True)


def run_validate(spec: Path, **env: str) -> subprocess.CompletedProcess:
    """`mgdc-pipelines validate --spec SPEC` in its own process, killed if it hangs."""
    return subprocess.run(
        [sys.executable, "-m", "mgdc_pipelines.cli", "validate", "--spec", str(spec)],
        capture_output=True, text=True, timeout=HANG_TIMEOUT_S, env={**os.environ, **env},
    )


def problem_lines(stderr: str) -> list[str]:
    return [line.removeprefix("  - ") for line in stderr.splitlines() if line.startswith("  - ")]


def validate_in_process(spec: Path, capsys) -> tuple[int, str]:
    code = main(["validate", "--spec", str(spec)])
    return code, capsys.readouterr().err


def test_a_billion_laughs_alias_bomb_is_refused_at_its_first_anchor(tmp_path):
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(BILLION_LAUGHS)
    result = run_validate(bomb)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert problem_lines(result.stderr) == [
        "line 1, column 4: YAML anchors (&) and aliases (*) are not allowed in a spec; write the value out"
    ]


def test_an_alias_to_a_harmless_anchor_is_refused_too(tmp_path, capsys):
    """No anchors at all: a spec that reuses a value by alias would be read differently by
    someone reviewing it than by the loader."""
    spec = tmp_path / "alias.yaml"
    spec.write_text(demo_text().replace("scopes:\n  all: all", "scopes:\n  all: &everyone all\n  also: *everyone"))
    code, err = validate_in_process(spec, capsys)
    assert code == 1
    [line] = problem_lines(err)
    assert "YAML anchors (&) and aliases (*) are not allowed" in line and line.startswith("line ")


@pytest.mark.parametrize("opening, closing", [("[", "]"), ("{a: ", "}")])
def test_five_thousand_levels_of_nesting_are_refused_without_a_recursion_traceback(tmp_path, opening, closing):
    deep = tmp_path / "deep.yaml"
    deep.write_text("app: " + opening * 5000 + "1" + closing * 5000 + "\n")
    result = run_validate(deep)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and "RecursionError" not in result.stderr
    [line] = problem_lines(result.stderr)
    assert line.startswith("line 1, column ") and line.endswith("nested deeper than 32 levels, the limit")
    assert len(result.stderr.splitlines()) == 2


def test_a_huge_flow_list_is_refused_at_the_value_limit(tmp_path, capsys):
    spec = tmp_path / "wide.yaml"
    spec.write_text("app: [" + "1, " * 60_000 + "1]\n")
    code, err = validate_in_process(spec, capsys)
    assert code == 1
    [line] = problem_lines(err)
    assert line.endswith("the spec has more than 10,000 values, the limit")


def test_a_spec_file_over_the_size_limit_is_refused_before_it_is_parsed(tmp_path, capsys):
    spec = tmp_path / "huge.yaml"
    spec.write_text("# padding\n" * 100_000 + demo_text())
    code, err = validate_in_process(spec, capsys)
    assert code == 1
    assert problem_lines(err) == ["the file is larger than 262,144 bytes, the limit for a spec"]


def test_a_fifo_given_as_the_spec_is_refused_instead_of_blocking(tmp_path):
    fifo = tmp_path / "spec.yaml"
    os.mkfifo(fifo)  # opening it for reading would wait for a writer forever
    result = run_validate(fifo)
    assert result.returncode == 1
    assert problem_lines(result.stderr) == ["not a regular file: give the path of a YAML spec file"]


@pytest.mark.parametrize(
    "content, expected",
    [
        (b"", "the spec is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe", "line 1: not UTF-8 text (invalid byte at offset 0)"),
        (b"app:\n  name: a\x00b\n", "line 2: not valid YAML: character #x0000 is not allowed in a spec"),
        (b"app: " + b"9" * 5000 + b"\n", "line 1, column 6: cannot read this value as int"),
        (b"partitions: {start_date: 2026-13-45}\n", "line 1, column 26: cannot read this value as timestamp"),
        (b"sink: {type: local, path: {{ cwd }}/x}\n", "line 1, column "),
        (b"{{ spec_dir }}: x\n", "line 1, column 2: a key must be a plain value"),
        (b"x: !!python/object/apply:os.system [echo pwned]\n", "could not determine a constructor"),
        (b"a: 1\n---\nb: 2\n", "expected a single document"),
    ],
)
def test_malformed_files_are_one_problem_line_and_exit_1(tmp_path, capsys, content, expected):
    spec = tmp_path / "bad.yaml"
    spec.write_bytes(content)
    code, err = validate_in_process(spec, capsys)
    assert code == 1
    assert "Traceback" not in err
    [line] = problem_lines(err)
    assert expected in line


def test_a_directory_given_as_the_spec_is_a_clear_error(tmp_path, capsys):
    code, err = validate_in_process(tmp_path, capsys)
    assert code == 1
    assert problem_lines(err) == ["not a regular file: give the path of a YAML spec file"]


@pytest.mark.parametrize(
    "mutate, field",
    [
        (lambda raw: raw["dagster"].update(group_name="../../x y|z"), "dagster.group_name"),
        (lambda raw: raw["dagster"].update(pool={"name": "../../x y|z"}), "dagster.pool.name"),
        (lambda raw: raw["dagster"].update(pool={"name": "mgdc/" + "x" * 300}), "dagster.pool.name"),
        (lambda raw: raw["dagster"].update(key_prefix=["mgdc", "../x"]), "dagster.key_prefix[1]"),
        (lambda raw: raw["app"].update(name="demo; rm -rf ~"), "app.name"),
        (lambda raw: raw["app"].update(owner="x@y z"), "app.owner"),
        (lambda raw: raw["downstream"][0].update(inputs={"messages": "Message_v1", "x-y": "TeamChat_v1"}),
         "downstream[0].inputs.x-y"),
    ],
)
def test_a_hostile_name_for_dagster_is_refused_naming_the_field(tmp_path, capsys, mutate, field):
    spec = tmp_path / "names.yaml"
    spec.write_text(demo_text(mutate))
    code, err = validate_in_process(spec, capsys)
    assert code == 1
    assert "Traceback" not in err
    [line] = problem_lines(err)
    assert line.startswith(f"{field}: ")
    assert any(hint in line for hint in ("use ", "write ", "at most "))  # says what is allowed


def test_an_ansi_escape_in_a_scope_key_is_shown_escaped_never_raw(tmp_path, capsys):
    spec = tmp_path / "ansi.yaml"
    spec.write_text(demo_text(lambda raw: raw["scopes"].update({"\x1b]0;pwned\x07\x1b[2Jred": "all"})))
    code, err = validate_in_process(spec, capsys)
    assert code == 1
    assert "\x1b" not in err and "\x07" not in err
    [line] = problem_lines(err)
    assert line.startswith("scopes.\\x1b]0;pwned\\x07\\x1b[2Jred: ")


def test_control_characters_in_the_spec_file_name_are_escaped(tmp_path, capsys):
    spec = tmp_path / "evil\x1b[2J\nname.yaml"
    spec.write_text("app: {}\n")
    code, err = validate_in_process(spec, capsys)
    assert code == 1
    assert "\x1b" not in err
    assert "evil\\x1b[2J\\nname.yaml" in err.splitlines()[0]


def test_an_environment_secret_templated_into_a_field_is_never_repeated(tmp_path, capsys, monkeypatch):
    """A spec author who may read the code server's errors but not its environment cannot
    print a secret by templating it into a field that fails validation."""
    secret = "s3cr3t-Value-0123456789/+=" * 5
    shape = tmp_path / "shape.yaml"  # fields the models check
    shape.write_text(demo_text(lambda raw: (
        raw["app"].update(name="{{ env.MGDC_TEST_SECRET }}"),
        raw["dagster"].update(pool={"name": "{{ env.MGDC_TEST_SECRET }}"}),
    )))
    catalog = tmp_path / "catalog.yaml"  # a field checked against the catalog
    catalog.write_text(demo_text(lambda raw: raw["datasets"][0].update(name="{{ env.MGDC_TEST_SECRET }}")))

    monkeypatch.setenv("MGDC_TEST_SECRET", secret)
    shape_code, shape_err = validate_in_process(shape, capsys)
    catalog_code, catalog_err = validate_in_process(catalog, capsys)
    assert shape_code == catalog_code == 1
    assert "s3cr3t" not in shape_err + catalog_err
    assert problem_lines(shape_err)[0].startswith(
        "app.name: the value of environment variable MGDC_TEST_SECRET is not allowed: use lower-case letters"
    )
    assert problem_lines(catalog_err)[0].startswith(
        "datasets[0].name: unknown MGDC dataset '{{ env.MGDC_TEST_SECRET }}'"
    )


def test_an_unexpected_failure_is_one_line_and_exit_2_with_the_traceback_only_on_request(tmp_path, capsys, monkeypatch):
    """The CLI's last resort: a bug (here injected into validation) is one line naming the
    command and the exception type, never its message (it could quote a row value or a
    secret); MGDC_DEBUG=1 adds the traceback for whoever debugs it."""
    from mgdc_pipelines.spec import loader

    def buggy_validation(spec, **options):
        raise RuntimeError("row value 4111-1111-1111-1111")

    monkeypatch.setattr(loader, "validate_app", buggy_validation)
    spec = tmp_path / "bug.yaml"
    spec.write_text("# a text no other test parses (the loader caches by text)\n" + demo_text())

    monkeypatch.delenv("MGDC_DEBUG", raising=False)
    assert main(["validate", "--spec", str(spec)]) == 2
    assert capsys.readouterr().err.splitlines() == [
        "mgdc-pipelines validate: internal error (RuntimeError): the command stopped unexpectedly; "
        "this is a bug (set MGDC_DEBUG=1 to print the traceback)"
    ]

    monkeypatch.setenv("MGDC_DEBUG", "1")
    spec.write_text("# another text, parsed again\n" + demo_text())
    assert main(["validate", "--spec", str(spec)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("mgdc-pipelines validate: internal error (RuntimeError)")
    assert "Traceback (most recent call last)" in err and "buggy_validation" in err


# Deterministic fuzzing: seeded mutations of the demo spec through the real `validate`.

ODD_VALUES = [
    None, True, False, 0, -1, 2**63, 10**40, 1.5, float("nan"), float("inf"), "", " ", "x" * 2000,
    "\u202eevil", "\x1b[31mred", "a\x00b", "line\nbreak", "日本語", "😀", "../../etc/passwd", "~",
    "{{ env.MGDC_FUZZ_UNSET }}", "{{ spec_dir }}", "{{ cwd }}/x", "{{ nope }}", "all", [], {}, [[]],
    {"a": {"b": [1, {"c": None}]}}, [None, 1, "x"], dt.date(1, 1, 1), dt.datetime(2026, 1, 1, 12),
    b"\xff\xfe", "3af3fdfe-f047-5c2e-87b2-226f88aba79e", "Message_v1", "hash", "drop",
]
ODD_KEYS = ["", "type", "spec_path", "\x1b[2J", "a" * 200, "__class__", "[key]", 1, None, True]


def containers(value, path=()):
    """Every mapping and list inside ``value``, with its path."""
    if isinstance(value, (dict, list)):
        yield path, value
        items = value.items() if isinstance(value, dict) else enumerate(value)
        for key, child in list(items):
            yield from containers(child, (*path, key))


def mutate(raw: dict, rng: random.Random) -> None:
    """One random edit: delete a key or item, replace a value, swap a container's type, add a key."""
    _, container = rng.choice(list(containers(raw)))
    keys = list(container) if isinstance(container, dict) else list(range(len(container)))
    action = rng.choice(["delete", "replace", "replace", "swap", "add"])
    if action == "add" or not keys:
        if isinstance(container, dict):
            container[rng.choice(ODD_KEYS)] = copy.deepcopy(rng.choice(ODD_VALUES))
        else:
            container.append(copy.deepcopy(rng.choice(ODD_VALUES)))
        return
    key = rng.choice(keys)
    if action == "delete":
        del container[key]
    elif action == "replace":
        container[key] = copy.deepcopy(rng.choice(ODD_VALUES))
    else:
        value = container[key]
        if isinstance(value, dict):
            container[key] = list(value.values()) or list(value)
        elif isinstance(value, list):
            container[key] = {str(i): item for i, item in enumerate(value)}
        else:
            container[key] = [value]


def fuzzed_spec_texts(seed: int, count: int):
    rng = random.Random(seed)
    for _ in range(count):
        raw = copy.deepcopy(DEMO)
        for _ in range(rng.randint(1, 4)):
            mutate(raw, rng)
        text = yaml.dump(raw, sort_keys=False, allow_unicode=True, Dumper=yaml.SafeDumper)
        if rng.random() < 0.15:  # a text-level edit: a stray character or a cut-off file
            position = rng.randrange(len(text))
            stray = rng.choice(["", "\t", "&a ", "*a", "{", "'", "\x1b", "\ufeff", ": ", "!!bool ", "!!timestamp "])
            text = text[:position] + stray + text[position + 1:]
        yield text


@pytest.mark.parametrize("seed", range(3))
def test_hundreds_of_mutated_demo_specs_never_crash_validate(tmp_path, capsys, seed):
    spec = tmp_path / "fuzzed.yaml"
    for index, text in enumerate(fuzzed_spec_texts(seed, 120)):
        spec.write_text(text, encoding="utf-8")
        code, err = validate_in_process(spec, capsys)
        assert code in (0, 1), f"seed {seed}, mutation {index}: exit {code}\n{err}"
        assert "Traceback" not in err and "internal error" not in err, f"seed {seed}, mutation {index}:\n{err}"
        assert "\x1b" not in err and "\x00" not in err
