"""What every activity signal shares: when it is recorded, which client emitted it, its id.

A signal is an action at ``start`` (lasting until ``end``) that the Substrate records a few
seconds after it ends (``recorded``, the datasets' ``CreationTime``). Signals are derived from
the activity models (a sent message, an answered invitation, a chat message), never drawn on
their own, so they agree with the mailboxes, calendars and chats they describe.

>>> import datetime as dt
>>> from mgdc_pipelines.sources.synthetic import SyntheticTenant, TenantConfig
>>> user = SyntheticTenant(TenantConfig(seed=7, users=20)).users[3]
>>> moment = dt.datetime(2026, 11, 19, 9, 30, tzinfo=dt.timezone.utc)
>>> sent = signal(7, user, "MessageSent", ("t", 1), moment)
>>> sent.start == sent.end and dt.timedelta(0) <= sent.recorded - sent.end <= MAX_RECORDING_DELAY
True
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from mgdc_pipelines.sources.synthetic.people import User
from mgdc_pipelines.sources.synthetic.randomness import rng_for, stable_guid

MAX_RECORDING_DELAY = dt.timedelta(seconds=3)  # CreationTime comes at most this long after EndTime
# The clients the docs' samples name; each user mostly sticks to one of them.
OUTLOOK_APPS = ("OutlookDesktop", "OWA", "OutlookMobile")
MEETING_APPS = ("OutlookDesktop", "Teams", "OWA", "OutlookMobile")
HABIT = 0.8  # share of a user's signals that come from their usual client


@dataclass(frozen=True, slots=True)
class Signal:
    """One action by one user; ``key`` is unique among that user's signals of this ``kind``."""

    kind: str
    key: tuple
    start: dt.datetime
    end: dt.datetime
    recorded: dt.datetime


def signal(
    seed: int, user: User, kind: str, key: tuple, start: dt.datetime, end: dt.datetime | None = None
) -> Signal:
    """The signal of ``user`` doing ``kind`` from ``start`` to ``end`` (a moment by default)."""
    end = start if end is None else end
    delay = rng_for(seed, "signal-delay", user.index, kind, *key).randint(0, 3)
    return Signal(kind, key, start, end, end + dt.timedelta(seconds=delay))


def client_of(seed: int, user: User, apps: tuple[str, ...], sig: Signal) -> tuple[str, str]:
    """``(AppName, ClientSessionId)``: the user's usual client, now and then another one; one
    session per client and local day."""
    usual = apps[rng_for(seed, "usual-client", user.index, apps).randrange(len(apps))]
    rng = rng_for(seed, "client", user.index, sig.kind, *sig.key)
    app = usual if rng.random() < HABIT else apps[rng.randrange(len(apps))]
    day = sig.start.astimezone(user.office.zone).date()
    return app, stable_guid(seed, "client-session", user.index, app, day.toordinal())
