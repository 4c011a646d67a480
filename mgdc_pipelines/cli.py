"""mgdc-pipelines: check a spec, copy the demo, manage consent and read the audit log.

    mgdc-pipelines validate [--spec PATH]        check a spec; exit 0, or 1 listing every problem
    mgdc-pipelines datasets [--json]             list the MGDC datasets the catalog knows
    mgdc-pipelines demo [--spec PATH] [--days N] copy the last complete week (or N days) × every scope
    mgdc-pipelines tenant groups [--spec PATH]   the synthetic tenant's groups and their ids

    mgdc-pipelines consent request [--spec PATH] [--out FILE]       the registration an admin approves
    mgdc-pipelines consent keygen --out-private F --out-public F    an admin's Ed25519 key pair
    mgdc-pipelines consent approve|deny --registration F --approver EMAIL --key F --spec PATH
                                        [--out F] [--deny-group ID ...] [--lift SUSPENSION ...]
                                        [--allow-unwithdrawn]
                                        sign the decision and record it in the app's audit log
    mgdc-pipelines consent record --spec PATH [--authorization F]   record a decision signed elsewhere
    mgdc-pipelines consent status [--spec PATH] [--json]    exit 0 only when approved for this spec
    mgdc-pipelines audit [--spec PATH] [--since YYYY-MM-DD] [--json]   who accessed what
    mgdc-pipelines audit verify [--spec PATH]      check the whole hash chain (and its anchor)
    mgdc-pipelines production [--data-dir DIR] [--port P] [--spec PATH]
                                        Dagster on a local PostgreSQL (webserver + daemon) until Ctrl-C
    mgdc-pipelines graph-emulator [--port P] [--users N] [--seed S] [--page-size K] [--latency-ms L]
                                        HTTPS Graph + Entra ID emulator of the synthetic tenant
    mgdc-pipelines --version

Without --spec, $MGDC_SPEC or else the bundled demo spec is used (approve and deny: only an
explicit --spec, which names where the authorization and the audit log are). Which admin keys are
trusted is the deployment's setting, MGDC_TRUSTED_ADMIN_KEYS; with DAGSTER_HOME set, the audit log
is checked against its anchor in that Dagster instance. Every command has --help, with examples.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import textwrap
from collections.abc import Sequence
from pathlib import Path

from mgdc_pipelines.consent.errors import ConsentError
from mgdc_pipelines.launch.local_dagster import LocalDagsterError
from mgdc_pipelines.spec import AppSpec, SpecError, default_spec_path, load_spec
from mgdc_pipelines.state.base import StateDatabaseError
from mgdc_pipelines.version import __version__

DEFAULT_DAGSTER_HOME = ".dagster_home"
_HELP_WIDTH = 79
_ENVIRONMENT = """\
environment:
  MGDC_SPEC                the spec used without --spec (default: the demo spec)
  MGDC_TRUSTED_ADMIN_KEYS  the admin public keys trusted to approve apps
  MGDC_DEMO_MODE=1         also trust the bundled demo admin key (for make demo)
  DAGSTER_HOME             the Dagster instance anchoring the audit log
  MGDC_DEBUG=1             print the traceback of an internal error"""


def main(argv: Sequence[str] | None = None) -> int:
    """Run a command: exit 0, 1 for a bad spec or a consent refusal (the problem on stderr), or
    2 for a bug, reported in one line; `MGDC_DEBUG=1` adds the traceback.

    >>> main(["validate", "--spec", "/nonexistent/mgdc.yaml"])
    1
    """
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return args.handler(args)
    except (SpecError, ConsentError, LocalDagsterError, StateDatabaseError) as error:
        print(error, file=sys.stderr)  # these messages carry no secret nor row value
        return 1
    except BrokenPipeError:  # `mgdc-pipelines audit | head`: the reader had enough
        sys.stderr.close()
        return 0
    except Exception as error:  # noqa: BLE001 - the last resort: one line, not a traceback
        # Not the exception's message: it may quote a row value or a secret.
        command = " ".join(str(part) for part in (args.command, getattr(args, f"{args.command}_command", None)) if part)
        print(f"mgdc-pipelines {command}: internal error ({type(error).__name__}): the command stopped "
              "unexpectedly; this is a bug (set MGDC_DEBUG=1 to print the traceback)", file=sys.stderr)
        if os.environ.get("MGDC_DEBUG") == "1":
            import traceback  # here: main() is this module's only part that reports bugs

            traceback.print_exc()
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mgdc-pipelines",
        description="Declarative, consent-governed Microsoft Graph Data Connect pipelines on Dagster.",
        epilog=_examples(
            "mgdc-pipelines validate --spec my-app.yaml",
            "MGDC_DEMO_MODE=1 mgdc-pipelines demo --days 3",
            "mgdc-pipelines consent status --spec my-app.yaml --json",
            "mgdc-pipelines audit --spec my-app.yaml --since 2026-11-20",
        ) + "\n\n" + _ENVIRONMENT,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    validate = _command(commands, "validate", "check a spec file; exit 0, or 1 listing every problem",
                        "mgdc-pipelines validate", "mgdc-pipelines validate --spec my-app.yaml")
    _add_spec_option(validate)
    validate.set_defaults(handler=_validate)

    _add_datasets_command(commands)
    _add_cost_command(commands)

    demo = _command(commands, "demo", "copy the last complete week (or N days) × every scope, then summarize",
                    "MGDC_DEMO_MODE=1 mgdc-pipelines demo", "MGDC_DEMO_MODE=1 mgdc-pipelines demo --days 3")
    _add_spec_option(demo)
    demo.add_argument("--days", type=int, default=None,
                      help="copy the last N closed UTC days (default: the last complete week)")
    demo.set_defaults(handler=_demo)

    tenant = _command(commands, "tenant", "inspect the synthetic tenant of a spec",
                      "mgdc-pipelines tenant groups")
    tenant_commands = tenant.add_subparsers(dest="tenant_command", required=True, metavar="COMMAND")
    groups = _command(tenant_commands, "groups", "list the synthetic tenant's groups and their object ids",
                      "mgdc-pipelines tenant groups", "mgdc-pipelines tenant groups --spec my-app.yaml")
    _add_spec_option(groups)
    groups.set_defaults(handler=_tenant_groups)

    _add_consent_commands(commands)
    _add_audit_commands(commands)
    _add_graph_emulator_command(commands)
    _add_production_command(commands)
    _add_state_commands(commands)
    return parser


def _command(commands, name: str, summary: str, *examples: str, notes: str = "") -> argparse.ArgumentParser:
    """A subcommand whose help starts with ``summary`` (then ``notes``, rewrapped) and ends with
    its examples."""
    paragraphs = [summary[0].upper() + summary[1:] + "."]
    paragraphs += [textwrap.fill(" ".join(part.split()), _HELP_WIDTH) for part in notes.split("\n\n") if part.strip()]
    return commands.add_parser(name, help=summary, description="\n\n".join(paragraphs), epilog=_examples(*examples),
                               formatter_class=argparse.RawDescriptionHelpFormatter)


def _examples(*commands: str) -> str:
    """An "examples:" block; a command's further lines (after a backslash) are indented more."""
    return "examples:\n" + "\n".join("  " + command.replace("\n", "\n      ") for command in commands)


def _add_json_option(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument("--json", action="store_true", help=f"print {what} as one JSON document (keys below)")


def _add_datasets_command(commands) -> None:
    from mgdc_pipelines.cli_json import COLUMN_KEYS, DATASET_KEYS, keys_help

    datasets = _command(
        commands, "datasets", "list the MGDC datasets the catalog knows",
        "mgdc-pipelines datasets", "mgdc-pipelines datasets --json",
        notes=f"""
        One line per dataset: its name, category, how MGDC scopes it (user, group or none), how it is
        filtered in time (range, snapshot or sharepoint) and its date-filter columns.

        --json prints a list with one object per dataset, keys: {keys_help(DATASET_KEYS)};
        columns and metadata_columns are lists of objects with keys: {keys_help(COLUMN_KEYS)}.""",
    )
    _add_json_option(datasets, "the datasets and their columns")
    datasets.set_defaults(handler=_datasets)


def _add_cost_command(commands) -> None:
    cost = _command(
        commands, "cost", "estimate what a backfill through MGDC costs: the spec's policy against one run per day",
        "mgdc-pipelines cost --spec my-app.yaml", "mgdc-pipelines cost --days 90 --objects-per-day 20000",
        notes="""
        MGDC bills each pipeline run separately, rounded up to 1,000 objects (SharePointFiles_v1:
        50,000; directory datasets are free), and each run takes about 45 minutes whatever its size.
        For every dataset and scope of the spec this prints the runs, billable units, dollars and
        overhead hours of a backfill of --days days split as the spec's backfill policy splits it
        (max_partitions_per_run consecutive days per run; one per day for snapshot and SharePoint
        datasets), against one run per day. Objects per day are --objects-per-day, or counted in a
        synthetic tenant (the spec's own, or one of --users people) over --sample-days days.
        The price per unit is the spec's source.usd_per_unit (0.75 by default).""",
    )
    _add_spec_option(cost)
    cost.add_argument("--days", type=int, default=365, help="days of history to backfill (default: 365)")
    cost.add_argument("--objects-per-day", type=int, default=None, help="objects per day of each dataset and scope")
    cost.add_argument("--sample-days", type=int, default=7, help="days counted in the synthetic tenant (default: 7)")
    cost.add_argument("--users", type=int, default=1000, help="people in the synthetic tenant for a non-synthetic spec")
    cost.add_argument("--dataset", action="append", default=[], help="only this dataset (repeatable)")
    cost.set_defaults(handler=_cost)


def _add_audit_commands(commands) -> None:
    from mgdc_pipelines.cli_json import AUDIT_RECORD_KEYS, keys_help

    audit = _command(
        commands, "audit", "print the app's audit log: who accessed what, under which grant",
        "mgdc-pipelines audit --spec my-app.yaml", "mgdc-pipelines audit --spec my-app.yaml --since 2026-11-20",
        "mgdc-pipelines audit --spec my-app.yaml --json", "mgdc-pipelines audit verify --spec my-app.yaml",
        notes=f"""
        A table with one line per record; long cells are shortened and DETAIL is cut to keep lines
        within 200 characters.

        --json prints the records whole, as a list of objects in the log's order. Every record has
        the keys {keys_help(AUDIT_RECORD_KEYS)}; each event adds its own fields (approved/denied:
        approver, fingerprint, datasets, ...; partition_committed: dataset, partition, rows,
        columns, scope, destination, ...).""",
    )
    _add_spec_option(audit)
    audit.add_argument("--since", type=_utc_day, default=None,
                       help="only events on or after this UTC day (YYYY-MM-DD)")
    _add_json_option(audit, "the records, untruncated,")
    audit.set_defaults(handler=_audit)
    audit_actions = audit.add_subparsers(dest="audit_command", required=False, metavar="COMMAND")
    verify = _command(audit_actions, "verify", "verify the whole hash chain, and its anchor in the Dagster instance",
                      "mgdc-pipelines audit verify --spec my-app.yaml",
                      "DAGSTER_HOME=/srv/dagster mgdc-pipelines audit verify --spec my-app.yaml")
    _add_spec_option(verify)
    verify.set_defaults(handler=_audit_verify)


def _add_state_commands(commands) -> None:
    state = _command(
        commands, "state", "the app's state in the deployment's state database (MGDC_STATE_DATABASE)",
        "MGDC_STATE_DATABASE=postgresql+psycopg2://... mgdc-pipelines state migrate --spec my-app.yaml",
    )
    actions = state.add_subparsers(dest="state_command", required=True, metavar="COMMAND")
    migrate = _command(
        actions, "migrate", "copy the app's audit chain, authorization and Graph delta state from files into it",
        "mgdc-pipelines state migrate --spec my-app.yaml",
        notes="""
        Run it once before the deployment sets MGDC_STATE_DATABASE for its Dagster processes (and
        again if runs happened meanwhile): the chain is copied record for record, so the Dagster
        instance's anchor still matches; records the database already holds must be the same.""",
    )
    _add_spec_option(migrate)
    migrate.set_defaults(handler=_state_migrate)


def _add_graph_emulator_command(commands) -> None:
    emulator = _command(commands, "graph-emulator", "serve the synthetic tenant as Microsoft Graph over HTTPS",
                        "mgdc-pipelines graph-emulator", "mgdc-pipelines graph-emulator --port 0 --users 40 --latency-ms 20")
    emulator.add_argument("--port", type=int, default=8443, help="port on 127.0.0.1 (0: any free one; default 8443)")
    emulator.add_argument("--users", type=int, default=120, help="employee accounts in the synthetic tenant")
    emulator.add_argument("--seed", type=int, default=42, help="the synthetic tenant's seed")
    emulator.add_argument("--page-size", type=int, default=50, help="rows per page without $top (default 50)")
    emulator.add_argument("--latency-ms", type=float, default=0.0, help="added to every Graph request")
    emulator.set_defaults(handler=_graph_emulator)


def _add_production_command(commands) -> None:
    production = _command(
        commands, "production", "run Dagster on a local PostgreSQL: webserver and daemon, until Ctrl-C",
        "MGDC_DEMO_MODE=1 mgdc-pipelines production",
        "mgdc-pipelines production --data-dir /var/lib/mgdc/postgres --port 3001 --spec my-app.yaml",
        notes="""
        Starts PostgreSQL in --data-dir (kept between starts; its password is generated once into
        DIR.password, readable by its owner only), writes $DAGSTER_HOME/dagster.yaml (default
        ./.dagster_home_production) from deploy/production/dagster.yaml, and runs dagster-webserver and
        dagster-daemon with MGDC_PG_* and MGDC_STATE_DATABASE set. Ctrl-C or SIGTERM stops the daemon,
        the webserver and PostgreSQL. As root, PostgreSQL runs as the postgres user, who must be able
        to traverse the folders above --data-dir.""",
    )
    _add_spec_option(production)
    production.add_argument("--data-dir", type=Path, default=None,
                            help="PostgreSQL's folder (default ./.postgres)")
    production.add_argument("--port", type=int, default=None, help="the Dagster UI's port on 127.0.0.1 (default 3000)")
    production.set_defaults(handler=_production)


def _add_consent_commands(commands) -> None:
    consent = _command(commands, "consent", "register the app and record an admin's authorization",
                       "mgdc-pipelines consent request --spec my-app.yaml",
                       "mgdc-pipelines consent status --spec my-app.yaml")
    actions = consent.add_subparsers(dest="consent_command", required=True, metavar="COMMAND")

    request = _command(actions, "request", "print the registration an admin approves, and save it",
                       "mgdc-pipelines consent request --spec my-app.yaml",
                       "mgdc-pipelines consent request --spec my-app.yaml --out my-app.reg.json")
    _add_spec_option(request)
    request.add_argument("--out", type=Path, default=None,
                         help="registration file (default ./<app>.registration.json)")
    request.set_defaults(handler=_consent_request)

    keygen = _command(actions, "keygen", "create an admin's Ed25519 key pair (never overwrites a file)",
                      "mgdc-pipelines consent keygen --out-private ~/admin.key --out-public admin.pub")
    keygen.add_argument("--out-private", type=Path, required=True, help="private key file (mode 0600)")
    keygen.add_argument("--out-public", type=Path, required=True,
                        help="public key file (the operator lists it in MGDC_TRUSTED_ADMIN_KEYS)")
    keygen.set_defaults(handler=_consent_keygen)

    for action, decision in (("approve", "approved"), ("deny", "denied")):
        _add_decision_command(actions, action, decision)

    record = _command(actions, "record", "record a decision signed elsewhere in the app's audit log",
                      "mgdc-pipelines consent record --spec my-app.yaml --authorization auth.json")
    record.add_argument("--spec", type=Path, required=True, help="the app's spec")
    record.add_argument("--authorization", type=Path, default=None,
                        help="the signed authorization (default: the spec's consent.authorization); "
                        "copied there when it is elsewhere")
    record.set_defaults(handler=_consent_record)
    _add_status_command(actions)


def _add_status_command(actions) -> None:
    from mgdc_pipelines.cli_json import (
        AUTHORIZATION_KEYS,
        DATASET_STATUS_KEYS,
        STATUS_KEYS,
        SUSPENSION_KEYS,
        WITHHELD_KEYS,
        keys_help,
    )

    status = _command(
        actions, "status", "show the app's consent state; exit 0 only when approved for exactly this spec",
        "mgdc-pipelines consent status --spec my-app.yaml", "mgdc-pipelines consent status --json | jq -r .state",
        notes=f"""
        States: pending, approved, denied, expired, update_available (the spec changed since the
        approval: runs continue under the grant for what it covers), suspended.

        --json prints one object, keys: {keys_help(STATUS_KEYS)}; authorization is null or has
        the keys {keys_help(AUTHORIZATION_KEYS)}; suspension is null or has the keys
        {keys_help(SUSPENSION_KEYS)} (witnessed: the Dagster instance witnessed its record, as
        it does every suspension a run records; no run withdraws the partitions of one it did
        not); datasets is a list of objects with the keys
        {keys_help(DATASET_STATUS_KEYS)}; withheld lists the partitions a suspension flagged that
        no copy replaced yet (loaders leave them out), objects with the keys
        {keys_help(WITHHELD_KEYS)} (withdrawn: their withdrawal from the sink was recorded;
        copied_again: false). Without DAGSTER_HOME nothing can be known as witnessed: witnessed
        is null, and so is withdrawn where a withdrawal is recorded (not verified); a partition
        whose copy is recorded stays listed, with copied_again null (not verified).""",
    )
    _add_spec_option(status)
    _add_json_option(status, "the state")
    status.set_defaults(handler=_consent_status)


def _add_decision_command(actions, action: str, decision: str) -> None:
    examples = {
        "approve": ("mgdc-pipelines consent approve --registration my-app.registration.json \\\n"
                    "--approver admin@contoso.com --key ~/.mgdc/admin.key --spec my-app.yaml",
                    "mgdc-pipelines consent approve --registration my-app.registration.json \\\n"
                    "--approver admin@contoso.com --key ~/.mgdc/admin.key --spec my-app.yaml \\\n"
                    "--deny-group GROUP_ID --lift SUSPENSION_ID"),
        "deny": ("mgdc-pipelines consent deny --registration my-app.registration.json \\\n"
                 "--approver admin@contoso.com --key ~/.mgdc/admin.key --spec my-app.yaml",),
    }[action]
    parser = _command(actions, action, f"{action} a registration and write the signed authorization", *examples)
    parser.add_argument("--registration", type=Path, required=True, help="file from `consent request`")
    parser.add_argument("--approver", required=True, help="the admin's email; not the app owner")
    parser.add_argument("--key", type=Path, required=True, help="the admin's private key file")
    parser.add_argument("--out", type=Path, default=None, help="authorization file (default: the "
                        "consent.authorization of --spec, else ./<app>.authorization.json)")
    parser.add_argument("--spec", type=Path, default=None, help="the app's spec: where its authorization "
                        "and audit log are (without it, record the decision later with `consent record`)")
    if action == "approve":  # MGDC's privacy deny list is chosen when approving
        parser.add_argument("--deny-group", dest="deny_groups", action="append", default=[],
                            metavar="GROUP_ID", help="scrub members of this group from every row (repeatable)")
        parser.add_argument("--lift", dest="lifts", action="append", default=[], metavar="SUSPENSION",
                            help="lift this suspension (its id, as `consent status` shows it; repeatable)")
        parser.add_argument("--allow-unwithdrawn", action="store_true",
                            help="lift even though partitions it flagged are not withdrawn from the sink")
    parser.set_defaults(handler=_consent_decide, decision=decision)


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


def _datasets(args: argparse.Namespace) -> int:
    from mgdc_pipelines.catalog import list_datasets
    from mgdc_pipelines.catalog.viva import VIVA_DATE_FILTER_COLUMN, VIVA_QUERY_PREFIX
    from mgdc_pipelines.cli_json import dataset_document, dumps

    datasets = list_datasets()
    if args.json:
        print(dumps([dataset_document(ds) for ds in datasets]))
        return 0
    row = "{:<49} {:<10} {:<6} {:<10} {}"
    print(row.format("DATASET", "CATEGORY", "SCOPE", "MODE", "DATE FILTER COLUMNS"))
    for ds in datasets:
        filters = ", ".join(ds.date_filter_columns) or "-"
        print(row.format(ds.name, ds.category.value, ds.scope.value, ds.mode.value, filters))
    print(row.format(f"{VIVA_QUERY_PREFIX}<query>", "viva", "none", "range", VIVA_DATE_FILTER_COLUMN))
    print(f"\n{VIVA_QUERY_PREFIX}<query>: one dataset per Viva Insights query; declare its "
          "columns in the spec (column_types).")
    return 0


def _cost(args: argparse.Namespace) -> int:
    from mgdc_pipelines.sources.mgdc.cost_report import backfill_cost_report

    report = backfill_cost_report(
        load_spec(_spec_path(args)), days=args.days, objects_per_day=args.objects_per_day,
        sample_days=args.sample_days, users=args.users, datasets=tuple(args.dataset),
    )
    row = "{:<26} {:<12} {:>8} {:>12}  {:>5} {:>7} {:>9} {:>7}  {:>5} {:>7} {:>9} {:>7}"
    print(f"A {report.days}-day backfill at ${report.rates.usd_per_unit:.2f} per unit; objects per day: {report.objects_from}.")
    print(f"{'':<63}{'the policy':^31}  {'one run per day':^31}".rstrip())
    print(row.format("dataset", "scope", "days/run", "objects", "runs", "units", "USD", "hours", "runs", "units", "USD", "hours"))
    for line in report.lines:
        policy, daily = line.policy, line.per_day
        print(row.format(line.dataset, line.scope, line.days_per_run, f"{policy.objects:,}",
                         policy.runs, policy.units, f"{policy.usd:,.2f}", f"{policy.overhead_hours:,.0f}",
                         daily.runs, daily.units, f"{daily.usd:,.2f}", f"{daily.overhead_hours:,.0f}"))
    runs, units, usd, hours = report.total("policy")
    day_runs, day_units, day_usd, day_hours = report.total("per_day")
    print(row.format("total", "", "", "", runs, units, f"{usd:,.2f}", f"{hours:,.0f}",
                     day_runs, day_units, f"{day_usd:,.2f}", f"{day_hours:,.0f}"))
    return 0


def _demo(args: argparse.Namespace) -> int:
    from mgdc_pipelines.consent.demo import ensure_demo_authorization
    from mgdc_pipelines.consent.trust import DEMO_MODE_NOTICE, TrustAnchors
    from mgdc_pipelines.launch.demo import run_demo
    from mgdc_pipelines.runner import downstream_summary, summary_table

    spec_path = _spec_path(args)
    spec = load_spec(spec_path)
    dagster_home = _ensure_dagster_home()
    if TrustAnchors.from_environment().demo_mode:
        print(DEMO_MODE_NOTICE)
    if ensure_demo_authorization(spec, anchor=_cli_anchor()) is not None:
        print("DEMO ONLY: approved the app with the bundled demo admin key "
              f"({spec.consent.authorization_path()})")
    print(f"Copying app {spec.name!r}: {len(spec.datasets)} datasets × scopes {', '.join(spec.scope_keys)} "
          f"(DAGSTER_HOME={dagster_home})", flush=True)
    outcome = run_demo(spec, spec_path, args.days, dagster_home, out=lambda line: print(line, flush=True))
    print()
    print(summary_table(outcome.summaries))
    if outcome.week is not None:
        print()
        print(downstream_summary(outcome.week))
    for run in outcome.runs:
        if not run.success:
            print(f"FAILED: run {run.run_id} of {run.job_name} {run.partitions}", file=sys.stderr)
    succeeded = sum(run.success for run in outcome.runs)
    print(f"\n{succeeded} of {len(outcome.runs)} runs succeeded. "
          "See them in the Dagster UI: make ui  (then open http://127.0.0.1:3000)")
    return 0 if outcome.success else 1


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


def _consent_request(args: argparse.Namespace) -> int:
    from mgdc_pipelines.consent.describe import describe_registration
    from mgdc_pipelines.consent.registration import registration_for, write_registration

    spec = load_spec(_spec_path(args))
    registration = registration_for(spec)
    out = write_registration(args.out or Path(f"{spec.name}.registration.json"), registration)
    print(describe_registration(registration))
    print(f"\nWrote {out}. An admin (not {registration.owner or 'the owner'}) approves it with:\n"
          f"  mgdc-pipelines consent approve --registration {out} --approver EMAIL --key ADMIN_KEY "
          "--spec SPEC")
    return 0


def _consent_keygen(args: argparse.Namespace) -> int:
    from mgdc_pipelines.consent.keys import write_keypair

    key = write_keypair(args.out_private, args.out_public)
    print(f"Created key {key}:\n"
          f"  private {args.out_private} (mode 0600: keep it with the admin, never commit it)\n"
          f"  public  {args.out_public} (the deployment's operator adds it to MGDC_TRUSTED_ADMIN_KEYS;\n"
          f"          a spec may pin it with `consent: {{admin_key: {key}}}`)")
    return 0


def _consent_decide(args: argparse.Namespace) -> int:
    from mgdc_pipelines.consent.authorization import decide, write_authorization
    from mgdc_pipelines.consent.keys import load_private_key
    from mgdc_pipelines.consent.registration import read_registration, registration_for

    registration = read_registration(args.registration)
    # The admin's process can read the private key: it never imports the spec author's code.
    spec = load_spec(args.spec, import_code=False) if args.spec is not None else None
    if spec is not None and registration_for(spec).fingerprint != registration.fingerprint:
        print(f"note: {args.spec} has changed since this registration was requested; "
              "`consent status` will report update_available", file=sys.stderr)
    store = _store(spec) if spec is not None and spec.consent is not None else None
    lifts = _suspensions_to_lift(store, getattr(args, "lifts", []))
    _check_withdrawals_finished(store, lifts, getattr(args, "allow_unwithdrawn", False))
    key = load_private_key(args.key)
    authorization = decide(registration, decision=args.decision, approver=args.approver, private_key=key,
                           deny_group_ids=tuple(getattr(args, "deny_groups", ())), lifts=lifts)
    out = _authorization_out(args, spec, registration.app_name)
    write_authorization(out, authorization, key)
    print(f"{registration.app_name}: {authorization.describe()} (fingerprint "
          f"{authorization.fingerprint[:12]}…, key {authorization.key_id}); valid until "
          f"{authorization.effective_expires_at:%Y-%m-%d}. Wrote {out}")
    if store is None or out.absolute() != store.authorization_path:
        print(f"Record it in the app's audit log before it takes effect:\n"
              f"  mgdc-pipelines consent record --spec SPEC --authorization {out}")
        return 0
    store.record_decision()  # verifies the file with the deployment's trusted keys first
    print(f"Recorded in the audit log {store.audit.location}")
    _warn_still_suspended(store, lifts)
    return 0


def _suspensions_to_lift(store, wanted: Sequence[str]) -> tuple[str, ...]:
    """Full ids of the active suspensions ``wanted`` names (by id or its first characters)."""
    if not wanted:
        return ()
    if store is None:
        raise ConsentError("--lift needs --spec: the suspensions are in the app's audit log")
    active = [s.id for s in store.view().suspensions]
    lifted = []
    for prefix in wanted:
        matches = [sid for sid in active if sid.startswith(prefix.lower())] if len(prefix) >= 8 else []
        if len(matches) != 1:
            shown = ", ".join(sid[:12] for sid in active) or "none"
            raise ConsentError(f"--lift {prefix}: no single active suspension starts with it (active: {shown})")
        lifted.append(matches[0])
    return tuple(lifted)


def _check_withdrawals_finished(store, lifts: tuple[str, ...], allowed: bool) -> None:
    """Refuse to lift a suspension whose flagged partitions' withdrawal has not finished (unless
    ``allowed``): the runs refused while the app is suspended retry it, and after the lift none
    does, so the flagged data would stay readable to engines listing the sink. (No run withdraws
    what a suspension the Dagster instance did not witness flagged: nothing to wait for.)

    Without the instance (no ``DAGSTER_HOME``), no record is known to be witnessed: a withdrawal
    or copy record appended by hand would pass for a run's, so every partition a suspension
    flagged counts as pending, copied again or not.
    """
    if not lifts:
        return  # (nor is there a store without --spec, which --lift needs)
    lifted = [w for w in store.withheld() if w.suspension.id in lifts]
    pending = [w for w in lifted if w.withdrawal_pending]
    if not pending:
        return
    listed = "; ".join(f"{w.dataset} {w.partition}" for w in pending[:5])
    listed += f" and {len(pending) - 5} more" if len(pending) > 5 else ""
    unknown = "" if store.witnessing else (
        " (without DAGSTER_HOME no withdrawal or copy can be told from a record appended by hand:"
        " set it to the deployment's Dagster instance)"
    )
    if allowed:
        print(f"note: lifting with {len(pending)} flagged partition(s) not withdrawn from the sink "
              f"({listed}){unknown}: engines listing the sink can read them until a copy replaces "
              "them", file=sys.stderr)
        return
    raise ConsentError(
        f"--lift: {len(pending)} partition(s) the suspension flagged are not withdrawn from the sink "
        f"yet ({listed}){unknown}, and after the lift no run withdraws them. Run the dataset's job "
        "once (a run refused while the app is suspended withdraws them first; `consent status` "
        "then says \"withdrawn from the sink\"), or pass --allow-unwithdrawn to lift anyway"
    )


def _warn_still_suspended(store, lifts: tuple[str, ...]) -> None:
    for suspension in store.view().suspensions:
        print(f"note: the app stays {suspension.describe()}", file=sys.stderr)


def _consent_record(args: argparse.Namespace) -> int:
    import shutil

    spec = load_spec(args.spec, import_code=False)
    store = _store(spec)
    source = args.authorization or store.authorization_path
    if source.absolute() != store.authorization_path:
        from mgdc_pipelines.consent.authorization import read_authorization

        read_authorization(source, store.trust)  # refuse an untrusted file before copying it
        store.authorization_path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, store.authorization_path)
    recorded = store.record_decision()
    authorization = store.authorization()
    state = "recorded" if recorded else "already recorded"
    print(f"{spec.name}: {authorization.describe()} {state} in {store.audit.location}")
    return 0


def _store(spec: AppSpec):
    """The spec's consent store, anchored in the Dagster instance when ``DAGSTER_HOME`` is set."""
    from mgdc_pipelines.consent.store import ConsentStore

    if spec.consent is None:
        raise ConsentError(f"{spec.spec_path}: the spec has no `consent:` block")
    return ConsentStore.of(spec, anchor=_cli_anchor())


def _cli_anchor():
    if not os.environ.get("DAGSTER_HOME"):
        return None
    import dagster as dg

    from mgdc_pipelines.defs.ledger_anchor import InstanceLedgerAnchor

    return InstanceLedgerAnchor(dg.DagsterInstance.get())


def _authorization_out(args: argparse.Namespace, spec: AppSpec | None, app_name: str) -> Path:
    if args.out is not None:
        return args.out
    if spec is None:
        return Path(f"{app_name}.authorization.json")
    if spec.name != app_name:
        raise ConsentError(f"{args.spec} is app {spec.name!r}, but the registration is for {app_name!r}")
    if spec.consent is None:
        raise ConsentError(f"{args.spec} has no `consent:` block to say where the authorization "
                           "goes; pass --out")
    return spec.consent.authorization_path()


def _consent_status(args: argparse.Namespace) -> int:
    from mgdc_pipelines.consent.describe import describe_status
    from mgdc_pipelines.consent.status import consent_status

    spec = load_spec(_spec_path(args), import_code=False)
    status = consent_status(spec, anchor=_cli_anchor())
    if args.json:
        from mgdc_pipelines.cli_json import dumps, status_document

        print(dumps(status_document(spec.name, status)))
    else:
        print(describe_status(spec.name, status))
    return 0 if status.approved else 1


def _audit(args: argparse.Namespace) -> int:
    from mgdc_pipelines.consent.audit_report import access_report

    store = _store(load_spec(_spec_path(args), import_code=False))
    entries = store.audit.entries(since=args.since)
    if args.json:
        from mgdc_pipelines.cli_json import dumps

        print(dumps(entries))
    else:
        print(access_report(entries))
    return 0


def _state_migrate(args: argparse.Namespace) -> int:
    from mgdc_pipelines.state import STATE_DATABASE_ENV, state_database_from_environment
    from mgdc_pipelines.state.migrate import migrate_app

    database = state_database_from_environment()
    if database is None:
        raise ConsentError(f"{STATE_DATABASE_ENV} is not set: it names the database to migrate into")
    spec = load_spec(_spec_path(args), import_code=False)
    done = migrate_app(spec, database)
    print(f"{spec.name}: into {database.name}: {done.records_copied} audit records copied "
          f"({done.records_already_there} already there), authorization "
          f"{'kept' if done.authorization_kept else 'none to keep'}, {done.delta_states} Graph delta states copied")
    return 0


def _audit_verify(args: argparse.Namespace) -> int:
    """The whole chain from record 1, then the instance's anchor against it."""
    from mgdc_pipelines.consent.ledger import anchor_key

    store = _store(load_spec(_spec_path(args), import_code=False))
    log = store.audit
    if not log.exists():
        anchored = store.anchor.load(anchor_key(log.identity)) if store.anchor else None
        if anchored is not None:
            raise ConsentError(f"audit log {log.location} is missing, but the Dagster instance anchors "
                               f"{anchored.position.seq} records of it (last seen at {anchored.path})")
        print(f"{store.app_name}: no audit log at {log.location} yet (nothing recorded)")
        return 0
    head = log.verify()
    print(f"{store.app_name}: audit log {log.location}: {head.seq} records, chain intact (head {head.head[:12]}…)")
    if store.anchor is None:
        print("  not checked against an anchor: set DAGSTER_HOME to the deployment's Dagster instance")
        return 0
    anchored = store.anchor.load(anchor_key(log.identity))
    if anchored is None:
        print("  the Dagster instance holds no anchor for this app yet")
        return 0
    log.verify(anchored.position)  # the anchored record must still be there, unchanged
    print(f"  matches the Dagster instance's anchor at record {anchored.position.seq}")
    return _report_unwitnessed(store.ledger.state())


def _report_unwitnessed(state) -> int:
    """1 if the log holds records the Dagster instance did not witness (see consent/ledger.py)."""
    if not state.unwitnessed:
        return 0
    latest = ", ".join(str(seq) for seq in state.unwitnessed_records)
    print(f"  {state.unwitnessed} record(s) the Dagster instance did not witness (latest: record "
          f"{latest}). The runtime has the instance witness every commit, suspension and withdrawal "
          "it records, so these were appended past it (or under another instance): a commit among "
          "them releases no withheld partition, a withdrawal is not taken as done, and a suspension "
          "stops the app but no run withdraws its partitions", file=sys.stderr)
    return 1


def _graph_emulator(args: argparse.Namespace) -> int:
    from mgdc_pipelines.emulator import EmulatorConfig
    from mgdc_pipelines.emulator.console import serve_in_foreground
    from mgdc_pipelines.sources.synthetic import TenantConfig

    try:
        config = EmulatorConfig(tenant=TenantConfig(seed=args.seed, users=args.users), port=args.port,
                                page_size=args.page_size, latency_s=args.latency_ms / 1000)
    except ValueError as error:
        print(f"graph-emulator: {error}", file=sys.stderr)
        return 2
    return serve_in_foreground(config)


def _production(args: argparse.Namespace) -> int:
    from mgdc_pipelines.consent.trust import DEMO_MODE_NOTICE, TrustAnchors
    from mgdc_pipelines.launch.postgres import PostgresError, PostgresMissing
    from mgdc_pipelines.launch.production import (
        DEFAULT_DAGSTER_HOME, DEFAULT_DATA_DIR, DEFAULT_PORT, ProductionSetup, run_production,
    )

    spec_path = _spec_path(args).absolute()
    spec = load_spec(spec_path)  # a bad spec fails here, before anything starts
    home = Path(os.environ.get("DAGSTER_HOME") or DEFAULT_DAGSTER_HOME).absolute()
    setup = ProductionSetup((args.data_dir or DEFAULT_DATA_DIR).absolute(), home, args.port or DEFAULT_PORT)
    demo_mode = TrustAnchors.from_environment().demo_mode

    def approve_demo_app() -> None:
        from mgdc_pipelines.consent.demo import ensure_demo_authorization

        if ensure_demo_authorization(spec, anchor=_cli_anchor()) is not None:
            print(f"DEMO ONLY: approved app {spec.name!r} with the bundled demo admin key")

    if demo_mode:
        print(DEMO_MODE_NOTICE)
    try:
        run_production(setup, env={"MGDC_SPEC": str(spec_path)},
                       before_start=approve_demo_app if demo_mode else (lambda: None),
                       out=lambda line: print(line, flush=True))
    except (PostgresError, PostgresMissing, FileNotFoundError, FileExistsError) as error:
        print(f"mgdc-pipelines production: {error}", file=sys.stderr)
        return 1
    return 0


def _utc_day(text: str) -> dt.datetime:
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a day like 2026-11-20, got {text!r}") from None
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone.utc)


if __name__ == "__main__":
    raise SystemExit(main())
