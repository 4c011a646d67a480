"""How the persona model fares week after week on the demo's organization.

`python -m mgdc_pipelines.examples.collaboration.weeks 2026` computes every Sunday-to-Saturday
week of 2026 of the bundled demo spec straight from its synthetic tenant (the `all` scope: every
scope's copy of a message or meeting counts once anyway) and prints the model's silhouette per
week, then the minimum and the median. It is how the threshold the demo checks was chosen to hold
on whichever week the demo picks (see `mgdc_pipelines.examples.collaboration.personas`); it takes
about 10 s per week.

>>> import datetime as dt
>>> from mgdc_pipelines.spec import load_spec, DEMO_SPEC_PATH
>>> features = week_features(load_spec(DEMO_SPEC_PATH), dt.date(2026, 11, 22), users=30)
>>> len(features) > 20, "network_size" in features.columns
(True, True)
"""

from __future__ import annotations

import datetime as dt
import statistics
import sys

import pandas as pd
import pyarrow as pa

from mgdc_pipelines.defs.partitions import partition_ref
from mgdc_pipelines.features import collaboration_edges, weekly_user_features
from mgdc_pipelines.sources.synthetic import SyntheticSource, TenantConfig
from mgdc_pipelines.spec import DEMO_SPEC_PATH, load_spec
from mgdc_pipelines.spec.model import AppSpec
from mgdc_pipelines.transfer import request_for

WEEK_INPUTS = ("Message_v1", "TeamChat_v1", "CalendarView_v0", "User_v1", "Manager_v0")


def week_features(app: AppSpec, first_day: dt.date, *, users: int | None = None) -> pd.DataFrame:
    """`weekly_user_features` of the week starting `first_day`, from `app`'s synthetic tenant."""
    options = dict(app.source.options) | ({"users": users} if users else {})
    source = SyntheticSource(TenantConfig(**options))
    days = [first_day + dt.timedelta(days=offset) for offset in range(7)]
    tables = {name: _week_of(app, source, name, days) for name in WEEK_INPUTS}
    edges = collaboration_edges(tables["Message_v1"], tables["TeamChat_v1"])
    return weekly_user_features(tables["Message_v1"], tables["CalendarView_v0"], tables["User_v1"],
                                tables["Manager_v0"], edges)


def _week_of(app: AppSpec, source: SyntheticSource, dataset: str, days: list[dt.date]) -> pa.Table:
    item = app.dataset(dataset)
    parts = []
    for day in days:
        request = request_for(app, item, partition_ref(item.dataset, f"{day}|all"))
        table = pa.Table.from_batches(list(source.extract(request)), schema=request.output_schema)
        parts.append(table.append_column("date", pa.array([day.isoformat()] * table.num_rows, pa.string())))
    return pa.concat_tables(parts)


def main(argv: list[str]) -> int:
    from mgdc_pipelines.examples.collaboration.personas import fit_personas

    year = int(argv[0]) if argv else dt.date.today().year
    app = load_spec(DEMO_SPEC_PATH)
    first = dt.date(year, 1, 1) + dt.timedelta(days=(6 - dt.date(year, 1, 1).weekday()) % 7)  # a Sunday
    scores = []
    while first.year == year:
        model = fit_personas(week_features(app, first))
        scores.append(model.silhouette)
        print(f"{first}  silhouette {model.silhouette:.3f}  personas {model.clusters}", flush=True)
        first += dt.timedelta(weeks=1)
    print(f"{len(scores)} weeks: minimum {min(scores):.3f}, median {statistics.median(scores):.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
