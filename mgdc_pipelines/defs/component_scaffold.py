"""``dg scaffold defs mgdc_pipelines.MgdcApp <name>``: the bundled demo spec as a starter ``defs.yaml``.

The starter is the demo spec's own text, comments included (they explain the fields), with the
app named after the component and its files in the dg project: data under
``mgdc_data/<name>``, consent state under ``.mgdc_state``, both written as paths relative to the
component's folder (no absolute path, no ``{{ cwd }}``, so the project can move). It names no
admin key: which keys are trusted is the deployment's setting.

>>> text = starter_text("people_analytics", Path("/p/src/my_project/defs/people_analytics"), Path("/p"))
>>> print(text.split("attributes:")[1].split("app_id")[0].strip())
app:
    name: people_analytics            # Dagster asset group; lower-case letters, digits, _
>>> "../../../../mgdc_data/people_analytics" in text, "{{" in text.split("type:")[1]
(True, False)
"""

from __future__ import annotations

import os
import re
import uuid
from pathlib import Path
from typing import Any

import dagster as dg
import yaml

from mgdc_pipelines.spec.loader import DEMO_SPEC_PATH

COMPONENT_TYPE = "mgdc_pipelines.MgdcApp"

_HEADER = """\
# An MGDC app as a Dagster component (`dg scaffold defs mgdc_pipelines.MgdcApp {name}`).
#
# `attributes` is an MGDC app spec, the app registration: which datasets and columns the app
# reads, for which part of the organization (scopes), from which source and into which sink.
# This one starts as the bundled demo app. `dg check yaml` checks the field names, `dg check defs`
# validates the values as `mgdc-pipelines validate` validates a spec file. Relative paths are
# relative to this file's folder; `{{{{ env.NAME }}}}` is an environment variable.
"""

# Comments of the demo spec that speak of the demo's own setting (`make demo`, `{{ cwd }}`).
_SINK_COMMENT = """\
# Where rows go: one Delta Lake table per dataset under mgdc_data/{name} of the dg project.
"""
_CONSENT_COMMENT = """\
# Consent: the admin-signed authorization this app runs under, and its hash-chained audit log.
# Nothing outside the authorization is read or written: until an admin approves the app, its
# assets load but every run is refused. Which admin keys are trusted is the deployment's setting
# (MGDC_TRUSTED_ADMIN_KEYS), not the spec's.
"""


class ScaffoldTemplateError(RuntimeError):
    """The demo spec no longer has a line the starter rewrites (a bug of this package)."""


class MgdcAppScaffolder(dg.Scaffolder):
    """Writes ``defs.yaml``: the demo app, named after the component's folder."""

    def scaffold(self, request: dg.ScaffoldRequest) -> None:
        if request.scaffold_format != "yaml":  # `--format python`: Dagster's own component.py stub
            from dagster.components.component_scaffolding import scaffold_component

            scaffold_component(request, {})
            return
        name = app_name(request.target_path.name)
        text = starter_text(name, request.target_path, request.project_root, request.type_name)
        if request.append:  # `dg scaffold defs ... --append`: another document in an existing file
            with request.target_path.open("a", encoding="utf-8") as file:
                file.write("---\n" + text)
        else:
            (request.target_path / "defs.yaml").write_text(text, encoding="utf-8")


def app_name(folder: str) -> str:
    """An app name (lower-case letters, digits, ``_``) for a component folder.

    >>> app_name("people_analytics"), app_name("People-Analytics 2"), app_name("2026_pilot")
    ('people_analytics', 'people_analytics_2', 'app_2026_pilot')
    """
    name = re.sub(r"[^a-z0-9_]+", "_", folder.lower()).strip("_") or "app"
    return (name if name[0].isalpha() else f"app_{name}")[:63]


def starter_text(
    name: str, component_dir: Path, project_root: Path | None, type_name: str = COMPONENT_TYPE
) -> str:
    """The starter ``defs.yaml`` for app ``name`` in ``component_dir`` of the project at
    ``project_root`` (without a project: files next to ``defs.yaml``)."""
    to_project = Path(os.path.relpath(project_root, component_dir)).as_posix() if project_root else "."
    spec = DEMO_SPEC_PATH.read_text(encoding="utf-8")
    spec = _drop_header(spec)
    spec = _replace_comment_before(spec, "sink", _SINK_COMMENT.format(name=name))
    spec = _replace_comment_before(spec, "consent", _CONSENT_COMMENT)
    spec = _replace_once(spec, r"^  name: demo *(?=#)", f"  name: {name} ".ljust(36))  # the comment's column
    # Apps side by side in one project: their asset keys apart, and their registrations (the
    # instance keeps one consent anchor per app id) until the real Entra ID client id is filled in.
    spec = _replace_once(spec, r"^(  app_id: )[0-9a-f-]{36}", rf"\g<1>{placeholder_app_id(name)}")
    spec = _replace_once(spec, r"^(  key_prefix: )\[mgdc\]", rf"\g<1>[{name}]")
    spec = _replace_once(
        spec, r'^(  path: )"\{\{ cwd \}\}/mgdc_data"', rf"\g<1>{to_project}/mgdc_data/{name}"
    )
    spec = _replace_once(
        spec,
        r'^(  authorization: )"\{\{ cwd \}\}/\.mgdc_state/demo\.authorization\.json"',
        rf"\g<1>{to_project}/.mgdc_state/{name}.authorization.json",
    )
    spec = _replace_once(
        spec, r'^(  state_dir: )"\{\{ cwd \}\}/\.mgdc_state"', rf"\g<1>{to_project}/.mgdc_state"
    )
    if "{{ cwd }}" in spec:
        raise ScaffoldTemplateError("the demo spec has a {{ cwd }} path the starter does not rewrite")
    attributes = "".join(f"  {line}" if line.strip() else line for line in spec.splitlines(keepends=True))
    return f"{_HEADER.format(name=name)}\ntype: {type_name}\nattributes:\n{attributes}"


def placeholder_app_id(name: str) -> str:
    """A stable stand-in for the app's Entra ID client id, different for every app name.

    >>> placeholder_app_id("people_analytics") != placeholder_app_id("hr")
    True
    """
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"https://mgdc-pipelines.invalid/apps/{name}"))


def starter_attributes(
    name: str = "demo", component_dir: Path | None = None, project_root: Path | None = None
) -> dict[str, Any]:
    """The starter's attributes as a dict (what ``defs.yaml`` holds under ``attributes:``)."""
    folder = component_dir or Path.cwd()
    return yaml.safe_load(starter_text(name, folder, project_root))["attributes"]


def _drop_header(spec: str) -> str:
    """The spec without its opening comment (it speaks of the bundled demo file)."""
    return re.sub(r"\A(#[^\n]*\n)+\n*", "", spec, count=1)


def _replace_comment_before(spec: str, key: str, comment: str) -> str:
    """``spec`` with the comment block right above the top-level ``key:`` replaced."""
    return _replace_once(spec, rf"^(?:#[^\n]*\n)+(?={re.escape(key)}:)", comment.replace("\\", "\\\\"))


def _replace_once(text: str, pattern: str, replacement: str) -> str:
    new, count = re.subn(pattern, replacement, text, flags=re.MULTILINE)
    if count != 1:
        raise ScaffoldTemplateError(f"the demo spec matches {pattern!r} {count} times, not once")
    return new
