"""Device datasets: OwnedDevices_v0 and RegisteredDevices_v0 (user-scoped snapshots)."""

DATASETS = ()
