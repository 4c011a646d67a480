"""Row generators, one module per dataset family; :data:`GENERATORS` indexes them by dataset."""

from __future__ import annotations

from mgdc_pipelines.sources.synthetic.datasets import (
    calendar,
    calls,
    channels,
    contacts,
    conversations,
    devices,
    directory,
    groups,
    mail_folders,
    message_batches,
    onedrive,
    planner,
    sharepoint,
    sharepoint_files,
    signals,
    teams,
    todo,
    transcripts,
)
from mgdc_pipelines.catalog import Category, Dataset
from mgdc_pipelines.sources.synthetic.datasets.base import Generator, RowContext, Unit
from mgdc_pipelines.sources.synthetic.datasets.viva import PERSON_QUERY

GENERATORS: dict[str, Generator] = {
    generator.dataset: generator
    for module in (
        message_batches, mail_folders, calendar, contacts, directory, devices, groups,
        conversations, teams, channels, transcripts, calls, planner, todo, signals, sharepoint,
        sharepoint_files, onedrive,
    )
    for generator in module.GENERATORS
}


def generator_for(dataset: Dataset) -> Generator | None:
    """The dataset's generator; every Viva Insights query shares one (the spec names its columns)."""
    if dataset.category is Category.VIVA:
        return PERSON_QUERY
    return GENERATORS.get(dataset.short_name)


__all__ = ["GENERATORS", "Generator", "RowContext", "Unit", "generator_for"]
