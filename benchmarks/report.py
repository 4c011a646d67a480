"""The results table printed at the end of a run (also pasted into the README)."""

from __future__ import annotations

from typing import Any

# (bound, "≥" or "≤") per result, from issue #7.
TARGETS = {
    "copy mgdc/limit": (0.7, "≥"),
    "copy mgdc/naive": (6, "≥"),
    "copy mgdc/dlt": (15, "≥"),
    "memory ratio": (1.3, "≤"),
    "memory peak_rss_mb": (400, "≤"),
    "backfill ratio": (5, "≥"),
    "graph efficiency": (0.8, "≥"),
}


def table(results: dict[str, Any]) -> str:
    lines = []
    copy = results.get("copy")
    if copy and "competitors" in copy:
        lines.append(
            f"copy: {copy['rows']:,} Message_v1 rows, {copy['input_mb']:,} MB JSONL "
            f"({copy['bytes_per_row']:,} B/row), median of {copy['repetitions']}"
        )
        lines.append(_row("competitor", "rows/s", "MB/s", "peak RSS MB", "seconds", "mgdc ×"))
        for name, summary in copy["competitors"].items():
            ratio = copy["ratios"].get(f"mgdc/{name}")
            lines.append(_row(
                name, f"{summary['rows_per_s']:,.0f}", f"{summary['input_mb_per_s']:,.1f}",
                f"{summary['peak_rss_mb']:,.0f}", f"{summary['seconds']:.2f}",
                "" if ratio is None else f"{ratio:.2f}",
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
    for case in ("backfill", "graph"):
        outcome = results.get(case)
        if outcome:
            lines.append(f"{case}: " + ", ".join(f"{k}={_short(v)}" for k, v in outcome.items()
                                                 if not isinstance(v, (dict, list))))
    lines.append("")
    lines.append("targets: " + ", ".join(f"{k} {_verdict(results, k, v)}" for k, v in TARGETS.items()))
    return "\n".join(lines)


def _row(*cells: str) -> str:
    return f"  {cells[0]:<10}" + "".join(f"{cell:>14}" for cell in cells[1:])


def _short(value: Any) -> str:
    return f"{value:.3g}" if isinstance(value, float) else str(value)


def _verdict(results: dict[str, Any], name: str, target: tuple[float, str]) -> str:
    value = _value(results, name)
    if value is None:
        return "n/a"
    bound, direction = target
    met = value >= bound if direction == "≥" else value <= bound
    return f"{value:.2f} {'ok' if met else 'MISSED'} ({direction}{bound})"


def _value(results: dict[str, Any], name: str) -> float | None:
    case, key = name.split(" ")
    outcome = results.get(case) or {}
    if case == "copy":
        return (outcome.get("ratios") or {}).get(key)
    return outcome.get(key)
