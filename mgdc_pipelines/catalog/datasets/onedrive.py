"""OneDrive sync datasets: OneDriveSyncHealth_v1 and OneDriveSyncErrors_v0 (tenant-wide)."""

DATASETS = ()
