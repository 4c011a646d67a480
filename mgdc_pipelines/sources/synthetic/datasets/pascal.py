"""Generators for v0 datasets that are a v1 dataset spelled in PascalCase at every depth.

Message_v0, SentItem_v0, Event_v0 and Contact_v0 hold the same items as their v1 pair, so their
rows are the v1 generator's rows renamed: the same seed gives the same messages in both.

>>> pascal_keys({"emailAddress": {"name": "Ann", "address": "ann@contoso.com"}, "tags": ["x"]})
{'EmailAddress': {'Name': 'Ann', 'Address': 'ann@contoso.com'}, 'Tags': ['x']}
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping

from mgdc_pipelines.catalog import get_dataset
from mgdc_pipelines.sources.synthetic.datasets.base import Generator, RowContext


def pascal_keys(value: object) -> object:
    """The value with every mapping key, at any depth, starting with a capital letter."""
    if isinstance(value, Mapping):
        return {key[:1].upper() + key[1:]: pascal_keys(item) for key, item in value.items()}
    if isinstance(value, list):
        return [pascal_keys(item) for item in value]
    return value


def pascal_version(short_name: str, of: Generator, renamed: Mapping[str, str] | None = None) -> Generator:
    """A generator for ``short_name`` from ``of``'s rows: column ``Subject`` is ``of``'s
    ``subject`` (unless ``renamed`` names another), nested keys capitalised, and ``ODataType``
    the v0 dataset's own type name."""
    target, source = get_dataset(short_name), get_dataset(of.dataset)
    renamed = renamed or {}
    source_column = {
        name: renamed.get(name, name[:1].lower() + name[1:])
        for name in target.column_names
        if name != "ODataType"
    }

    def rows(ctx: RowContext, unit) -> Iterator[dict]:
        request = dataclasses.replace(
            ctx.request,
            dataset=source,
            columns=tuple(source_column.get(c, c) for c in ctx.request.columns),
            date_filter_column=source_column.get(ctx.request.date_filter_column),
        )
        source_ctx = dataclasses.replace(ctx, request=request, date_column=source_column.get(ctx.date_column))
        for row in of.rows(source_ctx, unit):
            yield {
                **{name: pascal_keys(row[column]) for name, column in source_column.items()},
                "ODataType": ctx.odata_type,
            }

    return Generator(short_name, of.unit, rows)
