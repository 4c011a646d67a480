"""Every dataset the catalog knows, one module per category."""

from mgdc_pipelines.catalog.datasets import (
    calendar,
    contacts,
    directory,
    groups,
    mail,
    sharepoint,
    teams,
)

ALL_DATASETS = (
    *mail.DATASETS,
    *calendar.DATASETS,
    *contacts.DATASETS,
    *directory.DATASETS,
    *groups.DATASETS,
    *teams.DATASETS,
    *sharepoint.DATASETS,
)
