"""Where shared state lives: files by default, or one PostgreSQL database for a deployment whose
runs execute on several machines (``MGDC_STATE_DATABASE``, set by the operator).

What it holds: each app's consent audit chain and the authorizations it recorded
(:mod:`mgdc_pipelines.consent.audit_database`), and the Graph source's delta links and id → day
index (:mod:`mgdc_pipelines.sources.graph.delta_state`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mgdc_pipelines.lazy_exports import lazy_exports

__all__ = [
    "STATE_DATABASE_ENV", "StateDatabase", "StateDatabaseError", "state_database_from_environment",
]

# Imported on first use: ``database`` loads SQLAlchemy, which naming the setting or catching the
# error does not need.
_MODULES = {
    "mgdc_pipelines.state.base": ("STATE_DATABASE_ENV", "StateDatabaseError"),
    "mgdc_pipelines.state.database": ("StateDatabase", "state_database_from_environment"),
}
__getattr__, __dir__ = lazy_exports(globals(), _MODULES, __all__)

if TYPE_CHECKING:  # what type checkers and editors resolve the names to
    from mgdc_pipelines.state.base import STATE_DATABASE_ENV, StateDatabaseError
    from mgdc_pipelines.state.database import StateDatabase, state_database_from_environment
