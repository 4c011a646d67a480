"""How much a case's ratios move when another process keeps one core busy.

A ratio compares competitors measured side by side, so a fair method gives the same ratio on a
quiet machine and on a busy one. :func:`ratio_figures` picks a case's ratios out of its results
(``RATIO_FIGURES``); :func:`drift` is each one's relative change, busy over quiet, minus one.

>>> quiet = {"ratios": {"mgdc/limit": 0.8, "mgdc/naive": 6.0}, "delta_vs_parquet": 1.0}
>>> busy = {"ratios": {"mgdc/limit": 0.84, "mgdc/naive": 3.0}, "delta_vs_parquet": 1.0}
>>> drift(ratio_figures("copy", quiet), ratio_figures("copy", busy))
{'mgdc/limit': 0.05, 'mgdc/naive': -0.5, 'delta_vs_parquet': 0.0}
"""

from __future__ import annotations

from typing import Any

# Per case, the dotted paths of its ratios; ``ratios.*`` is every entry of ``ratios``. Rates
# (rows/s) are left out on purpose: a busy core may slow every competitor alike, which is not
# a flaw of the method, only of the machine. Peak-memory ratios are in: they must not move.
RATIO_FIGURES: dict[str, tuple[str, ...]] = {
    "copy": ("ratios.*", "delta_vs_parquet"),
    "memory": ("ratio",),
    "backfill": ("ratio",),
    "graph": ("efficiency", "simulated.efficiency"),
}
# ``synthetic`` has none: its ratios compare tenant sizes measured one after the other, not
# competitors side by side, and a busy pass would double a case that already takes long.
DRIFT_BOUND = 0.2  # each ratio within 20 % between the quiet and the busy pass


def ratio_figures(case: str, outcome: dict[str, Any]) -> dict[str, float]:
    """The ratios of ``case`` found in ``outcome`` by name; absent ones are left out.

    >>> ratio_figures("graph", {"efficiency": 0.9, "simulated": {"efficiency": 0.95}})
    {'efficiency': 0.9, 'simulated.efficiency': 0.95}
    >>> ratio_figures("graph", {"status": "failed"})
    {}
    """
    figures: dict[str, float] = {}
    for path in RATIO_FIGURES.get(case, ()):
        if path.endswith(".*"):
            entries = lookup(outcome, path[:-2])
            figures.update(entries if isinstance(entries, dict) else {})
            continue
        value = lookup(outcome, path)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            figures[path] = value
    return figures


def lookup(outcome: dict[str, Any], path: str) -> Any:
    """``outcome["a"]["b"]`` for ``"a.b"``; ``None`` when any step is missing.

    >>> lookup({"a": {"b": 1}}, "a.b"), lookup({"a": 1}, "a.b")
    (1, None)
    """
    value: Any = outcome
    for step in path.split("."):
        if not isinstance(value, dict) or step not in value:
            return None
        value = value[step]
    return value


def drift(quiet: dict[str, float], busy: dict[str, float]) -> dict[str, float | None]:
    """``busy / quiet - 1`` per ratio present in both (``None`` when the quiet one is 0)."""
    return {name: round(busy[name] / quiet[name] - 1, 4) if quiet[name] else None
            for name in quiet if name in busy}


def worst_drift(results: dict[str, Any]) -> float | None:
    """The largest ``|drift|`` over every case of a run; ``None`` if no case has one.

    >>> worst_drift({"copy": {"drift": {"mgdc/limit": -0.3}}, "graph": {"drift": {"efficiency": 0.1}}})
    0.3
    """
    values = [abs(value) for outcome in results.values() if isinstance(outcome, dict)
              for value in (outcome.get("drift") or {}).values() if value is not None]
    return max(values, default=None)
