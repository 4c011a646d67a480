"""The Delta log reader: what the sink's withdrawals rely on beyond the withdrawal tests."""

from __future__ import annotations

import pytest

from mgdc_pipelines.sinks.base import PartitionRef
from mgdc_pipelines.sinks.delta import DeltaSink, partition_folder
from mgdc_pipelines.sinks.delta_log import LOG_FOLDER, UnreadableDeltaLogError, removed_files
from mgdc_pipelines_tests.sinks.helpers import (  # noqa: F401  (delta_sink, make_sink: fixtures)
    PARTITION,
    batch,
    delta_sink,
    make_sink,
    write,
)

DATASET = PARTITION.dataset


def test_list_files_names_a_folders_own_files_not_its_sub_folders(delta_sink):
    sink = delta_sink()
    write(sink, PARTITION, batch("a", 1))
    write(sink, PARTITION, batch("b", 1))

    assert sink.storage.list_files(DATASET, LOG_FOLDER)[:2] == [
        "00000000000000000000.json", "00000000000000000001.json"
    ]
    date_folder = partition_folder(PARTITION).split("/")[0]  # holds only the scope's folder
    assert sink.storage.list_files(DATASET, date_folder) == []
    assert sink.storage.list_files(DATASET, "no-such-folder") == []


def test_removed_files_names_only_the_folders_files_the_log_removed(tmp_path):
    sink = DeltaSink.local(tmp_path)
    first = write(sink, PARTITION, batch("a", 1))
    write(sink, PartitionRef(DATASET, PARTITION.date, "sales"), batch("s", 1))  # not removed
    write(sink, PARTITION, batch("b", 1))

    removed = removed_files(sink.storage, DATASET, folder=partition_folder(PARTITION))

    assert [sink.storage.uri(DATASET, path) for path in removed] == list(first.files)


def test_a_v2_checkpoint_is_refused_by_name_rather_than_read_in_part(tmp_path):
    sink = DeltaSink.local(tmp_path)
    write(sink, PARTITION, batch("a", 1))
    name = "00000000000000000000.checkpoint.3a0d65cd-4056-49b8-937b-95f9e3ee90e5.json"
    (sink.storage.root / DATASET / LOG_FOLDER / name).write_text("{}\n")

    with pytest.raises(UnreadableDeltaLogError, match=f"{LOG_FOLDER}/{name} is a V2 checkpoint"):
        removed_files(sink.storage, DATASET, folder=partition_folder(PARTITION))
