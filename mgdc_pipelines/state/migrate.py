"""Moving an app's state from files into the state database, history included.

An app that ran on one machine keeps its audit chain in ``<state_dir>/<app>.audit-chain.jsonl``
and its Graph delta state in SQLite files. ``mgdc-pipelines state migrate --spec SPEC`` copies
both into the database ``MGDC_STATE_DATABASE`` names before the deployment switches to it:

* the audit chain, record for record: the same records and hashes, verified on the way, so the
  Dagster instance's anchor still matches and every decision, commit and suspension carries over;
* the authorization file in force (so workers without the file run on it);
* each (dataset, scope)'s delta links, id → day index and date column.

It can be run again: what the database already holds must be the same records (a database
whose chain differs is refused, naming the record), and only the rest is copied.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from mgdc_pipelines.consent.audit import AuditLog, AuditLogBroken
from mgdc_pipelines.consent.audit_database import DatabaseAuditLog
from mgdc_pipelines.consent.clock import utc_now
from mgdc_pipelines.consent.jsonfiles import canonical_json
from mgdc_pipelines.consent.store import AUDIT_LOG_SUFFIX, ConsentStore
from mgdc_pipelines.sources.graph.delta_state_database import DatabaseDeltaStore, delta_namespace
from mgdc_pipelines.spec.model import AppSpec, GraphSourceSpec
from mgdc_pipelines.state.database import StateDatabase


@dataclass(frozen=True)
class Migration:
    """What was copied (and what the database already held)."""

    records_copied: int
    records_already_there: int
    authorization_kept: bool
    delta_states: int


def migrate_consent(store: ConsentStore, database: StateDatabase) -> tuple[int, int, bool]:
    """Copy ``store``'s file chain and authorization into ``database``: (copied, already there, kept)."""
    source = AuditLog(store.state_dir / f"{store.app_name}{AUDIT_LOG_SUFFIX}", store.identity)
    target = DatabaseAuditLog(database, store.identity)
    held = [chained.record["hash"] for chained in target.records()]
    copied = seq = 0
    for chained in source.records():  # verified from record 1
        seq = chained.record["seq"]
        if seq <= len(held):
            if held[seq - 1] != chained.record["hash"]:
                raise AuditLogBroken(target.location, seq, f"it differs from record {seq} of {source.location}: "
                                     "the database already holds another chain for this app")
            continue
        target.adopt(chained.record)
        copied += 1
    if len(held) > seq:
        raise AuditLogBroken(target.location, len(held), f"the database holds more records than {source.location}: "
                             "the app already runs on the database")
    found = store.authorization_file(utc_now())
    if found is not None:
        authorization, document = found
        target.save_authorization(authorization.digest, canonical_json(document))
    return copied, len(held), found is not None


def migrate_delta_state(state_dir: Path, store: DatabaseDeltaStore) -> int:
    """Copy every ``<state_dir>/<dataset>/<scope>.sqlite`` into ``store``; how many there were."""
    copied = 0
    for path in sorted(Path(state_dir).glob("*/*.sqlite")):
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
            links = dict(db.execute("SELECT key, link FROM links"))
            seen = dict(db.execute("SELECT id_hash, day FROM seen"))
            row = db.execute("SELECT value FROM meta WHERE name = 'date_column'").fetchone()
        with store.session(path.parent.name, path.stem) as state:
            state.reset()
            state.record_hashed(seen)
            state.save_links(links, (row[0] or None) if row else None)
        copied += 1
    return copied


def migrate_app(app: AppSpec, database: StateDatabase) -> Migration:
    """Copy everything ``app`` keeps in files into ``database`` (see the module docstring)."""
    copied, held, kept = migrate_consent(ConsentStore.of(app, database=database), database) if app.consent else (0, 0, False)
    delta_states = 0
    if isinstance(app.source, GraphSourceSpec):
        namespace = delta_namespace(app.app.tenant_id, app.source.client_id or app.app.app_id)
        state_dir = Path(app.source.state_dir).expanduser().absolute()
        delta_states = migrate_delta_state(state_dir, DatabaseDeltaStore(database, namespace))
    return Migration(copied, held, kept, delta_states)
