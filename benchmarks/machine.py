"""The machine a benchmark ran on: what the numbers need to be read against."""

from __future__ import annotations

import os
import platform
from typing import Any

import pyarrow


def machine_info() -> dict[str, Any]:
    """Cores, CPU, memory, OS, Python and library versions; the load when the run started."""
    return {
        "cores": os.cpu_count(),
        "cpu": _cpu_model(),
        "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        "pyarrow": pyarrow.__version__,
        "load_average_at_start": [round(value, 2) for value in os.getloadavg()],
        **_versions("pandas", "dlt", "dagster"),
    }


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _versions(*packages: str) -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    found = {}
    for package in packages:
        try:
            found[package] = version(package)
        except PackageNotFoundError:
            found[package] = "not installed"
    return found
