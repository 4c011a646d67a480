"""Device datasets: row generators."""

GENERATORS = ()
