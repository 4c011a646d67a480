"""Attack 5: clear personal data outside the sink.

The attacker writes the spec (never an admin) and wants row values somewhere the grant does not
reach: the quarantine, the run's events and metadata, the logs, the exception. Their delivery
for Message_v1 holds lines that fail in every way a line can fail, each carrying a sentinel
address and a sentinel HTML body in ``uniqueBody`` (a column the grant does not include, which
the attacker's spec asks for anyway). The copy runs through Dagster on a real instance, once
with few enough bad lines to succeed and once with too many (``LandingQualityError``). Then
the sentinels must be nowhere but in the sink's granted columns.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import stat
import traceback
from pathlib import Path

import dagster as dg
import pyarrow.dataset as pads
import pytest
from dagster_shared.serdes import serialize_value

from mgdc_pipelines.defs import build_defs, build_mgdc_assets
from mgdc_pipelines.sources.landing import LandingSource
from mgdc_pipelines_tests.conftest import demo_spec_dict, scoped_instance
from mgdc_pipelines_tests.defs.test_assets_landing import full_request, write_delivery
from mgdc_pipelines_tests.sources.landing.helpers import extract, quarantined, request

DAY = dt.date(2026, 11, 20)
ADDRESS = "felix.baker.zq7sentinel@contoso.example"
HTML = "<html><body><p>Salary review for Felix: qx9bodysentinel</p></body></html>"
# Fragments: a value shortened to its first characters is still caught.
NEEDLES = ("zq7sent", "qx9body")
RECEIVED = f"{DAY}T09:00:00Z"
TENANT = demo_spec_dict()["app"]["tenant_id"]


def recipients(address: object) -> list[dict]:
    return [{"emailAddress": {"name": "Felix Baker", "address": address}}]


def row(number: int, **values: object) -> dict:
    """A Message_v1 row of the app's tenant carrying the sentinel body (and address)."""
    return {
        "id": f"attack-{number}",
        "ptenant": TENANT,  # rows of another tenant (or of none) never reach the sink at all
        "receivedDateTime": RECEIVED,
        "toRecipients": recipients(ADDRESS),
        "uniqueBody": {"contentType": "html", "content": HTML},
        **values,
    }


def line(values: dict) -> bytes:
    return json.dumps(values).encode() + b"\n"


# Every way a line can fail, each with the sentinels in it (the values named in each case ARE
# the sentinels, or sit next to the broken part).
BAD_LINES = {
    "invalid JSON": line(row(1))[:-40] + b"\n",
    "not UTF-8": line(row(2)).replace(b"zq7sentinel", b"zq7sentinel\xff"),
    "a JSON string, not an object": json.dumps(ADDRESS).encode() + b"\n",
    "the sentinel as a repeated key": f'{{"{ADDRESS}": 1, "{ADDRESS}": 2}}\n'.encode(),
    "the sentinel where a boolean goes": line(row(3, isRead=ADDRESS)),
    "the sentinel where an array goes": line(row(4, toRecipients=ADDRESS)),
    "the sentinel where a struct goes": line(row(5, **{"from": ADDRESS})),
    "an array where a nested string goes": line(row(6, toRecipients=recipients([ADDRESS]))),
    "a struct where a string goes": line(row(7, subject={"text": ADDRESS, "html": HTML})),
    "the sentinel where a timestamp goes": line(row(8, sentDateTime=ADDRESS)),
    "an unparseable date next to the sentinel": line(row(9, receivedDateTime="20/11/2026 09:00")),
    "the sentinel as the row date": line(row(10, receivedDateTime=ADDRESS)),
    "a date without offset next to the sentinel": line(row(11, receivedDateTime=f"{DAY}T09:00:00")),
    "an object as the row date": line(row(12, receivedDateTime={"value": ADDRESS})),
    "the sentinel as an integer": line(row(13, datarow=ADDRESS)),
}
# Lines that are copied, though they carry the sentinels where nothing may show them: as keys
# (dropped and counted), and as the body the grant does not include (dropped).
GOOD_LINES = [
    line({**row(20), ADDRESS: "x"}),
    line(row(21, sender={"emailAddress": {"name": "F", ADDRESS: "x"}})),
    line(row(22, uniqueBody=HTML)),  # not even the right type: it is not read at all
]


def attacker_spec(small_spec_factory, tmp_path: Path, max_error_ratio: float):
    """Approved on the demo's Message_v1 columns; then the attacker adds uniqueBody to the spec."""

    def use_landing(raw: dict) -> None:
        raw["source"] = {
            "type": "landing",
            "path": str(tmp_path / "landing"),
            "quarantine_dir": str(tmp_path / "quarantine"),
            "max_error_ratio": max_error_ratio,
        }
        raw["scopes"] = {"all": "all"}

    def grow(raw: dict) -> None:
        use_landing(raw)
        raw["datasets"][0]["columns"].append("uniqueBody")

    small_spec_factory(use_landing)
    return small_spec_factory(grow, approved=False)


def deliver(app, tmp_path: Path) -> None:
    folder = tmp_path / "landing" / "BasicDataSet_v0.Message_v1" / DAY.isoformat()
    write_delivery(folder, full_request(app, "Message_v1", DAY), parts=2)
    for attack in (*BAD_LINES.values(), *GOOD_LINES):
        assert any(needle.encode() in attack for needle in NEEDLES)
    with open(folder / "part-0002.json", "ab") as stream:
        stream.write(b"".join([*BAD_LINES.values(), *GOOD_LINES]))


def materialize(app, *, raise_on_error: bool = False):
    """Run the copy on a real instance; the run's events, and the instance's files as bytes."""
    [asset] = [a for a in build_mgdc_assets(app) if a.key.path[-1] == "Message_v1"]
    error = None
    with scoped_instance(app) as instance:
        try:
            result = dg.materialize(
                [asset], instance=instance, resources=dict(build_defs(app).resources),
                partition_key=f"{DAY}|all", raise_on_error=raise_on_error,
            )
        except Exception as raised:  # noqa: BLE001 (the attacker's run is expected to fail)
            result, error = None, raised
        [run] = instance.get_runs()
        events = [serialize_value(entry) for entry in instance.all_logs(run.run_id)]
        stored = [path.read_bytes() for path in Path(instance.root_directory).rglob("*") if path.is_file()]
    return result, error, events, stored


def assert_no_sentinel(where: str, text: str | bytes) -> None:
    for needle in NEEDLES:
        found = needle.encode() in text if isinstance(text, bytes) else needle in text
        assert not found, f"{needle!r} leaked into {where}"


def assert_nothing_outside_the_sink(app, tmp_path, events, stored, capfd, caplog) -> None:
    for event in events:
        assert_no_sentinel("a Dagster event of the run", event)
    for content in stored:
        assert_no_sentinel("the Dagster instance's storage", content)
    captured = capfd.readouterr()
    assert_no_sentinel("stdout", captured.out)
    assert_no_sentinel("stderr", captured.err)
    assert_no_sentinel("the log records", caplog.text)
    outside = [
        path for path in tmp_path.rglob("*")
        if path.is_file() and not path.is_relative_to(tmp_path / "landing")
        and not path.is_relative_to(app.sink.resolved_path())
    ]
    for path in outside:
        assert_no_sentinel(str(path), path.read_bytes())


def assert_quarantine_records_where_not_what(tmp_path: Path) -> None:
    folder = tmp_path / "quarantine" / "BasicDataSet_v0.Message_v1"
    [path] = folder.iterdir()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(folder.stat().st_mode) == stat.S_IMODE(folder.parent.stat().st_mode) == 0o700
    records = [json.loads(text) for text in path.read_text().splitlines()]
    [delivered] = (tmp_path / "landing").rglob("part-0002.json")
    data = delivered.read_bytes()
    found = []
    for record in records:
        assert set(record) == {"file", "line", "object", "offset", "error", "column", "expected", "sha256"}
        assert record["file"] == str(delivered)
        found.append(data[record["offset"]:].split(b"\n", 1)[0] + b"\n")  # what an operator seeks to
        assert record["sha256"] == hashlib.sha256(found[-1][:-1]).hexdigest()
    assert sorted(found) == sorted(BAD_LINES.values())
    by_column = {record["column"]: record["expected"] for record in records if record["column"]}
    assert by_column["isRead"] == "boolean" and by_column["toRecipients"] == "array"
    assert by_column["toRecipients[0].emailAddress.address"] == "string"
    assert by_column["subject"] == "string" and by_column["receivedDateTime"] == "timestamp"


def test_a_partition_with_a_few_bad_lines_copies_without_clear_data_outside_the_sink(
    small_spec_factory, tmp_path, capfd, caplog
):
    app = attacker_spec(small_spec_factory, tmp_path, max_error_ratio=0.5)
    deliver(app, tmp_path)

    result, _, events, stored = materialize(app)

    assert result.success
    [event] = [e.materialization for e in result.get_asset_materialization_events()]
    assert event.metadata["landing/quarantined"].value == len(BAD_LINES)
    assert event.metadata["landing/unknown_keys"].value == {
        "<not a property name>": 1, "sender.emailAddress.<not a property name>": 1,
    }
    assert event.metadata["consent/refused_columns"].value == ["uniqueBody"]
    assert_quarantine_records_where_not_what(tmp_path)
    assert_nothing_outside_the_sink(app, tmp_path, events, stored, capfd, caplog)
    # In the sink: the granted columns of the good lines, and never the body nobody granted.
    table = pads.dataset(app.sink.resolved_path() / "BasicDataSet_v0.Message_v1", format="parquet").to_table()
    copied = {row["id"]: row for row in table.to_pylist() if row["id"].startswith("attack-")}
    assert sorted(copied) == ["attack-20", "attack-21", "attack-22"]
    assert "uniqueBody" not in table.column_names and "qx9body" not in str(table.to_pylist())


def test_a_partition_with_too_many_bad_lines_fails_without_clear_data_anywhere(
    small_spec_factory, tmp_path, capfd, caplog
):
    app = attacker_spec(small_spec_factory, tmp_path, max_error_ratio=0.001)
    deliver(app, tmp_path)

    _, error, events, stored = materialize(app, raise_on_error=True)

    assert error is not None
    text = "".join(traceback.format_exception(error))
    assert "LandingQualityError" in text and f"{len(BAD_LINES)} of " in text
    assert_no_sentinel("the exception", text)
    assert any("LandingQualityError" in event for event in events)
    assert_quarantine_records_where_not_what(tmp_path)
    assert_nothing_outside_the_sink(app, tmp_path, events, stored, capfd, caplog)
    assert not (app.sink.resolved_path() / "BasicDataSet_v0.Message_v1").exists()


@pytest.mark.parametrize("case", sorted(BAD_LINES))
def test_each_bad_line_is_quarantined_with_a_reason_that_names_no_value(case, tmp_path):
    folder = tmp_path / "landing" / "BasicDataSet_v0.Message_v1"
    folder.mkdir(parents=True)
    (folder / "part.json").write_bytes(BAD_LINES[case])
    source = LandingSource(tmp_path / "landing", max_error_ratio=1, quarantine_dir=tmp_path / "q")
    _, extraction = extract(source, request("Message_v1"))
    [record] = quarantined(extraction)
    assert record["line"] == 1 and record["offset"] == 0 and record["error"]
    assert_no_sentinel(f"the quarantine record of {case}", json.dumps(record))
