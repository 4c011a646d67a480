"""The landing source: real MGDC deliveries (JSON lines, e.g. written by Azure Data Factory).

Point :class:`LandingSource` at a local folder where MGDC output lands, or at an Azure Blob
container (an :class:`AzureDeliveryStore`, e.g. the ADF copy's sink), and it serves it through
the same :class:`~mgdc_pipelines.sources.base.Source` protocol as the synthetic tenant: batches
in the catalog schema, only the requested columns, one partition (window × scope) at a time.

Layout (``layout.py``). ADF's Office 365 connector writes several ``.json`` files per run (one
per parallel job) into a folder the pipeline names, so every ``*.json`` / ``*.jsonl`` file under
``<root>/<dataset full name>/``, at any depth, is part of the delivery; a single file
``<root>/<dataset full name>.json`` (how the public samples are named) is too::

    landing/BasicDataSet_v0.Message_v1/2026-11-20/part-0001.json
    landing/BasicDataSet_v0.Message_v1/2026-11-20/part-0002.json
    landing/BasicDataSet_v0.User_v1.json

Folders named ``YYYY-MM-DD`` or ``date=YYYY-MM-DD`` date a snapshot; ``scope=<key>`` folders
belong to one scope partition; ``_``/``.``-prefixed names are skipped. So a ``LocalSink``
writing ``format="mgdc-jsonl"`` produces a folder this source reads back unchanged.

Storage (``store.py``). A :class:`DeliveryStore` lists the files and reads their lines:
:class:`LocalDeliveryStore` (what a path gives) or :class:`AzureDeliveryStore`, where the same
layout lies under ``<container>/<prefix>/`` (blob names' ``/`` as folders) and each blob is
streamed in chunks (``download_blob().chunks()``), so a blob of any size needs the memory of
one chunk and one line. Blobs are named ``<container>/<blob name>`` in stats and quarantine::

    AzureDeliveryStore("https://contoso.blob.core.windows.net", "landing", prefix="mgdc",
                       credential=BlobCredential("default"))   # or None: anonymous read

Files (``encoding.py``, ``objects.py``). Each file is JSON lines in UTF-8, with or without a
byte-order mark, or in UTF-16 LE/BE with one (as Microsoft's ``Inbox_v1`` sample), LF or CRLF
line ends; a file in any other encoding fails the extraction, naming the file and what is
allowed, and so does a file that is one JSON array (:class:`NotJsonLinesError`). Objects run
together on a line (``}{``, as SharePoint deliveries have them) are rows of their own. A line
longer than ``reader.MAX_LINE_BYTES`` (64 MiB) is not held: it is quarantined unread.

Which rows a partition gets (``placement.py``):

* range datasets (Message_v1, Event_v1, TeamChat_v1, ...): rows whose
  ``request.date_filter_column`` falls in the window, from every file;
* SharePoint datasets: rows whose ``SnapshotDate`` falls in the window;
* snapshot datasets (User_v1, Manager_v0, ...) and CalendarView_v0 have no row date: if the
  delivery has day folders, the files of the window's first day (a day without a folder fails
  with :class:`DeliveryNotFoundError`); otherwise every file, *as delivered*, whatever the day.

Scope. Rows carry ``puser`` / ``pObjectId``, but this source has no directory to expand groups
into members, so it does **not** filter by group scope: a delivery is taken to be what MGDC
extracted for the scope. Consent enforcement filters downstream where it has a directory; with
this source a group scope (or a deny list) fails enforcement, asking for one. Use ``all``.

Nothing is dropped without a count. Lines (or objects on a line) that are not a JSON object,
rows whose date cannot place them, and values that do not fit their column go to a quarantine
file (``quarantine.py``) that says how to find and fix each line, never what it holds: file,
line (and the object's position on it when it holds several), byte offset, the error, the
column and expected type where a value is the problem, and the SHA-256 of the line. It is
created owner-only (0600, in 0700 folders). Above ``max_error_ratio`` of a partition's
objects the extraction fails (:class:`LandingQualityError`). Keys the catalog does not know are
dropped from the rows and counted per key (a key that is not a property name is counted as
``<not a property name>``: keys can hold data too). With ``dedupe_messages``, repeats of an
``internetMessageId`` are dropped and counted.

Rows are personal data, so no error, log line, metadata value or quarantine record of this
source shows a row value, not even shortened: messages name the file, line, column (its path
inside nested values), the expected type and the JSON kind that arrived, and how many.

Stats API. ``extract()`` returns a :class:`LandingExtraction`: an iterator of record batches
whose ``stats`` (:class:`LandingStats`) update while it streams and are final once it is
exhausted. ``LandingSource.last_stats`` is the same object for the latest ``extract`` call;
``stats.as_metadata()`` gives flat ``landing/...`` entries for a materialization.

>>> import datetime as dt, json, pathlib, tempfile
>>> from mgdc_pipelines.catalog import get_dataset
>>> from mgdc_pipelines.sources import ExtractRequest, Scope, TimeWindow
>>> root = pathlib.Path(tempfile.mkdtemp())
>>> run = root / "BasicDataSet_v0.Message_v1" / "run-1"
>>> run.mkdir(parents=True)
>>> rows = [{"id": "m1", "subject": "Hi", "receivedDateTime": "2026-11-20T09:00:00Z"},
...         {"id": "m2", "subject": "Old", "receivedDateTime": "2026-11-19T09:00:00Z"}]
>>> lines = "".join(json.dumps(row) + "\\n" for row in rows) + "{oops\\n"
>>> _ = (run / "part-0001.json").write_text("\\ufeff" + lines)  # a byte-order mark, then the lines
>>> source = LandingSource(root, max_error_ratio=0.5, quarantine_dir=root / "quarantine")
>>> request = ExtractRequest(get_dataset("Message_v1"), ("id", "subject"), "receivedDateTime",
...     TimeWindow.for_day(dt.date(2026, 11, 20)), Scope.everyone(), "tenant-1")
>>> extraction = source.extract(request)
>>> [batch.to_pylist()[0]["subject"] for batch in extraction]
['Hi']
>>> stats = extraction.stats
>>> stats.lines_read, stats.rows_yielded, stats.rows_out_of_window, stats.quarantined
(3, 1, 1, 1)
>>> record = json.loads(stats.quarantine_file.read_text())
>>> record["line"], record["offset"], record["error"]  # the offset counts the byte-order mark
(3, 152, 'not valid JSON: Expecting property name enclosed in double quotes at column 2')
>>> sorted(record)
['column', 'error', 'expected', 'file', 'line', 'object', 'offset', 'sha256']
"""

from mgdc_pipelines.sources.landing.encoding import UnsupportedEncodingError
from mgdc_pipelines.sources.landing.layout import DeliveryNotFoundError
from mgdc_pipelines.sources.landing.reader import NotJsonLinesError
from mgdc_pipelines.sources.landing.source import (
    LandingExtraction,
    LandingQualityError,
    LandingSource,
)
from mgdc_pipelines.sources.landing.stats import LandingStats
from mgdc_pipelines.sources.landing.store import (
    AzureDeliveryStore,
    DeliveryStore,
    LocalDeliveryStore,
)

__all__ = [
    "AzureDeliveryStore",
    "DeliveryStore",
    "LocalDeliveryStore",
    "DeliveryNotFoundError",
    "LandingExtraction",
    "LandingQualityError",
    "LandingSource",
    "LandingStats",
    "NotJsonLinesError",
    "UnsupportedEncodingError",
]
