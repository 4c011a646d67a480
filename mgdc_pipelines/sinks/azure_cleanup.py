"""Attempt markers, and the rule that removes what crashed or superseded attempts left behind.

Every write attempt of the Azure sink owns the blobs whose names carry its 12-hex tag: its data
files ``<partition folder>/part-NNNNN-<tag>.<ext>`` (blobs only once the attempt publishes them;
until then they are staged blocks, which no listing shows) and its marker
``<prefix>/_attempts/<partition>/_attempt-<tag>.json`` (owner host, process id, start time). The
marker is written BEFORE the attempt stages anything and deleted AFTER its last action
(publishing and cleaning up, or deleting its files on abort); while the attempt runs it
re-uploads the marker every :data:`HEARTBEAT_INTERVAL`, so the marker's last-modified time (the
server's clock) is the attempt's last sign of life.

The rule, applied by :func:`remove_orphans` to one partition (its folder and its attempts folder):

1. list both folders' blobs and group them by attempt tag;
2. for each tag, read its marker NOW: an attempt whose marker is missing has finished (or never
   wrote anything), so it is not live; one whose marker is present is live unless
   :func:`~mgdc_pipelines.sinks.attempts.attempt_is_abandoned` says otherwise (its process ran
   on this host and is gone, or no heartbeat for ``STALE_ATTEMPT_AGE``);
3. read the manifest AFTER step 2: a committing attempt publishes its manifest before it deletes
   its marker, so if step 2 saw no marker, any manifest listing that attempt's files is already
   visible in step 3 and those files are kept;
4. delete the blobs of attempts that are not live, except files the manifest lists; markers last,
   so an interrupted cleanup is finished by the next one.

Nothing else is ever deleted: names without a tag (someone else's files) are left alone. A
marker an earlier version kept inside the partition folder belongs to a tag whose marker is
not in the attempts folder, so its attempt counts as finished and its leftovers go too (do not
run writers of both versions on one sink at once). Blocks that a crashed attempt staged but
never committed are no blob: no listing or reader sees them, and Azure discards them after
seven days.

>>> blob_tag("part-00002-0123456789ab.parquet"), blob_tag(marker_name("0123456789ab"))
('0123456789ab', '0123456789ab')
>>> blob_tag("notes.txt") is None
True
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import defaultdict
from collections.abc import Callable

from azure.core.exceptions import ResourceNotFoundError
from azure.storage.blob import ContainerClient

from mgdc_pipelines.sinks.attempts import attempt_is_abandoned
from mgdc_pipelines.sinks.azure_layout import BlobLayout
from mgdc_pipelines.sinks.base import PartitionRef
from mgdc_pipelines.sinks.layout import part_tag

HEARTBEAT_INTERVAL = dt.timedelta(minutes=10)  # far below STALE_ATTEMPT_AGE (24 h)
_MARKER_NAME = re.compile(r"_attempt-(?P<tag>[0-9a-f]{12})\.json")


def marker_name(tag: str) -> str:
    return f"_attempt-{tag}.json"


def marker_blob(layout: BlobLayout, partition: PartitionRef, tag: str) -> str:
    """The marker of attempt ``tag`` of ``partition``: in the attempts folder, outside the data."""
    return f"{layout.attempts_folder(partition)}/{marker_name(tag)}"


def blob_tag(name: str) -> str | None:
    """The attempt tag of a part file or a marker; None for any other name."""
    match = _MARKER_NAME.fullmatch(name)
    return match.group("tag") if match else part_tag(name)


def remove_orphans(
    container: ContainerClient,
    layout: BlobLayout,
    partition: PartitionRef,
    listed_files: Callable[[], set[str]],
) -> list[str]:
    """Apply the module's rule to ``partition``; ``listed_files()`` reads its current manifest
    (names in the partition folder). Returns the blob names deleted."""
    folder = layout.folder(partition)
    by_tag: dict[str, list[str]] = defaultdict(list)
    for prefix in (folder, layout.attempts_folder(partition)):
        for blob in container.list_blobs(name_starts_with=prefix + "/"):
            tag = blob_tag(blob.name[len(prefix) + 1 :])
            if tag is not None:
                by_tag[tag].append(blob.name)
    finished = [
        tag for tag in by_tag if not _attempt_is_live(container, marker_blob(layout, partition, tag))
    ]
    if not finished:
        return []
    keep = {f"{folder}/{name}" for name in listed_files()}  # read after the marker checks: step 3
    doomed = [
        name
        for tag in finished
        for name in sorted(by_tag[tag], key=lambda n: "/_attempt-" in n)  # markers last
        if name not in keep
    ]
    for name in doomed:
        delete_if_present(container, name)
    return doomed


def _attempt_is_live(container: ContainerClient, marker: str) -> bool:
    try:
        download = container.download_blob(marker)
        payload = download.readall()
    except ResourceNotFoundError:
        return False
    last_seen = download.properties.last_modified.timestamp()
    try:
        owner = json.loads(payload)
    except ValueError:
        owner = None
    # An unreadable marker says nothing about its process: only its age can prove it dead.
    return not attempt_is_abandoned(owner if isinstance(owner, dict) else {}, last_seen=last_seen)


def delete_if_present(container: ContainerClient, name: str) -> None:
    try:
        container.delete_blob(name)
    except ResourceNotFoundError:
        pass  # already gone, or only uncommitted blocks (Azure expires those itself)
