"""The benchmark input: ``BasicDataSet_v0.Message_v1`` rows as an MGDC JSON-lines delivery.

Rows come from the seeded synthetic tenant (realistic bodies, recipients and internet message
headers), written once per (rows, seed) by the ``mgdc-jsonl`` sink format and cached under
``benchmarks/.data/``. :func:`replicated_delivery` makes a delivery of ``copies`` × the rows
from hard links (ADF writes several files per run), so 10×N needs no 10×N of disk.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

from mgdc_pipelines.catalog import get_dataset
from mgdc_pipelines.sinks.formats import format_for
from mgdc_pipelines.sources import ExtractRequest, Scope, TimeWindow
from mgdc_pipelines.sources.synthetic import SyntheticSource, TenantConfig

# Generated inputs and working files; MGDC_BENCH_DIR moves them (the test uses a temporary one).
DATA_DIR = Path(os.environ.get("MGDC_BENCH_DIR") or Path(__file__).resolve().parent / ".data")
DATASET = get_dataset("Message_v1")
TENANT_ID = "5b1c2c58-6a53-4f55-9d3f-2a0a1f0e7e11"
# The rows span these days; a copy's window covers them all, so every row is copied.
FIRST_DAY = dt.date(2026, 10, 1)
MAX_DAYS = 120
WINDOW = TimeWindow(
    dt.datetime(2026, 9, 1, tzinfo=dt.timezone.utc), dt.datetime(2027, 3, 1, tzinfo=dt.timezone.utc)
)
# 15 authorized columns; the three address columns are hashed.
COLUMNS = (
    "receivedDateTime", "sentDateTime", "hasAttachments", "internetMessageId", "subject",
    "importance", "sender", "toRecipients", "ccRecipients", "conversationId", "isRead",
    "createdDateTime", "categories", "id", "bodyPreview",
)
HASHED = ("sender", "toRecipients", "ccRecipients")
HASH_KEY = b"benchmark-only-hash-key-0123456789"  # not a secret: synthetic data


@dataclass(frozen=True)
class Delivery:
    root: Path  # the landing root (holds the dataset's folder)
    files: tuple[Path, ...]
    rows: int

    @property
    def bytes(self) -> int:
        return sum(path.stat().st_size for path in self.files)


def message_delivery(rows: int, *, seed: int = 7) -> Delivery:
    """A landing root with one file of exactly ``rows`` Message_v1 rows (generated once)."""
    root = DATA_DIR / f"messages-{rows}-seed{seed}"
    path = root / DATASET.name / "run-1" / "part-0001.json"
    if not path.exists():
        _generate(path, rows, seed)
    return Delivery(root, (path,), rows)


def replicated_delivery(base: Delivery, copies: int) -> Delivery:
    """``copies`` hard links of ``base``'s file in one delivery folder: copies × the rows."""
    root = base.root.with_name(f"{base.root.name}-x{copies}")
    folder = root / DATASET.name / "run-1"
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for number in range(1, copies + 1):
        link = folder / f"part-{number:04d}.json"
        if not link.exists():
            os.link(base.files[0], link)
        files.append(link)
    return Delivery(root, tuple(files), base.rows * copies)


def _generate(path: Path, rows: int, seed: int) -> None:
    users = max(100, min(2000, rows // 100))  # ~13 rows per user and day
    source = SyntheticSource(TenantConfig(seed=seed, users=users))
    start = dt.datetime.combine(FIRST_DAY, dt.time(), dt.timezone.utc)
    request = ExtractRequest(
        DATASET, DATASET.column_names, "receivedDateTime",
        TimeWindow(start, start + dt.timedelta(days=MAX_DAYS)), Scope.everyone(), TENANT_ID,
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    written = 0
    with open(partial, "wb") as stream:
        writer = format_for("mgdc-jsonl").open(stream, request.output_schema)
        for batch in source.extract(request):
            batch = batch.slice(0, rows - written)
            writer.write(batch)
            written += batch.num_rows
            if written == rows:
                break
        writer.close()
    if written < rows:
        raise RuntimeError(f"the synthetic tenant made only {written} of {rows} rows; raise MAX_DAYS")
    partial.rename(path)
