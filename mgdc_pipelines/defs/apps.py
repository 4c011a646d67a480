"""Several apps in one code location, kept apart.

``build_defs`` names everything an app binds or defines after the app (:mod:`.names`), and its
asset keys start with the app's name unless the spec sets ``dagster.key_prefix``. What names alone
cannot keep apart is checked here, before Dagster merges the apps: two apps with one name, two
apps claiming one asset key (Dagster would only say "Duplicate asset key"), or two apps writing to
one sink folder (one would overwrite the other's partitions, as the Graph demo once replaced days
of the synthetic demo's), or two apps being one app registration (``app_id`` in one tenant: the
instance anchors one consent audit log per registration). Jobs, sensors, schedules and resources
are compared too: app ``hr``'s ``hr_sharepoint_copy`` job is also app ``hr_sharepoint``'s copy job.

>>> from mgdc_pipelines.spec import load_spec, DEMO_SPEC_PATH
>>> demo = load_spec(DEMO_SPEC_PATH)
>>> people = demo.model_copy(update={"app": demo.app.model_copy(update={"name": "people"})})
>>> build_apps_defs([demo, people])  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
mgdc_pipelines.defs.apps.AppsCollide: apps demo and people cannot share one code location:
  - both produce asset keys mgdc/CalendarView_v0, mgdc/Contact_v1, mgdc/DirectReport_v0 and 11 more: give one of them another `dagster.key_prefix`
  - both write to the sink folder file:...mgdc_data: give one of them another `sink`
  - both are app registration 7afa5ac9-... of tenant 884d4683-..., whose consent audit log the instance anchors once: give each app its own `app.app_id`
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import combinations

import dagster as dg

from mgdc_pipelines.consent.registration import destination_for
from mgdc_pipelines.defs.build import build_defs
from mgdc_pipelines.spec.model import AppSpec

_LISTED = 3  # asset keys named in a message; the rest are counted


class AppsCollide(ValueError):
    """Two apps of one code location would share a name, an asset key, a sink folder or a registration."""


def build_apps_defs(apps: Sequence[AppSpec]) -> dg.Definitions:
    """``dg.Definitions.merge`` of each app's :func:`build_defs`, once :func:`check_apps_apart` passes."""
    built = [build_defs(app) for app in apps]
    check_apps_apart(apps, built)
    return dg.Definitions.merge(*built)


def check_apps_apart(apps: Sequence[AppSpec], built: Sequence[dg.Definitions] | None = None) -> None:
    """Raise :class:`AppsCollide` naming every pair of ``apps`` that would collide.

    ``built``: the apps' definitions, in the same order (default: ``build_defs`` of each); their
    asset keys are compared, whatever translator made them.
    """
    built = built if built is not None else [build_defs(app) for app in apps]
    keys = [{key for asset in defs.assets or () for key in asset.keys} for defs in built]
    names = [_defined_names(defs) for defs in built]
    messages = []
    for (i, first), (j, second) in combinations(enumerate(apps), 2):
        problems = _collisions(first, second, keys[i] & keys[j], names[i] & names[j])
        if problems:
            listed = "".join(f"\n  - {problem}" for problem in problems)
            messages.append(f"apps {first.name} and {second.name} cannot share one code location:{listed}")
    if messages:
        raise AppsCollide("\n".join(messages))


def _defined_names(defs: dg.Definitions) -> set[str]:
    """``job demo_copy``, ``sensor demo_availability``, ``resource demo_mgdc_sink``, ..."""
    return {
        *(f"job {job.name}" for job in defs.jobs or ()),
        *(f"sensor {sensor.name}" for sensor in defs.sensors or ()),
        *(f"schedule {schedule.name}" for schedule in defs.schedules or ()),
        *(f"resource {key}" for key in defs.resources or {}),
    }


def _collisions(first: AppSpec, second: AppSpec, shared_keys: set[dg.AssetKey], shared_names: set[str]) -> list[str]:
    problems = []
    if shared_names:
        problems.append(f"both define {_some(shared_names)}: rename one of them (`app.name`)")
    if shared_keys:
        problems.append(
            f"both produce asset keys {_some(key.to_user_string() for key in shared_keys)}: "
            "give one of them another `dagster.key_prefix`"
        )
    sinks = sorted((destination_for(first), destination_for(second)), key=len)
    if sinks[1] == sinks[0] or sinks[1].startswith(sinks[0].rstrip("/") + "/"):
        where = f"the sink folder {sinks[0]}" if sinks[0] == sinks[1] else f"{sinks[1]}, inside the other's {sinks[0]}"
        problems.append(f"both write to {where}: give one of them another `sink`")
    if (first.app.tenant_id, first.app.app_id) == (second.app.tenant_id, second.app.app_id):
        problems.append(
            f"both are app registration {first.app.app_id} of tenant {first.app.tenant_id}, whose consent audit "
            "log the instance anchors once: give each app its own `app.app_id`"
        )
    return problems


def _some(names) -> str:
    """The first few of ``names`` in order, and how many more."""
    names = sorted(names)
    more = f" and {len(names) - _LISTED} more" if len(names) > _LISTED else ""
    return ", ".join(names[:_LISTED]) + more
