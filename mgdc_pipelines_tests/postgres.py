"""A real PostgreSQL for the tests: one throwaway cluster per test session (and xdist worker).

The session fixture :func:`postgres` starts :class:`~mgdc_pipelines.launch.postgres.LocalPostgres`
in a temp folder (as the ``postgres`` user when the tests run as root) and removes it at the end.
``make test`` installs PostgreSQL's server on a Debian machine; when it is missing the fixture
FAILS with the install hint (never skips). :func:`postgres_url` gives each test its own fresh
database in that cluster.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest

from mgdc_pipelines.launch.postgres import LocalPostgres, PostgresMissing

_DATABASES = itertools.count(1)


@pytest.fixture(scope="session")
def postgres() -> Iterator[LocalPostgres]:
    try:
        cluster = LocalPostgres.temporary()
        with cluster:
            yield cluster
    except PostgresMissing as missing:
        pytest.fail(str(missing), pytrace=False)


class SecretUrl(str):
    """A URL holding a password: pytest's tracebacks show fixtures' reprs, so this one hides it."""

    def __repr__(self) -> str:
        return "'postgresql+psycopg2://<secret>'"


@pytest.fixture
def postgres_url(postgres: LocalPostgres) -> str:
    """A SQLAlchemy URL of a new, empty database (password included: do not print it)."""
    return SecretUrl(postgres.create_database(f"test_{next(_DATABASES)}"))
