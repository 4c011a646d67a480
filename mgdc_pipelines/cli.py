"""The ``mgdc-pipelines`` command.

    mgdc-pipelines validate [--spec PATH]        check a spec; exit 0, or 1 listing every problem
    mgdc-pipelines datasets                      list the MGDC datasets the catalog knows
    mgdc-pipelines demo [--spec PATH] [--days N] copy the last N closed days × every scope
    mgdc-pipelines tenant groups [--spec PATH]   the synthetic tenant's groups and their ids

Without ``--spec``, ``$MGDC_SPEC`` or else the bundled demo spec is used.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from mgdc_pipelines.spec import SpecError, default_spec_path, load_spec

DEFAULT_DAGSTER_HOME = ".dagster_home"


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return args.handler(args)
    except SpecError as error:
        print(error, file=sys.stderr)
        return 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mgdc-pipelines", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)

    validate = commands.add_parser("validate", help="check a spec file")
    _add_spec_option(validate)
    validate.set_defaults(handler=_validate)

    datasets = commands.add_parser("datasets", help="list the catalog's MGDC datasets")
    datasets.set_defaults(handler=_datasets)

    demo = commands.add_parser("demo", help="copy the last closed days × every scope, then summarize")
    _add_spec_option(demo)
    demo.add_argument("--days", type=int, default=7, help="closed UTC days to copy (default 7)")
    demo.set_defaults(handler=_demo)

    tenant = commands.add_parser("tenant", help="inspect the synthetic tenant of a spec")
    tenant_commands = tenant.add_subparsers(dest="tenant_command", required=True)
    groups = tenant_commands.add_parser("groups", help="list groups and their object ids")
    _add_spec_option(groups)
    groups.set_defaults(handler=_tenant_groups)
    return parser


def _add_spec_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--spec", type=Path, default=None, help="spec file (default: $MGDC_SPEC or the bundled demo)"
    )


def _spec_path(args: argparse.Namespace) -> Path:
    return args.spec if args.spec is not None else default_spec_path()


def _validate(args: argparse.Namespace) -> int:
    path = _spec_path(args)
    spec = load_spec(path)
    print(f"{path}: ok — app {spec.name!r}, {len(spec.datasets)} datasets, scopes: {', '.join(spec.scope_keys)}")
    return 0


def _datasets(_: argparse.Namespace) -> int:
    from mgdc_pipelines.catalog import list_datasets

    for ds in list_datasets():
        filters = ", ".join(ds.date_filter_columns) or "-"
        print(f"{ds.name:<42} {ds.category.value:<10} {ds.scope.value:<6} {ds.mode.value:<10} {filters}")
    return 0


def _demo(args: argparse.Namespace) -> int:
    import dagster as dg

    from mgdc_pipelines.defs import build_defs
    from mgdc_pipelines.runner import run_recent_days, summary_table

    spec = load_spec(_spec_path(args))
    dagster_home = _ensure_dagster_home()
    defs = build_defs(spec)
    print(f"Copying app {spec.name!r}: {len(spec.datasets)} datasets × last {args.days} closed days × "
          f"scopes {', '.join(spec.scope_keys)} (DAGSTER_HOME={dagster_home})", flush=True)
    with dg.DagsterInstance.get() as instance:
        outcomes, summaries = run_recent_days(spec, defs, instance, args.days, on_run=_print_run)
    print()
    print(summary_table(summaries))
    failed = [outcome for outcome in outcomes if not outcome.success]
    for outcome in failed:
        print(f"FAILED: run {outcome.run_id} of {outcome.job_name} {outcome.partition_range}", file=sys.stderr)
    print(f"\n{len(outcomes) - len(failed)} of {len(outcomes)} runs succeeded. "
          "See them in the Dagster UI: make ui  (then open http://127.0.0.1:3000)")
    return 1 if failed else 0


def _print_run(outcome) -> None:
    status = "ok" if outcome.success else "FAILED"
    first, last = outcome.partition_range
    print(f"  {status:<6} {outcome.job_name} {first} .. {last}: "
          f"{outcome.materializations} partitions materialized (run {outcome.run_id[:8]})", flush=True)


def _ensure_dagster_home() -> Path:
    """Use ``$DAGSTER_HOME``, defaulting to ``./.dagster_home``, with telemetry off."""
    home = Path(os.environ.setdefault("DAGSTER_HOME", str(Path(DEFAULT_DAGSTER_HOME).absolute())))
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        config.write_text("telemetry:\n  enabled: false\n")
    return home


def _tenant_groups(args: argparse.Namespace) -> int:
    from mgdc_pipelines.sources.synthetic import SyntheticTenant, TenantConfig

    spec = load_spec(_spec_path(args))
    tenant = SyntheticTenant(TenantConfig(**spec.source.options))
    for group in tenant.groups:
        print(f"{group.id}  {group.mail_nickname:<20} {group.display_name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
