"""``memory``: peak RSS of the mgdc copy at N and 10×N rows; streaming keeps the ratio near 1.

The 10×N delivery is ten hard links of the N-row file in one folder (as ADF writes several
files per run). Each run is a fresh process; the two sizes alternate.
"""

from __future__ import annotations

from typing import Any

from benchmarks.data import message_delivery, replicated_delivery
from benchmarks.harness import alternate, summarize
from benchmarks.settings import Settings

SCALE = 10


def run(settings: Settings) -> dict[str, Any]:
    small = message_delivery(settings.rows)
    large = replicated_delivery(small, SCALE)
    quarantine = str(settings.folder("memory", "quarantine"))

    def competitor(delivery, name):
        output = str(settings.folder("memory", name))
        return ("benchmarks.copiers:mgdc_copy",
                {"root": str(delivery.root), "output": output, "quarantine": quarantine})

    runs = alternate(
        {"N": competitor(small, "n"), f"{SCALE}N": competitor(large, f"{SCALE}n")},
        repetitions=1 if settings.quick else min(settings.repetitions, 2),
    )
    summaries = {name: summarize(measurements) for name, measurements in runs.items()}
    for name, delivery in (("N", small), (f"{SCALE}N", large)):
        summaries[name]["rows"] = delivery.rows
        summaries[name]["rows_per_s"] = delivery.rows / summaries[name]["seconds"]
        summaries[name]["rss_after_imports_mb"] = runs[name][-1].details["rss_after_imports_mb"]
    big = summaries[f"{SCALE}N"]
    return {
        "rows": {"N": small.rows, f"{SCALE}N": large.rows},
        "runs": summaries,
        "peak_rss_mb": big["peak_rss_mb"],
        "ratio": big["peak_rss_mb"] / summaries["N"]["peak_rss_mb"],
    }
