"""``mgdc-pipelines production`` (``make production``): Dagster on PostgreSQL on this machine, one command.

It starts a durable :class:`~mgdc_pipelines.launch.postgres.LocalPostgres` in a folder that
outlives it (``./.postgres``), writes ``$DAGSTER_HOME/dagster.yaml`` from
``deploy/production/dagster.yaml`` (runs, event logs, schedules, sensor cursors and pool limits in
that database; the daemon's run queue), and starts ``dagster-webserver`` and ``dagster-daemon``
(:class:`~mgdc_pipelines.launch.local_dagster.LocalDagster`) with the ``MGDC_PG_*`` variables and
``MGDC_STATE_DATABASE`` (the same database: consent audit logs and Graph delta links) in their
environment. It then waits for Ctrl-C or SIGTERM, stops the daemon and the webserver and, once
they have exited, PostgreSQL.

The database password is generated once and kept in a file only its owner may read, beside the
cluster's folder (``./.postgres.password``); it is never printed or logged.

>>> setup = ProductionSetup(Path("/srv/mgdc/.postgres"), Path("/srv/mgdc/.dagster_home_production"))
>>> setup.password_file
PosixPath('/srv/mgdc/.postgres.password')
>>> setup.ui_url
'http://127.0.0.1:3000'
"""

from __future__ import annotations

import os
import secrets
import shlex
import signal
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from mgdc_pipelines.launch.demo import WORKSPACE_YAML
from mgdc_pipelines.launch.local_dagster import LocalDagster
from mgdc_pipelines.launch.postgres import LocalPostgres, PostgresError
from mgdc_pipelines.state.base import STATE_DATABASE_ENV

DEFAULT_DATA_DIR = Path(".postgres")
DEFAULT_DAGSTER_HOME = Path(".dagster_home_production")
DEFAULT_PORT = 3000
# The instance configuration of the production profile; the checkout holds it (make production
# runs from there), a wheel does not.
INSTANCE_TEMPLATE = Path(__file__).resolve().parents[2] / "deploy" / "production" / "dagster.yaml"


@dataclass(frozen=True)
class ProductionSetup:
    """Where the production profile keeps its database and its Dagster instance, and its UI port."""

    data_dir: Path
    dagster_home: Path
    port: int = DEFAULT_PORT

    @property
    def password_file(self) -> Path:
        return self.data_dir.parent / f"{self.data_dir.name}.password"

    @property
    def ui_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def password(self) -> str:
        """The cluster's password: read from :attr:`password_file`, or generated (a new cluster)."""
        if self.password_file.exists():
            return self.password_file.read_text().strip()
        if (self.data_dir / "PG_VERSION").exists():
            raise PostgresError(f"{self.data_dir} holds a cluster but its password file {self.password_file} is "
                                "gone: restore the file, or delete the folder to start an empty cluster")
        self.password_file.parent.mkdir(parents=True, exist_ok=True)
        password = secrets.token_urlsafe(24)
        # Created 0600 from the start: the password is never readable by others, even briefly.
        descriptor = os.open(self.password_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as file:
            file.write(password + "\n")
        return password

    def write_instance_config(self) -> Path:
        """``$DAGSTER_HOME/dagster.yaml`` from the template (rewritten at each start: the
        template is the source), and the workspace both processes load. Another instance's
        ``dagster.yaml`` (the ``make ui`` one, say) is never overwritten."""
        if not INSTANCE_TEMPLATE.is_file():
            raise FileNotFoundError(f"{INSTANCE_TEMPLATE} is missing: run from a checkout of mgdc-pipelines")
        config = self.dagster_home / "dagster.yaml"
        template = INSTANCE_TEMPLATE.read_text()
        if config.exists() and config.read_text().splitlines()[:1] != template.splitlines()[:1]:
            raise FileExistsError(f"{config} belongs to another Dagster instance: give the production profile "
                                  "a DAGSTER_HOME of its own (default ./.dagster_home_production)")
        self.dagster_home.mkdir(parents=True, exist_ok=True)
        config.write_text(template)
        workspace = self.dagster_home / "workspace.yaml"
        workspace.write_text(WORKSPACE_YAML)
        return workspace


def process_environment(cluster: LocalPostgres) -> dict[str, str]:
    """What the webserver and daemon need to reach the database (secrets included: the
    environment of our own children only, never printed)."""
    return {**cluster.dagster_env(), STATE_DATABASE_ENV: cluster.url}


def shell_exports(setup: ProductionSetup, cluster: LocalPostgres) -> list[str]:
    """Shell lines that point another terminal (``dagster`` CLI, ``mgdc-pipelines audit``) at
    this instance; the password is read from its file, never shown.

    >>> cluster = LocalPostgres(Path("/srv/pg"), port=55432)
    >>> shell_exports(ProductionSetup(Path("/srv/pg"), Path("/srv/home")), cluster)[1]
    'export MGDC_PG_PASSWORD="$(cat /srv/pg.password)"'
    """
    public = {name: value for name, value in process_environment(cluster).items()
              if name not in ("MGDC_PG_PASSWORD", STATE_DATABASE_ENV)}
    password = f"$(cat {shlex.quote(str(setup.password_file))})"
    state_url = f"postgresql+psycopg2://{cluster.user}:{password}@{cluster.host}:{cluster.port}/{cluster.database}"
    settings = " ".join(f"{name}={shlex.quote(str(value))}"
                        for name, value in {"DAGSTER_HOME": setup.dagster_home, **public}.items())
    return [f"export {settings}", f'export MGDC_PG_PASSWORD="{password}"', f'export {STATE_DATABASE_ENV}="{state_url}"']


class StopRequested(BaseException):
    """Ctrl-C or SIGTERM: unwinds whatever is running (startup included) so every part stops."""


@contextmanager
def stop_on_signals() -> Iterator[None]:
    """SIGINT and SIGTERM raise :class:`StopRequested` once; while the parts stop, further
    signals are ignored so that the shutdown itself is never cut short."""

    def request_stop(signum: int, _frame) -> None:
        for handled in (signal.SIGINT, signal.SIGTERM):
            signal.signal(handled, signal.SIG_IGN)
        raise StopRequested(signum)

    previous = {handled: signal.signal(handled, request_stop) for handled in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    except StopRequested:
        pass
    finally:
        for handled, handler in previous.items():
            signal.signal(handled, handler)


def run_production(
    setup: ProductionSetup,
    *,
    env: Mapping[str, str] | None = None,
    before_start: Callable[[], None] = lambda: None,
    out: Callable[[str], None] = print,
) -> None:
    """Start PostgreSQL, write the instance configuration, start the webserver and the daemon,
    describe them, and serve until a stop signal; everything started is stopped on the way out.

    ``before_start`` runs once the database and ``DAGSTER_HOME`` are ready, with their variables
    in ``os.environ`` (the CLI approves the demo app there in demo mode).
    """
    with stop_on_signals():
        cluster = LocalPostgres(setup.data_dir, password=setup.password(), durable=True)
        with _running(cluster):
            workspace = setup.write_instance_config()
            os.environ.update({**process_environment(cluster), "DAGSTER_HOME": str(setup.dagster_home)})
            before_start()
            with LocalDagster(workspace, setup.dagster_home, env=env, port=setup.port) as dagster:
                dagster.start_daemon()
                for line in describe(setup, cluster, dagster):
                    out(line)
                _serve(dagster)
    out("Stopped: dagster-daemon, dagster-webserver and PostgreSQL.")


@contextmanager
def _running(cluster: LocalPostgres) -> Iterator[LocalPostgres]:
    """Like ``with cluster:``, but a stop signal during ``pg_ctl start`` stops the server too."""
    try:
        cluster.create()
        cluster.start()
        yield cluster
    finally:
        cluster.stop()


def describe(setup: ProductionSetup, cluster: LocalPostgres, dagster: LocalDagster) -> list[str]:
    """What each part is and where it keeps its files (no secret)."""
    return [
        "mgdc-pipelines production: Dagster on PostgreSQL, on this machine",
        f"  PostgreSQL    {cluster.url_without_password}  (data {cluster.data_dir}, log {cluster.log_file}, "
        f"password in {setup.password_file})",
        f"  DAGSTER_HOME  {setup.dagster_home}  (dagster.yaml from deploy/production/dagster.yaml: runs, event "
        "logs, schedules, sensor cursors and pools in PostgreSQL; the daemon's run queue)",
        f"  Shared state  {STATE_DATABASE_ENV} = the same database (consent audit logs, Graph delta links)",
        f"  Dagster UI    {setup.ui_url}  (dagster-webserver; dagster-daemon runs sensors, schedules and the queue)",
        f"  Logs          {dagster.log_dir}  (dagster-webserver.log, dagster-daemon.log)",
        "To use this instance from another terminal (dagster CLI, mgdc-pipelines audit):",
        *(f"  {line}" for line in shell_exports(setup, cluster)),
        "Press Ctrl-C to stop the daemon, the webserver and PostgreSQL.",
    ]


def _serve(dagster: LocalDagster, check_every: float = 1.0) -> None:
    """Until a stop signal: a process that exits on its own ends the command with an error."""
    idle = threading.Event()  # never set: `wait` is an interruptible sleep
    while True:
        dagster.check_alive()
        idle.wait(check_every)
