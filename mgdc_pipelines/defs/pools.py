"""The pool each copy op claims a slot in, so concurrent runs share one throttling budget.

Graph throttles per app and tenant (and Outlook per mailbox), so every op that reads a tenant
through a source claims a slot in the same pool ``mgdc/<tenant_id>/<source type>``: ten
backfill runs of three apps on one tenant never hold more concurrent extractions than the pool's
limit. A spec may name its own pool (``dagster.pool.name``), e.g. to share one across tenants.

>>> from mgdc_pipelines.spec import load_spec, DEMO_SPEC_PATH
>>> pool_name(load_spec(DEMO_SPEC_PATH))
'mgdc/884d4683-c007-5d56-9024-62e767f7906c/synthetic'
"""

from __future__ import annotations

import dagster as dg

from mgdc_pipelines.spec.model import AppSpec


def pool_name(app: AppSpec) -> str:
    return app.dagster.pool.name or f"mgdc/{app.app.tenant_id.lower()}/{app.source.type}"


def ensure_pool_limit(instance: dg.DagsterInstance, app: AppSpec) -> int | None:
    """Give the app's pool the spec's limit if it has none yet; return the pool's limit.

    An operator's own setting (``dagster instance concurrency set``, the UI) is never
    overwritten. None: the instance's storage has no concurrency limits.
    """
    storage = instance.event_log_storage
    if not storage.supports_global_concurrency_limits:
        return None
    pool = pool_name(app)
    if pool not in storage.get_concurrency_keys():
        storage.set_concurrency_slots(pool, app.dagster.pool.limit)
    return storage.get_concurrency_info(pool).slot_count
