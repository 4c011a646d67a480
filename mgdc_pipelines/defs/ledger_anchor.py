"""The consent audit log's anchor, kept in the Dagster instance's storage.

The instance (SQLite under ``DAGSTER_HOME``, or PostgreSQL in production) belongs to the
deployment's operator, not to the app's developer, so it is where the runtime records how far
it verified each app's hash-chained audit log (:mod:`mgdc_pipelines.consent.ledger`), and the
hash of each commit, suspension and withdrawal record the runtime wrote (its witness). It uses
the run storage's key-value table, the one Dagster's own daemons keep their cursors in.

>>> import dagster as dg
>>> from mgdc_pipelines.consent.audit import ChainPosition
>>> from mgdc_pipelines.consent.ledger import Anchor
>>> with dg.instance_for_test() as instance:
...     anchors = InstanceLedgerAnchor(instance)
...     anchors.save("mgdc/consent-ledger/t/a", Anchor(ChainPosition(1, "ab" * 32, 0, 120), "/srv/x.jsonl", {}))
...     anchors.load("mgdc/consent-ledger/t/a").position.seq
1
"""

from __future__ import annotations

import dagster as dg

from mgdc_pipelines.consent.ledger import Anchor


class InstanceLedgerAnchor:
    """:class:`~mgdc_pipelines.consent.ledger.LedgerAnchor` on a ``DagsterInstance``."""

    def __init__(self, instance: dg.DagsterInstance) -> None:
        self._storage = instance.run_storage

    def load(self, key: str) -> Anchor | None:
        text = self._storage.get_cursor_values({key}).get(key)
        return Anchor.from_json(text) if text else None

    def save(self, key: str, anchor: Anchor) -> None:
        self._storage.set_cursor_values({key: anchor.to_json()})

    def witness(self, key: str, record_hash: str) -> None:
        self._storage.set_cursor_values({_witness_key(key, record_hash): "1"})

    def witnessed(self, key: str, record_hash: str) -> bool:
        witness = _witness_key(key, record_hash)
        return self._storage.get_cursor_values({witness}).get(witness) == "1"


def _witness_key(key: str, record_hash: str) -> str:
    """One row per witnessed record (a run's commits, suspensions and withdrawals):
    ``<anchor key>/witnessed/<record hash>``."""
    return f"{key}/witnessed/{record_hash}"


def instance_anchor(instance: dg.DagsterInstance | None) -> InstanceLedgerAnchor | None:
    return InstanceLedgerAnchor(instance) if instance is not None else None
