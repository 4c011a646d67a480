"""What each column of a feature table holds, carried on the DataFrame itself.

A function that returns a DataFrame describes its columns in `frame.attrs["column_descriptions"]`
(plain pandas: nothing of ours is needed to follow the convention); the downstream asset puts
them in the column schema the Dagster UI shows.

>>> import pandas as pd
>>> frame = described(pd.DataFrame({"a": [1]}), {"a": "One a.", "b": "Not in this frame."})
>>> frame.attrs[COLUMN_DESCRIPTIONS]
{'a': 'One a.'}
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

COLUMN_DESCRIPTIONS = "column_descriptions"


def described(frame: pd.DataFrame, descriptions: Mapping[str, str]) -> pd.DataFrame:
    """`frame` with the descriptions of its columns in its `attrs` (returned for chaining)."""
    frame.attrs[COLUMN_DESCRIPTIONS] = {str(c): descriptions[c] for c in frame.columns if c in descriptions}
    return frame


def column_descriptions(frame: pd.DataFrame) -> dict[str, str]:
    """The descriptions `frame` carries (none: an empty dict)."""
    descriptions = frame.attrs.get(COLUMN_DESCRIPTIONS)
    return dict(descriptions) if isinstance(descriptions, Mapping) else {}
