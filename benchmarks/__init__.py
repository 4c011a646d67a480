"""Benchmarks of the copy path: ``python -m benchmarks`` (or ``make bench``).

Cases (``benchmarks/cases/``): ``copy`` (the framework, to Parquet files and to a Delta table,
against a naive pandas script, dlt and the raw pyarrow limit), ``memory`` (peak RSS at N and 10×N rows), ``backfill`` (the default
backfill policy against one run per partition, through a real DagsterInstance), ``graph``
(the Graph source against the HTTPS emulator) and ``control_plane`` (the availability sensor's
tick and a UI backfill's planning on SQLite beside a PostgreSQL the case starts and removes). Competitors of a case run alternately, each
repetition in a fresh subprocess (``harness.py``), and the medians are reported, so ratios
hold on a noisy machine. Results go to ``benchmarks/results/latest.json``.
"""
