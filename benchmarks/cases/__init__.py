"""One module per benchmark case; each has ``run(settings) -> dict`` for ``latest.json``."""
