"""Example projects built on MGDC assets; `collaboration` ships with the demo (`make demo`)."""
