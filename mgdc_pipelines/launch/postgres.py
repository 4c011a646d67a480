"""A throwaway PostgreSQL cluster on this machine: for the production profile, the tests and the benchmarks.

``make production`` and the PostgreSQL tests start one with :class:`LocalPostgres`: ``initdb`` into a
folder, ``pg_ctl start`` on a free 127.0.0.1 port (nothing listens on other interfaces), a
database and a password-protected login role. PostgreSQL refuses to run as root, so when this
process is root the server runs as the ``postgres`` OS user (``runuser -u postgres --``) and its
folder belongs to that user.

The server binaries are found in ``MGDC_POSTGRES_BIN``, then Debian's ``/usr/lib/postgresql/<v>/bin``,
then ``pg_config --bindir``. Nothing is skipped when they are missing: :class:`PostgresMissing`
says how to install them.

>>> LocalPostgres(Path("/tmp/pg"), port=55432).url_without_password
'postgresql://mgdc@127.0.0.1:55432/mgdc'
"""

from __future__ import annotations

import contextlib
import functools
import os
import secrets
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from mgdc_pipelines.consent.trust import INSTANCE_DATABASE_ENV
from mgdc_pipelines.launch.local_dagster import free_port

POSTGRES_BIN_ENV = "MGDC_POSTGRES_BIN"
DEBIAN_BIN_GLOB = "/usr/lib/postgresql/*/bin"
SERVICE_USER = "postgres"  # who runs the server when we are root
INSTALL_HINT = (
    "install PostgreSQL's server (Debian/Ubuntu: `apt-get install -y postgresql`; `make test` does this "
    f"on a Debian machine as root) or set {POSTGRES_BIN_ENV} to the folder holding initdb and pg_ctl"
)


class PostgresMissing(RuntimeError):
    """The PostgreSQL server binaries (``initdb``, ``pg_ctl``) are not on this machine."""


class PostgresError(RuntimeError):
    """The cluster did not initialise, start or stop; the message names its log file."""


def postgres_bin_dir() -> Path:
    """The folder holding ``initdb`` and ``pg_ctl`` (see the module docstring)."""
    candidates: list[Path] = []
    if os.environ.get(POSTGRES_BIN_ENV):
        candidates.append(Path(os.environ[POSTGRES_BIN_ENV]))
    candidates += sorted(Path("/").glob(DEBIAN_BIN_GLOB.lstrip("/")), key=_version_key, reverse=True)
    pg_config = shutil.which("pg_config")
    if pg_config:
        bindir = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True).stdout.strip()
        if bindir:
            candidates.append(Path(bindir))
    for folder in candidates:
        if (folder / "initdb").exists() and (folder / "pg_ctl").exists():
            return folder
    looked = ", ".join(str(c) for c in candidates) or DEBIAN_BIN_GLOB
    raise PostgresMissing(f"PostgreSQL server binaries not found (looked in {looked}): {INSTALL_HINT}")


@contextlib.contextmanager
def exported(variables: Mapping[str, str]) -> Iterator[None]:
    """Set ``variables`` in this process's environment for the block (what the in-process
    instance of a test or benchmark reads, like the servers it starts), then put back what was."""
    saved = {name: os.environ.get(name) for name in variables}
    os.environ.update(variables)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _version_key(path: Path) -> tuple[int, ...]:
    version = path.parent.name
    return tuple(int(part) for part in version.split(".") if part.isdigit())


class LocalPostgres:
    """One PostgreSQL cluster in ``data_dir``; a context manager that starts it and stops it.

    ``durable=False`` turns off fsync (tests and benchmarks: faster, and a crash of the machine
    loses the throwaway cluster anyway). :meth:`stop` and :meth:`start` may be called inside the
    block to take the database away for a while (fault tests).
    """

    def __init__(
        self,
        data_dir: Path,
        *,
        port: int | None = None,
        database: str = "mgdc",
        user: str = "mgdc",
        password: str | None = None,
        durable: bool = True,
    ) -> None:
        self.data_dir = Path(data_dir).absolute()
        self.port = port or free_port()
        self.database = database
        self.user = user
        self.password = password or secrets.token_urlsafe(18)
        self.durable = durable
        self._as_service_user = os.geteuid() == 0
        self._remove_on_exit: Path | None = None

    @classmethod
    def temporary(cls, **settings: Any) -> LocalPostgres:
        """A cluster in a new temporary folder, deleted when the ``with`` block ends."""
        folder = Path(tempfile.mkdtemp(prefix="mgdc-postgres-"))
        folder.chmod(0o711)  # the server's user (``postgres`` when we are root) must traverse it
        cluster = cls(folder / "cluster", durable=False, **settings)
        cluster._remove_on_exit = folder
        return cluster

    # -- where to reach it ---------------------------------------------------------------------

    @functools.cached_property
    def bin_dir(self) -> Path:
        """Where ``initdb`` and ``pg_ctl`` are (looked up once, when first needed)."""
        return postgres_bin_dir()

    @property
    def host(self) -> str:
        return "127.0.0.1"

    @property
    def url(self) -> str:
        """A SQLAlchemy URL of the database, password included: a secret, never print it."""
        return self.url_of(self.database)

    def url_of(self, database: str) -> str:
        # `+psycopg2`: SQLAlchemy 2.1 maps a bare `postgresql://` to psycopg 3, which
        # dagster-postgres does not install.
        return f"postgresql+psycopg2://{self.user}:{self.password}@{self.host}:{self.port}/{database}"

    @property
    def url_without_password(self) -> str:
        return f"postgresql://{self.user}@{self.host}:{self.port}/{self.database}"

    def dagster_env(self) -> dict[str, str]:
        """The variables ``deploy/production/dagster.yaml`` reads its ``storage: postgres`` from
        (named once, in the consent layer, which refuses a developer's ``.env`` setting them)."""
        values = (self.host, str(self.port), self.user, self.password, self.database)
        return dict(zip(INSTANCE_DATABASE_ENV, values, strict=True))

    @property
    def log_file(self) -> Path:
        return self.data_dir / "postgres.log"

    # -- lifecycle ------------------------------------------------------------------------------

    def __enter__(self) -> LocalPostgres:
        self.create()
        self.start()
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.stop()
        if self._remove_on_exit is not None:
            shutil.rmtree(self._remove_on_exit, ignore_errors=True)

    def create(self) -> None:
        """``initdb`` the folder (once) and create the database (once)."""
        if (self.data_dir / "PG_VERSION").exists():
            return
        bin_dir = self.bin_dir
        self.data_dir.mkdir(parents=True, exist_ok=True)
        password_file = self.data_dir.parent / f".{self.data_dir.name}.pw"
        password_file.write_text(self.password + "\n")
        password_file.chmod(0o600)
        self._hand_over(self.data_dir, password_file)
        try:
            self._run(
                bin_dir / "initdb", "-D", str(self.data_dir), "-U", self.user, "-E", "UTF8", "--no-instructions",
                f"--pwfile={password_file}", "--auth-local=scram-sha-256", "--auth-host=scram-sha-256",
                *(() if self.durable else ("--no-sync",)),
                what="initdb",
            )
        finally:
            password_file.unlink(missing_ok=True)

    def start(self) -> None:
        """Start the server and wait until it accepts connections (then create the database)."""
        options = f"-p {self.port} -k {self.data_dir} -c listen_addresses={self.host}"
        if not self.durable:
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        self._run(
            self.bin_dir / "pg_ctl", "-D", str(self.data_dir), "-l", str(self.log_file),
            "-o", options, "-w", "-t", "60", "start", what="pg_ctl start",
        )
        self._create_database()

    def stop(self, mode: str = "fast") -> None:
        """Stop the server (``fast``: disconnect clients, roll back open transactions)."""
        if not (self.data_dir / "postmaster.pid").exists():
            return
        self._run(self.bin_dir / "pg_ctl", "-D", str(self.data_dir), "-m", mode, "-w", "stop", what="pg_ctl stop")

    def remove(self) -> None:
        """Stop the server and delete its folder."""
        self.stop()
        shutil.rmtree(self.data_dir, ignore_errors=True)

    # -- internals ------------------------------------------------------------------------------

    def create_database(self, name: str) -> str:
        """Create another database in the cluster (one per test, say); its URL."""
        if not name.replace("_", "").isalnum():
            raise ValueError(f"database name {name!r}: letters, digits and _ only")
        self._create_database(name)
        return self.url_of(name)

    def _create_database(self, name: str | None = None) -> None:
        import psycopg2  # dagster-postgres's driver

        name = name or self.database

        deadline = time.monotonic() + 30
        while True:
            try:
                connection = psycopg2.connect(
                    host=self.host, port=self.port, user=self.user, password=self.password, dbname="postgres"
                )
                break
            except psycopg2.OperationalError:
                if time.monotonic() > deadline:
                    raise PostgresError(f"PostgreSQL on port {self.port} refuses connections; see {self.log_file}") from None
                time.sleep(0.2)
        try:
            connection.autocommit = True
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
                if cursor.fetchone() is None:
                    cursor.execute(f'CREATE DATABASE "{name}"')
        finally:
            connection.close()

    def _hand_over(self, *paths: Path) -> None:
        """As root, the server's files belong to the ``postgres`` user, who must reach them."""
        if not self._as_service_user:
            return
        import pwd

        service = pwd.getpwnam(SERVICE_USER)
        for path in paths:
            os.chown(path, service.pw_uid, service.pw_gid)
        probe = subprocess.run(["runuser", "-u", SERVICE_USER, "--", "test", "-w", str(self.data_dir)])
        if probe.returncode != 0:
            raise PostgresError(
                f"the {SERVICE_USER} user cannot write {self.data_dir}: a folder above it is closed to other "
                "users; put the cluster in a folder every user can traverse (e.g. under /tmp or /var/tmp)"
            )

    def _run(self, *command: Any, what: str) -> None:
        argv = [str(part) for part in command]
        if self._as_service_user:
            argv = ["runuser", "-u", SERVICE_USER, "--", *argv]
        result = subprocess.run(argv, capture_output=True, text=True, cwd="/")
        if result.returncode != 0:
            detail = (result.stderr or result.stdout).strip().splitlines()[-3:]
            raise PostgresError(f"{what} failed for {self.data_dir} ({' / '.join(detail)}); see {self.log_file}")


if __name__ == "__main__":  # `make postgres-server` asks: are the server binaries here? (exit 1: no)
    import sys

    try:
        print(postgres_bin_dir())
    except PostgresMissing as missing:
        sys.exit(str(missing))
