"""Checks on a committed partition report what is wrong by column and count, never the values
they found (those become check metadata and the suspension reason)."""

from __future__ import annotations

import datetime as dt
import shutil

import pyarrow as pa
import pytest

from mgdc_pipelines.catalog import get_dataset
from mgdc_pipelines.consent.scrubbing import DeniedPeople
from mgdc_pipelines.consent.transforms import hash_array
from mgdc_pipelines.consent.verify import CHECKS, SCOPE_COMPLIANCE, WrittenPartition, verify_partition
from mgdc_pipelines.sinks.base import PartitionRef
from mgdc_pipelines.sinks.local import LocalSink

MESSAGE = get_dataset("Message_v1")
TENANT = "00000000-0000-0000-0000-0000000000aa"
ALLOWED_USER = "00000000-0000-0000-0000-000000000001"
FOREIGN_TENANTS = [f"foreign-tenant-{n}-felix.baker.sentinel" for n in range(7)]
OUTSIDERS = [f"outsider-{n}-felix.baker.sentinel" for n in range(3)]


def committed(tmp_path, rows: list[dict], fmt: str = "parquet") -> tuple[LocalSink, PartitionRef]:
    sink = LocalSink(tmp_path / "data", format=fmt)
    partition = PartitionRef(MESSAGE.name, dt.date(2026, 11, 20), "sales")
    schema = MESSAGE.output_schema(["subject"])
    writer = sink.open_partition(partition, schema)
    writer.write(pa.RecordBatch.from_pylist(rows, schema=schema))
    writer.commit()
    return sink, partition


def test_rows_of_other_tenants_and_scopes_are_counted_by_column_not_listed(tmp_path):
    rows = [{"subject": "ok", "ptenant": TENANT, "puser": ALLOWED_USER}]
    rows += [{"subject": "x", "ptenant": tenant, "puser": ALLOWED_USER} for tenant in FOREIGN_TENANTS]
    rows += [{"subject": "y", "ptenant": TENANT, "puser": user} for user in OUTSIDERS * 2]
    sink, partition = committed(tmp_path, rows)
    written = WrittenPartition(
        partition, MESSAGE, frozenset({"subject"}), frozenset(), frozenset(), TENANT,
        frozenset({ALLOWED_USER}),
    )

    problems = verify_partition(sink, written)[SCOPE_COMPLIANCE]

    assert problems == [
        f"column 'ptenant' holds 7 other tenant id(s) (expected only {TENANT})",
        "column 'puser' holds 3 value(s) outside the authorized scope",
    ]
    assert "sentinel" not in repr(problems)


@pytest.mark.parametrize("fmt", ["mgdc-jsonl", "parquet"])
def test_a_committed_file_that_cannot_be_read_back_fails_every_check_without_its_content(tmp_path, fmt):
    sink, partition = committed(tmp_path, [{"subject": "ok", "ptenant": TENANT, "puser": ALLOWED_USER}], fmt)
    [part] = sink.committed_files(partition)
    part.write_text('{"subject": "felix.baker.sentinel", "ptenant": ')  # corrupt, or tampered with
    written = WrittenPartition(
        partition, MESSAGE, frozenset({"subject"}), frozenset(), frozenset(), TENANT, frozenset({ALLOWED_USER}),
    )

    problems = verify_partition(sink, written)

    assert problems == {check: ["its committed files cannot be read back (ArrowInvalid)"] for check in CHECKS}


@pytest.mark.parametrize("fmt", ["mgdc-jsonl", "parquet"])
@pytest.mark.parametrize("planted", ["part file", "partition folder"])
def test_a_link_planted_in_a_committed_partition_fails_every_check_naming_it(
    tmp_path, fmt, planted
):
    """The checks must read the files written: a part file planted as a link to a file outside
    the sink (here: a clean one, that would pass), or the partition folder swapped for a link to
    a clean copy, is refused by the sink's reads, and every check fails naming the link."""
    clean = [{"subject": "felix.baker.sentinel", "ptenant": TENANT, "puser": ALLOWED_USER}]
    foreign = [{"subject": "x", "ptenant": "foreign", "puser": "x"}]
    sink, partition = committed(tmp_path, foreign, fmt)
    elsewhere, _ = committed(tmp_path / "elsewhere", clean, fmt)
    [clean_file] = elsewhere.committed_files(partition)
    folder = sink.partition_path(partition)
    if planted == "part file":
        link, target = folder / f"part-99999-0123456789ab{sink.format.extension}", clean_file
    else:
        shutil.rmtree(folder)
        link, target = folder, clean_file.parent
    link.symlink_to(target)
    written = WrittenPartition(
        partition, MESSAGE, frozenset({"subject"}), frozenset(), frozenset(), TENANT,
        frozenset({ALLOWED_USER}),
    )

    problems = verify_partition(sink, written)

    assert set(problems) == set(CHECKS)
    for check in CHECKS:
        [problem] = problems[check]
        assert problem.startswith(
            f"its committed files cannot be read back: refusing to read through {link}: "
            f"it really points to {target}"
        )
        assert "sentinel" not in problem


def test_a_committed_partition_of_which_nothing_reads_back_fails_every_check(tmp_path):
    """Checks that find nothing to check must not pass: the files vanished after the commit
    (or, on Delta, the version the commit made cannot be opened)."""
    sink, partition = committed(tmp_path, [{"subject": "ok", "ptenant": TENANT, "puser": ALLOWED_USER}])
    for part in sink.committed_files(partition):
        part.unlink()
    written = WrittenPartition(
        partition, MESSAGE, frozenset({"subject"}), frozenset(), frozenset(), TENANT, frozenset({ALLOWED_USER}),
    )

    problems = verify_partition(sink, written)

    assert problems == {check: ["nothing of it reads back from the sink"] for check in CHECKS}


def test_rows_involving_the_deny_list_are_counted_without_naming_anyone(tmp_path):
    """The deny list is proven on the written data: a row that still involves a member (as the
    mailbox owner, or among the recipients) fails scope_compliance; a hashed column holds no
    address to compare, and without the hashes of the deny list's addresses it is not read."""
    sink = LocalSink(tmp_path / "data")
    partition = PartitionRef(MESSAGE.name, dt.date(2026, 11, 20), "all")
    columns = ["subject", "toRecipients", "sender"]
    schema = MESSAGE.output_schema(columns)

    def row(owner: str, to: str, sender: str = "a@contoso.com") -> dict:
        return {"subject": "s", "toRecipients": [{"emailAddress": {"name": "n", "address": to}}],
                "sender": {"emailAddress": {"name": "n", "address": sender}},
                "ptenant": TENANT, "puser": owner}

    denied_user = OUTSIDERS[0]
    rows = [row(ALLOWED_USER, "b@contoso.com"), row(denied_user.upper(), "b@contoso.com"),
            row(ALLOWED_USER, "Eve.Sentinel@Contoso.com"),
            row(ALLOWED_USER, "b@contoso.com", sender="eve.sentinel@contoso.com")]
    writer = sink.open_partition(partition, schema)
    writer.write(pa.RecordBatch.from_pylist(rows, schema=schema))
    writer.commit()
    denied = DeniedPeople(frozenset({denied_user}), frozenset({"eve.sentinel@contoso.com"}))

    def problems(hashed: frozenset[str]) -> list[str]:
        written = WrittenPartition(partition, MESSAGE, frozenset(columns), hashed, frozenset(),
                                   TENANT, None, denied=denied)
        return verify_partition(sink, written)[SCOPE_COMPLIANCE]

    assert problems(frozenset()) == [
        "3 row(s) involve a member of the deny list (read: puser, sender, toRecipients)"
    ]
    assert problems(frozenset({"sender"})) == [
        "2 row(s) involve a member of the deny list (read: puser, toRecipients)"
    ]
    assert "sentinel" not in repr(problems(frozenset()))


def test_a_deny_listed_person_is_found_in_a_hashed_address_column_by_the_hash_of_their_address(
    tmp_path,
):
    """A hashed column holds no address, but the check holds the key's hashes of the deny
    list's addresses: a written row whose hashed sender or recipient is one of them fails
    scope_compliance, counted without the address or its hash."""
    key = b"a-test-key-of-at-least-16-bytes"
    sink = LocalSink(tmp_path / "data")
    partition = PartitionRef(MESSAGE.name, dt.date(2026, 11, 20), "all")
    columns = ["subject", "toRecipients", "sender"]
    schema = MESSAGE.output_schema(columns)

    def row(to: str, sender: str) -> dict:
        return {"subject": "s", "toRecipients": [{"emailAddress": {"name": "n", "address": to}}],
                "sender": {"emailAddress": {"name": "n", "address": sender}},
                "ptenant": TENANT, "puser": ALLOWED_USER}

    clear = pa.RecordBatch.from_pylist(
        [row("b@contoso.com", "a@contoso.com"), row("b@contoso.com", " Eve.Sentinel@Contoso.com"),
         row("eve.sentinel@contoso.com", "a@contoso.com"),
         row("eve.sentinel@contoso.com", "eve.sentinel@contoso.com")],
        schema=schema,
    )
    hashed_sender = hash_array(key, clear.column("sender"))
    batch = clear.set_column(schema.get_field_index("sender"), "sender", hashed_sender)
    writer = sink.open_partition(partition, schema)
    writer.write(batch)
    writer.commit()
    denied = DeniedPeople(addresses=frozenset({"eve.sentinel@contoso.com"}))

    def problems(denied_hashed: DeniedPeople) -> list[str]:
        written = WrittenPartition(partition, MESSAGE, frozenset(columns), frozenset({"sender"}),
                                   frozenset(), TENANT, None, denied=denied,
                                   denied_hashed=denied_hashed)
        return verify_partition(sink, written)[SCOPE_COMPLIANCE]

    found = problems(denied.hashed(key))
    assert found == [
        "3 row(s) involve a member of the deny list (read: puser, toRecipients; hashed: sender)"
    ]
    assert not any(digest in repr(found) for digest in denied.hashed(key).addresses)
    # Without the hashes (no key), only the clear columns are compared: recipients alone.
    assert problems(DeniedPeople()) == [
        "2 row(s) involve a member of the deny list (read: puser, toRecipients)"
    ]
    # The hashes of another key (another deployment's, a guessed one) match nothing hashed.
    other_key = denied.hashed(b"another-key-of-at-least-16-bytes")
    assert problems(other_key) == [
        "2 row(s) involve a member of the deny list (read: puser, toRecipients; hashed: sender)"
    ]
