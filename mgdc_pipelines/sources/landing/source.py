"""``LandingSource``: MGDC JSON-lines deliveries (a folder or a container), as a ``Source``.

For each request: pick the dataset's files (``layout.py``, listed by a ``store.py`` store), read
them (UTF-8 or UTF-16: ``encoding.py``) in blocks of at most ``request.batch_rows`` lines
(``reader.py``) and parse each block at once with Arrow (``arrow_blocks.py``), placing its rows
in or out of the partition by their dates (``placement.py``): one batch per block. A block
Arrow cannot read exactly as the line-by-line path would (a malformed line, an unknown key,
...) is read line by line instead (objects run together on a line cut apart: ``objects.py``):
each row placed, rows converted in chunks of ``request.batch_rows`` (``batches.py``). Lines that
cannot become rows go to the quarantine (``quarantine.py``: where and why, never the line's
content); everything is counted in the extraction's
:class:`~mgdc_pipelines.sources.landing.stats.LandingStats`. Memory holds one buffer of lines
(``reader.BLOCK_BYTES``, grown for a longer line up to ``reader.MAX_LINE_BYTES``) and one
block's rows (plus, with ``dedupe_messages``, the partition's message ids); no batch holds more
than ``batch_rows`` rows.

No message of this path (quarantine records, :class:`LandingQualityError`, stats) holds a row
value: errors name the file, line, column, expected type and the JSON kind that arrived.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

import pyarrow as pa

from mgdc_pipelines.catalog import ScopeKind
from mgdc_pipelines.sources.base import ExtractRequest, TimeWindow
from mgdc_pipelines.sources.landing.arrow_blocks import BlockParser, ParsedBlock
from mgdc_pipelines.sources.landing.batches import Rejected, convert_rows
from mgdc_pipelines.sources.landing.layout import Selection, select_files
from mgdc_pipelines.sources.landing.objects import parse_objects
from mgdc_pipelines.sources.landing.placement import (
    Placement,
    RowPlacement,
    UnplaceableRowError,
    message_id,
    row_date_column,
)
from mgdc_pipelines.sources.landing.quarantine import Quarantine
from mgdc_pipelines.sources.landing.reader import (
    DeliveredRow,
    LineBlock,
    MalformedLineError,
    RawLine,
)
from mgdc_pipelines.sources.landing.store import (
    BlockDeliveryStore,
    DeliveryStore,
    LocalDeliveryStore,
)
from mgdc_pipelines.sources.landing.stats import LandingStats
from mgdc_pipelines.sources.rows import chunked

DEFAULT_QUARANTINE_DIR = "./mgdc_quarantine"


class LandingQualityError(ValueError):
    """More of a partition's delivered lines were quarantined than ``max_error_ratio`` allows."""

    def __init__(self, message: str, stats: LandingStats) -> None:
        super().__init__(message)
        self.stats = stats


class LandingSource:
    """Reads MGDC deliveries under ``root`` (layout: see the package docstring).

    Args:
        root: the landing folder, holding ``<dataset full name>/`` folders or ``.json`` files,
            or a :class:`~mgdc_pipelines.sources.landing.store.DeliveryStore` (e.g. an
            ``AzureDeliveryStore`` for a container).
        max_error_ratio: the share of a partition's lines that may be quarantined (0 to 1)
            before its extraction fails with :class:`LandingQualityError`.
        quarantine_dir: where quarantine files go (relative: to the working directory).
        dedupe_messages: keep the first row per ``internetMessageId`` in a partition of
            Message_v1 / SentItem_v1 (no effect on other datasets).

    ``extract`` returns a :class:`LandingExtraction`, an iterator of batches with a live
    ``stats``; ``last_stats`` is the stats of the most recent ``extract`` call, for callers
    that only see the source (one partition after another, as the Dagster asset does).
    """

    def __init__(
        self,
        root: str | os.PathLike[str] | DeliveryStore,
        *,
        max_error_ratio: float = 0.01,
        quarantine_dir: str | os.PathLike[str] = DEFAULT_QUARANTINE_DIR,
        dedupe_messages: bool = False,
    ) -> None:
        if not 0 <= max_error_ratio <= 1:
            raise ValueError(f"max_error_ratio must be between 0 and 1, got {max_error_ratio}")
        self.store: DeliveryStore = (
            root if isinstance(root, DeliveryStore) else LocalDeliveryStore(root)
        )
        self.root = getattr(self.store, "root", None)  # the folder of a local store
        self.max_error_ratio = max_error_ratio
        self.quarantine_dir = Path(quarantine_dir).expanduser().absolute()
        self.dedupe_messages = dedupe_messages
        self.last_stats: LandingStats | None = None

    def __repr__(self) -> str:
        if self.root is not None:
            return f"LandingSource({str(self.root)!r})"
        return f"LandingSource({self.store!r})"

    def extract(self, request: ExtractRequest) -> LandingExtraction:
        """Stream the partition's rows; finds its files now, so a missing delivery fails here."""
        extraction = LandingExtraction(self, request)
        self.last_stats = extraction.stats
        return extraction


class LandingExtraction(Iterator[pa.RecordBatch]):
    """The batches of one request, and ``stats`` counting every line read so far.

    The stats are final (``stats.finished``) once the iterator is exhausted; if too many lines
    were quarantined, the last ``next()`` raises :class:`LandingQualityError` instead of
    ``StopIteration``, after every good batch was yielded.
    """

    def __init__(self, source: LandingSource, request: ExtractRequest) -> None:
        self.request = request
        self._source = source
        date_column = row_date_column(request)
        # Without a row date, the day's folder decides; with one, every file is read.
        day = None if date_column else request.window.start.date()
        self.selection: Selection = select_files(
            source.store.files(request.dataset.name), day=day, scope_key=request.scope.key
        )
        self.stats = LandingStats(
            dataset=request.dataset.name,
            partition=partition_name(request),
            selection=_describe(self.selection, date_column),
            files_skipped=self.selection.skipped,
        )
        self._quarantine = Quarantine(
            source.quarantine_dir, request.dataset.name, partition_name(request, for_file=True)
        )
        self._batches = self._stream()

    def __next__(self) -> pa.RecordBatch:
        return next(self._batches)

    def close(self) -> None:
        """Stop early: closes the open delivery and quarantine files."""
        self._batches.close()

    def _stream(self) -> Iterator[pa.RecordBatch]:
        placement = RowPlacement(self.request, dedupe_messages=self._source.dedupe_messages)
        store, batch_rows = self._source.store, self.request.batch_rows
        parser = BlockParser(self.request)
        with self._quarantine:
            for path in self.selection.files:
                self.stats.files_read += 1
                if not isinstance(store, BlockDeliveryStore):
                    yield from self._line_by_line(store.read_lines(path), placement)
                    continue
                for block in store.read_blocks(path, max_lines=batch_rows):
                    parsed = parser.parse(block)
                    if parsed is None:  # some line needs a closer look (see arrow_blocks.py)
                        yield from self._line_by_line(block.raw_lines(), placement)
                    else:
                        batch = self._placed_batch(block, parsed, placement)
                        yield from _slices(batch, batch_rows)
        self.stats.finished = True
        self._check_error_ratio()

    def _placed_batch(
        self, block: LineBlock, parsed: ParsedBlock, placement: RowPlacement
    ) -> pa.RecordBatch:
        """The rows of a block parsed at once that belong to the partition, counted."""
        where_they_go = placement.place_block(parsed.dates, parsed.message_ids)
        stats = self.stats
        stats.lines_read += block.lines
        stats.objects_read += parsed.batch.num_rows
        stats.rows_out_of_window += where_they_go.out_of_window
        stats.duplicates_dropped += where_they_go.duplicates
        batch = parsed.batch
        if where_they_go.keep is not None:
            batch = batch.filter(where_they_go.keep)
        stats.rows_yielded += batch.num_rows
        return batch

    def _line_by_line(
        self, lines: Iterable[RawLine], placement: RowPlacement
    ) -> Iterator[pa.RecordBatch]:
        rows = self._placed_rows(lines, placement)
        if placement.dedupes:
            chunks = self._chunks_of_distinct_messages(rows, placement)
        else:
            chunks = chunked(rows, self.request.batch_rows)
        for chunk in chunks:
            yield from self._converted(chunk, placement)

    def _chunks_of_distinct_messages(
        self, rows: Iterable[DeliveredRow], placement: RowPlacement
    ) -> Iterator[list[DeliveredRow]]:
        """Chunks of at most ``batch_rows`` rows in which no message repeats. Whether a copy is
        a duplicate depends on whether an earlier one was kept (converted, not quarantined):
        a copy of a message in the chunk ends it, and is looked at again once the chunk is
        converted (the caller converts each chunk before asking for the next)."""
        chunk: list[DeliveredRow] = []
        messages: set[str] = set()
        for row in rows:
            message = message_id(row.values)
            if message in messages:
                yield chunk
                chunk, messages = [], set()
                if placement.repeats_a_kept_message(row.values):
                    self.stats.duplicates_dropped += 1
                    continue
            chunk.append(row)
            if message is not None:
                messages.add(message)
            if len(chunk) == self.request.batch_rows:
                yield chunk
                chunk, messages = [], set()
        if chunk:
            yield chunk

    def _placed_rows(
        self, lines: Iterable[RawLine], placement: RowPlacement
    ) -> Iterator[DeliveredRow]:
        stats = self.stats
        for line in lines:
            if line.is_blank:
                stats.blank_lines += 1
                continue
            stats.lines_read += 1
            for where, values in parse_objects(line):
                stats.objects_read += 1
                if isinstance(values, MalformedLineError):
                    self._set_aside(where, str(values))
                elif (row := self._placed(where, values, placement)) is not None:
                    yield row

    def _placed(
        self, line: RawLine, values: dict, placement: RowPlacement
    ) -> DeliveredRow | None:
        """The row if it belongs to the partition; otherwise counted or set aside."""
        try:
            where_it_goes = placement.place(values)
        except UnplaceableRowError as error:
            self._set_aside(line, str(error), error.column, error.expected)
            return None
        if where_it_goes is Placement.OUT_OF_WINDOW:
            self.stats.rows_out_of_window += 1
        elif where_it_goes is Placement.DUPLICATE:
            self.stats.duplicates_dropped += 1
        else:
            return DeliveredRow(line, values)
        return None

    def _converted(
        self, chunk: list[DeliveredRow], placement: RowPlacement
    ) -> Iterator[pa.RecordBatch]:
        done = 0  # rows of the chunk accounted for: each batch holds the next ones, in order
        for outcome in convert_rows(self.request.dataset, chunk, self.request.columns):
            if isinstance(outcome, Rejected):
                done += 1
                self._set_aside(outcome.row.line, outcome.error, outcome.column, outcome.expected)
                continue
            placement.kept(row.values for row in chunk[done : done + outcome.batch.num_rows])
            done += outcome.batch.num_rows
            self.stats.unknown_keys.update(outcome.unknown_keys)
            self.stats.rows_yielded += outcome.batch.num_rows
            yield outcome.batch

    def _set_aside(
        self, line: RawLine, error: str, column: str | None = None, expected: str | None = None
    ) -> None:
        self._quarantine.add(line, error, column=column, expected=expected)
        self.stats.quarantined += 1
        self.stats.quarantine_file = self._quarantine.path

    def _check_error_ratio(self) -> None:
        stats, allowed = self.stats, self._source.max_error_ratio
        if stats.error_ratio <= allowed:
            return
        raise LandingQualityError(
            f"{stats.dataset} partition {stats.partition}: {stats.quarantined} of "
            f"{stats.objects_read} delivered objects (on {stats.lines_read} lines) were "
            f"quarantined ({stats.error_ratio:.2%}), more "
            f"than max_error_ratio {allowed:.2%} allows, so the extraction fails and the "
            f"partition is not written. Quarantined lines and why: {stats.quarantine_file} "
            f"(first: {self._quarantine.first})",
            stats,
        )


def _slices(batch: pa.RecordBatch, rows: int) -> Iterator[pa.RecordBatch]:
    """``batch`` in batches of at most ``rows`` rows (views: no copy). A block has at most
    ``batch_rows`` lines, but more rows where objects run together on a line (a SharePoint
    delivery may hold a whole file on one line)."""
    for start in range(0, batch.num_rows, rows):
        yield batch.slice(start, rows)


def partition_name(request: ExtractRequest, *, for_file: bool = False) -> str:
    """``2026-11-20|sales`` (``2026-11-20-sales`` in file names); tenant-wide: ``2026-11-20``."""
    name = _window_name(request.window)
    if request.dataset.scope is ScopeKind.NONE:
        return name
    return f"{name}{'-' if for_file else '|'}{request.scope.key}"


def _window_name(window: TimeWindow) -> str:
    first_day = window.start.date()
    last_day = (window.end - dt.timedelta(microseconds=1)).date()  # the end is excluded
    return first_day.isoformat() if last_day == first_day else f"{first_day}..{last_day}"


def _describe(selection: Selection, date_column: str | None) -> str:
    if date_column is None:
        return selection.description
    return f"{selection.description}; rows whose {date_column} is in the window"
