"""Row generators, one module per dataset family; :data:`GENERATORS` indexes them by dataset."""

from __future__ import annotations

from mgdc_pipelines.sources.synthetic.datasets import (
    calendar,
    contacts,
    directory,
    groups,
    mail,
    mail_folders,
    sharepoint,
    teams,
)
from mgdc_pipelines.sources.synthetic.datasets.base import Generator, RowContext, Unit

GENERATORS: dict[str, Generator] = {
    generator.dataset: generator
    for module in (mail, mail_folders, calendar, contacts, directory, groups, teams, sharepoint)
    for generator in module.GENERATORS
}

__all__ = ["GENERATORS", "Generator", "RowContext", "Unit"]
