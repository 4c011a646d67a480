"""What the rest of the package names about the state database without opening one: the
operator's setting and the error. (``database.py`` loads SQLAlchemy; the command line and the
consent layer's trust settings need only these two names.)

>>> STATE_DATABASE_ENV
'MGDC_STATE_DATABASE'
"""

STATE_DATABASE_ENV = "MGDC_STATE_DATABASE"


class StateDatabaseError(RuntimeError):
    """The state database is unreachable, misconfigured or refused a statement (no password,
    no statement parameters in the message: they may hold audit records)."""
