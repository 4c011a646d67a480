"""The results table printed at the end of a run (also pasted into the README)."""

from __future__ import annotations

from typing import Any

from benchmarks.drift import DRIFT_BOUND, lookup, worst_drift

# (bound, "≥" or "≤") per "case dotted.key" (copy keys are looked up in its ratios first).
# The copy path is judged against the pyarrow ceiling only: mgdc/naive and mgdc/dlt stay in
# the table as figures, not targets. Keys another case has yet to write show as "missing".
TARGETS = {
    "copy mgdc/limit": (0.9, "≥"),
    "copy mgdc_delta/limit": (0.9, "≥"),
    "copy delta_vs_parquet": (0.9, "≥"),  # Delta's ratio to the limit within 10 % of Parquet's
    "memory ratio": (1.3, "≤"),
    "memory peak_rss_mb": (400, "≤"),
    "backfill ratio": (5, "≥"),
    "graph efficiency": (0.9, "≥"),
    "graph simulated.efficiency": (0.9, "≥"),
    "synthetic message_rows_per_s": (20_000, "≥"),
    "synthetic memory_ratio": (1.3, "≤"),
    "synthetic linearity": (1.3, "≤"),
    "drift max": (DRIFT_BOUND, "≤"),  # the largest |busy ÷ quiet − 1| over every ratio
}


def _runs(repetitions: int | dict[str, int]) -> str:
    """How many runs each median rests on: one count, or a range over the competitors.

    >>> _runs(3), _runs({"mgdc": 9, "naive": 3}), _runs({"mgdc": 5, "naive": 5})
    ('3', '3 to 9 runs', '5 runs')
    """
    if isinstance(repetitions, int):  # a results file from before the counts were kept
        return str(repetitions)
    fewest, most = min(repetitions.values()), max(repetitions.values())
    return f"{most} runs" if fewest == most else f"{fewest} to {most} runs"


def table(results: dict[str, Any]) -> str:
    lines = []
    copy = results.get("copy")
    if copy and "competitors" in copy:
        lines.append(
            f"copy: {copy['rows']:,} Message_v1 rows, {copy['input_mb']:,} MB JSONL "
            f"({copy['bytes_per_row']:,} B/row), median of {_runs(copy['repetitions'])}"
        )
        lines.append(_row("competitor", "rows/s", "MB/s", "peak RSS MB", "seconds", "mgdc ×", "÷ limit"))
        limit = copy["rows_per_s"]["limit"]
        for name, summary in copy["competitors"].items():
            ratio = copy["ratios"].get(f"mgdc/{name}")
            lines.append(_row(
                name, f"{summary['rows_per_s']:,.0f}", f"{summary['input_mb_per_s']:,.1f}",
                f"{summary['peak_rss_mb']:,.0f}", f"{summary['seconds']:.2f}",
                "" if ratio is None else f"{ratio:.2f}", f"{summary['rows_per_s'] / limit:.2f}",
            ))
        lines.append("")
    memory = results.get("memory")
    if memory and "runs" in memory:
        lines.append("memory: mgdc peak RSS")
        for name, run in memory["runs"].items():
            lines.append(f"  {name:>4} = {run['rows']:>10,} rows: {run['peak_rss_mb']:,.0f} MB "
                         f"({run['rows_per_s']:,.0f} rows/s)")
        lines.append(f"  ratio 10N/N = {memory['ratio']:.2f}")
        lines.append("")
    for case in ("backfill", "graph", "synthetic"):
        outcome = results.get(case)
        if outcome:
            lines.append(f"{case}: " + ", ".join(f"{k}={_short(v)}" for k, v in _scalars(outcome).items()))
    lines += control_plane_lines(results.get("control_plane"))
    lines += drift_lines(results)
    lines.append("")
    lines.append(verdict_line(results))
    return "\n".join(lines)


def verdict_line(results: dict[str, Any]) -> str:
    """Every target's value and verdict; a key no case wrote is ``missing``, not an error.

    >>> line = verdict_line({"graph": {"efficiency": 0.95}})
    >>> "graph efficiency 0.95 ok (≥0.9)" in line, "synthetic linearity missing (≤1.3)" in line
    (True, True)
    """
    return ("targets: " + ", ".join(f"{k} {_verdict(results, k, v)}" for k, v in TARGETS.items())
            + _control_plane_verdict(results.get("control_plane")))


def drift_lines(results: dict[str, Any]) -> list[str]:
    """Each ratio quiet, with one core busy, and its drift (the paired run's second pass).

    >>> results = {"graph": {"efficiency": 0.8, "busy": {"efficiency": 0.6}, "drift": {"efficiency": -0.25}}}
    >>> print("\\n".join(drift_lines(results)[3:]))
      graph efficiency                            0.8           0.6     -25.0 %  MISSED
    """
    rows = [(case, name, outcome, value) for case, outcome in results.items() if isinstance(outcome, dict)
            for name, value in (outcome.get("drift") or {}).items()]
    if not rows:
        return []
    lines = ["", f"drift: each ratio quiet and with one core busy (|drift| ≤ {DRIFT_BOUND:.0%})",
             f"  {'':<36}{'quiet':>11}{'busy':>14}{'drift':>12}"]
    for case, name, outcome, value in rows:
        quiet, busy = (lookup(side, name) if case != "copy" else _copy_figure(side, name)
                       for side in (outcome, outcome["busy"]))
        verdict = "" if value is None else ("ok" if abs(value) <= DRIFT_BOUND else "MISSED")
        shown = "n/a" if value is None else f"{value:+.1%}".replace("%", " %")
        lines.append(f"  {case + ' ' + name:<36}{_short(quiet):>11}{_short(busy):>14}{shown:>12}  {verdict}")
    return lines


CONTROL_PLANE_ROWS = (  # (label, key, format)
    ("history load (not a target)", "history_load_s", "{:.1f} s"),
    ("sensor tick, first (cold)", "first_tick_s", "{:.3f} s"),
    ("sensor tick (median, warm)", "tick_s", "{:.3f} s"),
    ("  SQL statements per tick", "statements_per_tick", "{:,.0f}"),
    ("  connections opened per tick", "connections_per_tick", "{:,.0f}"),
    ("  one connection + SELECT 1", "connection_ms", "{:.2f} ms"),
    ("sensor tick, idle (median)", "idle_tick_s", "{:.3f} s"),
    ("backfill plan", "backfill_plan_s", "{:.2f} s"),
    ("  runs / partitions planned", None, None),
    ("  queueing, per run (sampled)", "submit_s_per_run", "{:.2f} s"),
    ("  connections per run queued", "connections_per_queued_run", "{:,.0f}"),
    ("  queueing every run (estimate)", "submit_all_estimate_s", "{:,.0f} s"),
)


def control_plane_lines(outcome: dict[str, Any] | None) -> list[str]:
    """The control plane's table: one column per storage, PostgreSQL's ratio to SQLite.

    >>> storage = {"history_load_s": 1.0, "first_tick_s": 0.2, "tick_s": 0.1, "statements_per_tick": 37,
    ...            "connections_per_tick": 20, "connection_ms": 1.0, "submit_all_estimate_s": 2.0,
    ...            "connections_per_queued_run": 9,
    ...            "idle_tick_s": 0.01, "backfill_plan_s": 2.0, "runs": 4, "partitions": 120,
    ...            "submit_s_per_run": 0.5}
    >>> outcome = {"history_days": 30, "scopes": 4, "backfill_days": 30, "sqlite": storage,
    ...            "postgres": {**storage, "tick_s": 0.2}}
    >>> print("\\n".join(control_plane_lines(outcome)[3:6]))
      sensor tick, first (cold)                0.200 s         0.200 s         1.00
      sensor tick (median, warm)               0.100 s         0.200 s         2.00
        SQL statements per tick                     37              37         1.00
    """
    if not outcome or "sqlite" not in outcome:
        return []
    sqlite, postgres = outcome["sqlite"], outcome["postgres"]
    lines = [f"control plane: sensor over {outcome['history_days']:,} days × {outcome['scopes']} scopes of history, "
             f"backfill of {outcome['backfill_days']} days × {outcome['scopes']} scopes",
             f"  {'':<32}{'sqlite':>16}{'postgres':>16}{'pg ÷ sqlite':>13}"]
    for label, key, form in CONTROL_PLANE_ROWS:
        if key is None:
            cells = [f"{side['runs']:,} / {side['partitions']:,}" for side in (sqlite, postgres)]
            lines.append(f"  {label:<32}{cells[0]:>16}{cells[1]:>16}")
            continue
        ratio = postgres[key] / sqlite[key] if sqlite[key] else float("nan")
        cells = [form.format(side[key]) for side in (sqlite, postgres)]
        lines.append(f"  {label:<32}{cells[0]:>16}{cells[1]:>16}{ratio:>13.2f}")
    return lines


def _control_plane_verdict(outcome: dict[str, Any] | None) -> str:
    """PostgreSQL ÷ SQLite on the verdict line (no target: a deployment picks its storage).

    >>> _control_plane_verdict({"ratios": {"tick_s": 1.5, "backfill_plan_s": 0.8}})
    '; control plane postgres ÷ sqlite (no target): tick 1.50, backfill plan 0.80'
    """
    ratios = (outcome or {}).get("ratios")
    if not ratios:
        return ""
    return (f"; control plane postgres ÷ sqlite (no target): tick {ratios['tick_s']:.2f}, "
            f"backfill plan {ratios['backfill_plan_s']:.2f}")


def _row(*cells: str) -> str:
    return f"  {cells[0]:<10}" + "".join(f"{cell:>14}" for cell in cells[1:])


def _short(value: Any) -> str:
    return f"{value:.3g}" if isinstance(value, float) else str(value)


def _scalars(outcome: dict[str, Any]) -> dict[str, Any]:
    """The case's figures and those one level down (``simulated.efficiency``); deeper ones
    (per-mode summaries), lists and the busy pass (the drift table has it) are left out.

    >>> _scalars({"ratio": 2.0, "simulated": {"efficiency": 0.9}, "modes": {"a": {"seconds": 1}}, "busy": {"ratio": 1}})
    {'ratio': 2.0, 'simulated.efficiency': 0.9}
    """
    found: dict[str, Any] = {}
    for key, value in outcome.items():
        if isinstance(value, dict) and key not in ("busy", "drift", "measured_by"):
            found.update({f"{key}.{inner}": figure for inner, figure in value.items()
                          if not isinstance(figure, (dict, list))})
        elif not isinstance(value, (dict, list)):
            found[key] = value
    return found


def _verdict(results: dict[str, Any], name: str, target: tuple[float, str]) -> str:
    bound, direction = target
    value = _value(results, name)
    if not isinstance(value, (int, float)):
        return f"missing ({direction}{bound:g})"
    met = value >= bound if direction == "≥" else value <= bound
    shown = f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.2f}"
    return f"{shown} {'ok' if met else 'MISSED'} ({direction}{bound:g})"


def _value(results: dict[str, Any], name: str) -> Any:
    case, key = name.split(" ")
    if name == "drift max":
        return worst_drift(results)
    outcome = results.get(case) or {}
    return _copy_figure(outcome, key) if case == "copy" else lookup(outcome, key)


def _copy_figure(outcome: dict[str, Any], key: str) -> Any:
    """A copy figure: one of its ``ratios`` (``mgdc/limit``) or a key of its own."""
    return (outcome.get("ratios") or {}).get(key, outcome.get(key))
