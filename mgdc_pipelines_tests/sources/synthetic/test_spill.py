"""Days of traffic evicted from memory are read back from disk, not made again; the spill stays
within its bytes, survives a full disk and a fork, and never changes a row."""

from __future__ import annotations

import datetime as dt
import os
import resource
import signal
import tempfile
import threading

from mgdc_pipelines.sources.synthetic import SyntheticTenant, TenantConfig
from mgdc_pipelines.sources.synthetic.activity.mail import MailModel
from mgdc_pipelines.sources.synthetic.spill import MISSING, Spill

DAY = dt.datetime(2026, 11, 18, tzinfo=dt.timezone.utc)


class CountingMailModel(MailModel):
    """Counts how often each (originator, day) of traffic is made."""

    def __init__(self, tenant: SyntheticTenant, cache_size: int) -> None:
        super().__init__(tenant, cache_size)
        self.made: list[tuple[int, dt.date]] = []

    def _threads_started_by(self, originator, day):
        self.made.append((originator, day))
        return super()._threads_started_by(originator, day)


def every_mailbox(model: MailModel, tenant: SyntheticTenant) -> list[list[tuple]]:
    return [
        [m.key for m in model.mailbox_messages(user, DAY, DAY + dt.timedelta(days=1))]
        for user in tenant.users
        if user.is_valid
    ]


def test_a_day_of_traffic_is_made_once_however_small_the_cache_and_the_mail_is_the_same():
    tenant = SyntheticTenant(TenantConfig(seed=11, users=150))
    roomy, tight = CountingMailModel(tenant, 100_000), CountingMailModel(tenant, cache_size=4)

    assert every_mailbox(tight, tenant) == every_mailbox(roomy, tenant)
    assert len(tight.made) == len(set(tight.made)) == len(set(roomy.made))


def test_values_come_back_equal_and_unknown_keys_are_missing():
    spill = Spill()
    value = {"to": ("a@contoso.com", None), "when": DAY}
    spill.keep(("mail", 3), value)
    spill.keep(("mail", 3), "ignored: the key is spilled already and values are pure")

    assert spill.find(("mail", 3)) == value
    assert spill.find(("mail", 4)) is MISSING
    assert len(spill) == 1


def test_past_its_bytes_the_spill_starts_afresh():
    spill = Spill(max_bytes=3 << 20)  # past the first write to the file too
    for key in range(5):
        spill.keep(key, "x" * (1 << 20))

    found = [spill.find(key) is not MISSING for key in range(5)]
    assert found[-1] and not all(found)
    assert f"of at most {3 << 20})" in repr(spill)


def test_a_spill_takes_at_most_half_of_the_disks_free_space():
    spill = Spill(max_bytes=1 << 50)
    spill.keep("key", "value")
    stats = os.statvfs(tempfile.gettempdir())

    at_most = int(repr(spill).rsplit("at most ", 1)[1].rstrip(")"))
    assert 0 < at_most <= (stats.f_bavail * stats.f_frsize) // 2 + (1 << 20)


def test_a_full_disk_stops_spilling_and_nothing_fails():
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # a file-size limit makes the disk "full" for this process only
        os.close(read)
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (300_000, 300_000))
        spill = Spill()
        spill.keep("small", "x" * 10)
        for number in range(12):  # the first large write (a mebibyte) fails: EFBIG
            spill.keep(number, "x" * 100_000)
        spill.keep("after", "x" * 10)
        outcome = [spill.find(key) is MISSING for key in ("small", 3, "after")]
        os.write(write, repr((outcome, len(spill))).encode())
        os._exit(0)
    os.close(write)
    outcome = os.read(read, 100).decode()
    os.waitpid(child, 0)
    assert outcome == "([True, True, True], 0)"


def test_a_forked_child_neither_reads_nor_writes_its_parents_file():
    spill = Spill()
    spill.keep("parent", "the parent's value")
    read, write = os.pipe()
    child = os.fork()
    if child == 0:
        os.close(read)
        seen = spill.find("parent")
        spill.keep("child", "the child's value")
        os.write(write, repr((seen is MISSING, spill.find("child"))).encode())
        os._exit(0)
    os.close(write)
    seen_by_child = os.read(read, 200).decode()
    os.waitpid(child, 0)

    assert seen_by_child == "(True, \"the child's value\")"
    assert spill.find("parent") == "the parent's value"
    assert spill.find("child") is MISSING


def test_two_keys_of_one_hash_never_get_each_others_value():
    spill = Spill()
    spill.keep(-1, "minus one's value")  # hash(-1) == hash(-2) in CPython
    spill.keep(-2, "minus two's value")

    assert hash(-1) == hash(-2)
    assert spill.find(-1) == "minus one's value"
    assert spill.find(-2) is MISSING  # made again by its cache, never answered with -1's


def test_threads_share_one_spill():
    spill = Spill()
    errors = []

    def work(offset: int) -> None:
        for key in range(offset, offset + 200):
            spill.keep(key, ("value", key))
        for key in range(offset, offset + 200):
            if spill.find(key) != ("value", key):
                errors.append(key)

    threads = [threading.Thread(target=work, args=(n * 1000,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and len(spill) == 800
