"""Where shared state lives: files by default, or one PostgreSQL database for a deployment whose
runs execute on several machines (``MGDC_STATE_DATABASE``, set by the operator).

What it holds: each app's consent audit chain and the authorizations it recorded
(:mod:`mgdc_pipelines.consent.audit_database`), and the Graph source's delta links and id → day
index (:mod:`mgdc_pipelines.sources.graph.delta_state`).
"""

from mgdc_pipelines.state.database import (
    STATE_DATABASE_ENV,
    StateDatabase,
    StateDatabaseError,
    state_database_from_environment,
)

__all__ = ["STATE_DATABASE_ENV", "StateDatabase", "StateDatabaseError", "state_database_from_environment"]
