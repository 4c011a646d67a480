"""Which admin keys the runtime trusts: configured by the deployment's operator, never by a spec.

Three parties, as in MGDC: the app developer writes the spec (not trusted), the tenant admin signs
authorizations with a private key, and the operator who runs the deployment decides which admin
public keys are trusted. The operator lists them in the environment of every Dagster process
(the Helm chart's ``env``, a systemd unit, ``deploy/``):

    MGDC_TRUSTED_ADMIN_KEYS=/etc/mgdc/admin-keys       # folders of *.pub files and/or .pub files,
                                                      # separated by ':' (os.pathsep)
    MGDC_DEMO_MODE=1                                  # `make demo` / `make ui` only: also trust the
                                                      # bundled demo key, whose private half is public

A spec may at most *pin* which trusted key it expects (``consent.admin_key: <key id>``); it can
never add one. Because the developer can write the spec's folder and the working directory, the
trust configuration is refused when it points there, when a key file or folder is writable by
group or others, or when a ``.env`` file there sets these variables. Dagster's CLI loads a
``.env`` from the working directory into the environment, over what the operator exported (and
``dg dev`` each project folder's), so a developer could otherwise configure trust by committing
one. The same ``.env`` may not set the other settings the consent model relies on: the state
database, the Dagster instance (which holds the audit log's anchor) nor the app's consent
secrets (the variable its ``consent.hash_key_env`` names, the key of ``hash`` transforms).

>>> import os, tempfile
>>> from mgdc_pipelines.consent.keys import generate_keypair
>>> folder = tempfile.mkdtemp()
>>> _ = open(os.path.join(folder, "admin.pub"), "wb").write(generate_keypair()[1])
>>> trust = TrustAnchors.from_environment({TRUSTED_KEYS_ENV: folder})
>>> len(trust.keys), trust.demo_mode
(1, False)
>>> TrustAnchors.from_environment({}).keys
()
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from mgdc_pipelines.consent.errors import ConsentError
from mgdc_pipelines.consent.keys import key_id, load_public_key
from mgdc_pipelines.state.base import STATE_DATABASE_ENV

TRUSTED_KEYS_ENV = "MGDC_TRUSTED_ADMIN_KEYS"
DEMO_MODE_ENV = "MGDC_DEMO_MODE"
DAGSTER_HOME_ENV = "DAGSTER_HOME"
# `dg dev` names the project folders whose .env Dagster loads into code servers and runs here.
PROJECT_ENV_FILES_ENV = "DAGSTER_PROJECT_ENV_FILE_PATHS"
# Where deploy/production/dagster.yaml finds the instance's PostgreSQL (LocalPostgres.dagster_env).
INSTANCE_DATABASE_ENV = tuple(
    f"MGDC_PG_{part}" for part in ("HOST", "PORT", "USER", "PASSWORD", "DB")
)
# The operator's settings no file a developer can write may set. The state database and the
# Dagster instance too: a developer's database would hold a consent history of their choosing,
# and their instance no anchor of the audit log, so a cut or replaced log would verify there.
# And which further .env files Dagster loads, whose folders this module would not know.
DEPLOYMENT_SETTINGS = (
    DEMO_MODE_ENV, STATE_DATABASE_ENV, TRUSTED_KEYS_ENV,
    DAGSTER_HOME_ENV, *INSTANCE_DATABASE_ENV, PROJECT_ENV_FILES_ENV,
)
DEMO_PUBLIC_KEY_PATH = Path(str(files("mgdc_pipelines") / "specs" / "demo-admin.pub"))
DEMO_KEY_LABEL = "the bundled DEMO key (its private half is public: approvals signed with it prove nothing)"
DEMO_MODE_NOTICE = (
    "DEMO MODE: the bundled demo admin key is trusted. Its private half ships with the package, "
    "so an approval signed with it proves nothing; never run real data in demo mode."
)
_TRUE, _FALSE = ("1", "true", "yes", "on"), ("", "0", "false", "no", "off")
_HOW = (
    f"the deployment's operator lists trusted admin public keys in {TRUSTED_KEYS_ENV} "
    "(folders of .pub files or .pub files, separated by ':'), in the environment of every Dagster process"
)


class TrustError(ConsentError):
    """The trust configuration itself is unsafe or unreadable; nothing is trusted then."""


@dataclass(frozen=True)
class TrustedKey:
    key_id: str
    public_key: Ed25519PublicKey = field(repr=False, compare=False)
    source: str  # the .pub file, or DEMO_KEY_LABEL

    @property
    def is_demo(self) -> bool:
        return self.source == DEMO_KEY_LABEL


@dataclass(frozen=True)
class TrustAnchors:
    """The admin keys this deployment trusts, by key id."""

    keys: tuple[TrustedKey, ...] = ()
    demo_mode: bool = False

    @classmethod
    def from_environment(
        cls,
        environ: Mapping[str, str] | None = None,
        *,
        spec_dir: os.PathLike[str] | str | None = None,
        secrets: Iterable[str] = (),
    ) -> TrustAnchors:
        """Read :data:`TRUSTED_KEYS_ENV` and :data:`DEMO_MODE_ENV`; refuse anything a developer controls
        (the working directory and ``spec_dir``, the spec's folder). ``secrets``: the variables
        holding the app's consent secrets (its ``consent.hash_key_env``), which no developer's
        ``.env`` may set either, like :data:`DEPLOYMENT_SETTINGS`."""
        environ = os.environ if environ is None else environ
        folders = _guarded_folders(spec_dir)
        _refuse_dotenv((*folders, *_project_folders(environ)), (*DEPLOYMENT_SETTINGS, *secrets))
        keys = [key for entry in _entries(environ.get(TRUSTED_KEYS_ENV, "")) for key in _keys_at(entry, folders)]
        demo = _flag(environ.get(DEMO_MODE_ENV, ""))
        if demo:
            keys.append(TrustedKey(demo_key_id(), load_public_key(DEMO_PUBLIC_KEY_PATH), DEMO_KEY_LABEL))
        unique = {key.key_id: key for key in keys}
        return cls(tuple(unique.values()), demo)

    @classmethod
    def of(cls, *public_keys: Ed25519PublicKey, source: str = "given in code") -> TrustAnchors:
        """Trust exactly these keys (library use and tests)."""
        return cls(tuple(TrustedKey(key_id(key), key, source) for key in public_keys))

    def key(self, wanted: str) -> TrustedKey | None:
        return next((key for key in self.keys if key.key_id == wanted), None)

    def describe(self) -> str:
        """``keys 1a2b…, 3c4d… (from /etc/mgdc/admin-keys)`` or why nothing is trusted."""
        if not self.keys:
            return f"no admin key is trusted: {_HOW}"
        listed = ", ".join(f"{key.key_id} ({'DEMO key' if key.is_demo else key.source})" for key in self.keys)
        return f"trusted admin keys: {listed}"


def demo_key_id() -> str:
    """The bundled demo key's id (so a refusal can say that is what signed)."""
    return key_id(load_public_key(DEMO_PUBLIC_KEY_PATH))


def _entries(value: str) -> list[Path]:
    entries = [Path(part) for part in value.split(os.pathsep) if part.strip()]
    relative = [str(entry) for entry in entries if not entry.is_absolute()]
    if relative:
        raise TrustError(f"{TRUSTED_KEYS_ENV} must name absolute paths; relative: {', '.join(relative)}")
    return entries


def _keys_at(entry: Path, guarded: tuple[Path, ...]) -> list[TrustedKey]:
    """The keys of one configured file or folder (its *.pub files, not recursive)."""
    real = Path(os.path.realpath(entry))
    for folder in guarded:
        if real == folder or real.is_relative_to(folder):
            raise TrustError(
                f"{TRUSTED_KEYS_ENV} entry {entry} lies inside {folder}, which the app's developer can "
                f"write (the spec's folder or the working directory); {_HOW}, outside those folders"
            )
    if not real.exists():
        raise TrustError(f"{TRUSTED_KEYS_ENV} entry {entry} does not exist")
    _refuse_writable(real)
    if real.is_dir():
        paths = sorted(path for path in real.iterdir() if path.suffix == ".pub" and path.is_file())
        if not paths:
            raise TrustError(f"{TRUSTED_KEYS_ENV} folder {entry} holds no .pub key file")
    else:
        paths = [real]
    keys = []
    for path in paths:
        _refuse_writable(path)
        public_key = load_public_key(path)
        keys.append(TrustedKey(key_id(public_key), public_key, str(path)))
    return keys


def _refuse_writable(path: Path) -> None:
    """Like sshd's StrictModes: a key others could replace is not a trust anchor."""
    info = path.stat()
    if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        raise TrustError(
            f"trusted key location {path} is writable by group or others (mode {stat.filemode(info.st_mode)}); "
            "make it writable by its owner only (chmod go-w)"
        )
    if info.st_uid not in (0, os.getuid()):
        raise TrustError(
            f"trusted key location {path} belongs to user id {info.st_uid}, neither root nor the user "
            "running Dagster; it must belong to one of them"
        )


def _guarded_folders(spec_dir: os.PathLike[str] | str | None) -> tuple[Path, ...]:
    """The working directory and the spec's folder, real paths; ``/`` is no developer's folder."""
    return _real_folders([Path.cwd(), *([Path(spec_dir)] if spec_dir is not None else [])])


def _project_folders(environ: Mapping[str, str]) -> tuple[Path, ...]:
    """The project folders of :data:`PROJECT_ENV_FILES_ENV` (relative to the working directory,
    as Dagster's loader reads them): a `dg dev` workspace's projects are neither the working
    directory nor, in general, the spec's folder, and their ``.env`` is loaded all the same."""
    text = environ.get(PROJECT_ENV_FILES_ENV, "").strip()
    try:
        locations = json.loads(text) if text else {}
    except ValueError:
        locations = None
    if not isinstance(locations, dict) or not all(isinstance(p, str) for p in locations.values()):
        # Unread, the .env files it names could not be checked: refuse rather than skip them.
        raise TrustError(
            f"{PROJECT_ENV_FILES_ENV} must be a JSON object of code location names to folders"
        )
    return _real_folders([Path.cwd() / path for path in locations.values()])


def _real_folders(folders: list[Path]) -> tuple[Path, ...]:
    real = (Path(os.path.realpath(folder)) for folder in folders)
    return tuple(dict.fromkeys(folder for folder in real if folder != Path(folder.anchor)))


def _refuse_dotenv(folders: tuple[Path, ...], protected: Iterable[str]) -> None:
    """Refuse a ``.env`` in ``folders`` that sets a ``protected`` variable, naming the file and
    the variables (never a value: it may be the secret itself)."""
    from dotenv import dotenv_values  # Dagster's own dependency, and how Dagster reads .env files

    protected = frozenset(protected)
    for folder in dict.fromkeys(folders):
        dotenv = folder / ".env"
        if not dotenv.is_file():
            continue
        named = sorted(name for name in dotenv_values(dotenv) if name in protected)
        if named:
            raise TrustError(
                f"{dotenv} sets {', '.join(named)}: Dagster loads that file into the environment, "
                "over the deployment's own settings, and the app's developer can write it, so it "
                "may not set the trusted admin keys, demo mode, the state database, the Dagster "
                "instance or the app's consent secrets (the key of `hash` transforms). Remove "
                "those variables from it (other variables may stay); the deployment's operator "
                "sets them in the environment of every Dagster process"
            )


def _flag(value: str) -> bool:
    text = value.strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise TrustError(f"{DEMO_MODE_ENV}={value!r}: expected 1 (demo mode) or 0")
