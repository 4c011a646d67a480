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
    mail,
    mail_folders,
    onedrive,
    planner,
    sharepoint,
    sharepoint_files,
    signals,
    teams,
    todo,
    transcripts,
)
from mgdc_pipelines.sources.synthetic.datasets.base import Generator, RowContext, Unit

GENERATORS: dict[str, Generator] = {
    generator.dataset: generator
    for module in (
        mail, mail_folders, calendar, contacts, directory, devices, groups, conversations,
        teams, channels, transcripts, calls, planner, todo, signals, sharepoint,
        sharepoint_files, onedrive,
    )
    for generator in module.GENERATORS
}

__all__ = ["GENERATORS", "Generator", "RowContext", "Unit"]
