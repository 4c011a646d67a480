"""Render a matplotlib figure into asset metadata: Markdown with an embedded base64 PNG.

The Dagster UI shows Markdown metadata inline, so the plot sits next to the metrics of the
materialization it belongs to. The Agg backend draws without a display.

>>> markdown = figure_markdown(lambda axes: axes.plot([0, 1], [1, 0]), alt="a line")
>>> markdown.startswith("![a line](data:image/png;base64,iVBORw0KGgo")
True
"""

from __future__ import annotations

import base64
import io
from collections.abc import Callable
from typing import Any

PNG_DPI = 80


def figure_markdown(draw: Callable[[Any], None], *, alt: str, size: tuple[float, float] = (6, 4)) -> str:
    """Call `draw(axes)` on a fresh figure and return it as `![alt](data:image/png;base64,…)`."""
    import matplotlib

    matplotlib.use("Agg", force=False)  # headless; keeps a backend the caller chose on purpose
    from matplotlib.figure import Figure

    figure = Figure(figsize=size)  # not pyplot: no global state, nothing to close
    draw(figure.add_subplot())
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=PNG_DPI)
    encoded = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f"![{alt}](data:image/png;base64,{encoded})"
