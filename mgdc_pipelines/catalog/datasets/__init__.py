"""Every dataset the catalog knows, one module per family."""

from mgdc_pipelines.catalog.datasets import (
    calendar,
    calls,
    contacts,
    conversations,
    devices,
    directory,
    groups,
    mail,
    onedrive,
    planner,
    sharepoint,
    signals,
    teams,
    todo,
)

ALL_DATASETS = (
    *mail.DATASETS,
    *calendar.DATASETS,
    *contacts.DATASETS,
    *directory.DATASETS,
    *devices.DATASETS,
    *groups.DATASETS,
    *conversations.DATASETS,
    *teams.DATASETS,
    *calls.DATASETS,
    *planner.DATASETS,
    *todo.DATASETS,
    *signals.DATASETS,
    *sharepoint.DATASETS,
    *onedrive.DATASETS,
)
