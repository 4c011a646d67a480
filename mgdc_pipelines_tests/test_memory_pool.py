"""A copy allocates from a pool that returns freed memory, and leaves the caller's pool as it was."""

from __future__ import annotations

import datetime as dt
import threading

import pyarrow as pa
import pytest

from mgdc_pipelines.memory_pool import POOL_ENV_VAR, copy_memory_pool, returning_pool
from mgdc_pipelines.sinks import LocalSink
from mgdc_pipelines.sinks.base import PartitionRef
from mgdc_pipelines.sources.synthetic import SyntheticSource, TenantConfig
from mgdc_pipelines.spec import DEMO_SPEC_PATH, load_spec
from mgdc_pipelines.transfer import copy_partition, request_for


class PoolRecordingSource:
    """A real synthetic source that notes the default pool while it produces batches."""

    def __init__(self) -> None:
        self._source = SyntheticSource(TenantConfig(seed=42, users=40))  # the demo spec's tenant
        self.pools: set[str] = set()

    def extract(self, request):
        for batch in self._source.extract(request):
            self.pools.add(pa.default_memory_pool().backend_name)
            yield batch


def copy_users(tmp_path, source) -> int:
    app = load_spec(DEMO_SPEC_PATH)
    partition = PartitionRef("BasicDataSet_v0.User_v1", dt.date(2026, 11, 20), "sales")
    request = request_for(app, app.dataset("User_v1"), partition)
    return copy_partition(source, LocalSink(tmp_path), request, partition).rows


def test_a_copy_allocates_from_the_returning_pool_and_restores_the_callers(tmp_path, monkeypatch):
    monkeypatch.delenv(POOL_ENV_VAR, raising=False)
    # Any pool other than the one a copy uses, so the test sees the switch and the restore.
    callers = (
        pa.mimalloc_memory_pool() if returning_pool().backend_name == "system" else pa.system_memory_pool()
    )
    pa.set_memory_pool(callers)
    source = PoolRecordingSource()
    assert copy_users(tmp_path, source) > 0
    assert source.pools == {returning_pool().backend_name}
    assert pa.default_memory_pool().backend_name == callers.backend_name


def test_a_pool_chosen_with_the_environment_variable_is_kept(tmp_path, monkeypatch):
    monkeypatch.setenv(POOL_ENV_VAR, "system")
    pa.set_memory_pool(pa.system_memory_pool())
    source = PoolRecordingSource()
    copy_users(tmp_path, source)
    assert source.pools == {"system"}


def test_overlapping_copies_restore_the_callers_pool_when_the_last_one_ends(monkeypatch):
    monkeypatch.delenv(POOL_ENV_VAR, raising=False)
    callers = pa.default_memory_pool().backend_name
    first_entered, second_done = threading.Event(), threading.Event()
    seen_after_second: list[str] = []

    def first() -> None:
        with copy_memory_pool():
            first_entered.set()
            second_done.wait(timeout=10)
            seen_after_second.append(pa.default_memory_pool().backend_name)

    thread = threading.Thread(target=first)
    thread.start()
    assert first_entered.wait(timeout=10)
    with copy_memory_pool():
        pass
    second_done.set()
    thread.join()
    assert seen_after_second == [returning_pool().backend_name]
    assert pa.default_memory_pool().backend_name == callers


@pytest.fixture(autouse=True)
def _default_pool_restored():
    before = pa.default_memory_pool().backend_name
    yield
    pools = {"mimalloc": pa.mimalloc_memory_pool, "system": pa.system_memory_pool,
             "jemalloc": pa.jemalloc_memory_pool}
    pa.set_memory_pool(pools[before]())
