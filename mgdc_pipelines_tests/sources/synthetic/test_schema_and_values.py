"""Every supported dataset: exact schema, and realistic values in every column."""

from __future__ import annotations

import pyarrow as pa
import pytest

from mgdc_pipelines.catalog import ScopeKind, get_dataset
from mgdc_pipelines.sources.synthetic import SyntheticSource
from mgdc_pipelines.sources.synthetic.datasets import GENERATORS, Unit
from mgdc_pipelines_tests.sources.synthetic.helpers import SUPPORTED, extract, request

# Fields MGDC itself leaves empty for the kind of rows the synthetic tenant produces.
ALWAYS = {"pAdditionalInfo", "rowinformation.errorInformation"}
MAY_BE_EMPTY = {
    "Message_v1": {"attachments.contentLocation"},
    "SentItem_v1": {"attachments.contentLocation"},
    # Event_v1 holds items, not occurrences; attachments of events carry no content id.
    "Event_v1": {
        "originalStart",
        "seriesMasterId",
        "attachments.contentId",
        "attachments.contentLocation",
    },
    # Occurrences and one-off events have no recurrence pattern.
    "CalendarView_v0": {"attachments.contentId", "attachments.contentLocation", "recurrence"},
    # Chat copies are never flagged, categorized or replied-to-elsewhere; shared files are links.
    "TeamChat_v1": {
        "ReplyTo",
        "Categories",
        "Flag.StartDateTime",
        "Flag.DueDateTime",
        "Flag.CompletedDateTime",
        "Attachments.ContentId",
        "Attachments.ContentLocation",
        "Attachments.ContentBytes",
    },
    "GroupDetails_v0": {"deletedDateTime"},
    # Nobody assigns To Do tasks or attaches files to them here.
    "TodoTasks_v0": {"AssignedTo", "Attachments"},
    # Posts go to the group only, nobody is @-mentioned, attachments are plain files.
    "OutlookGroupConversations_v0": {
        "CcRecipients",
        "ReplyTo",
        "MentionsPreview",
        "Attachments.contentId",
        "Attachments.contentLocation",
        "Attachments.contentBytes",
    },
    # Exchange leaves these empty for ordinary mailboxes (the doc's sample rows do too).
    "User_v0": {
        "ExternalEmailAddress", "OtherFax", "OtherHomePhone", "Pager", "PostOfficeBox",
        "SimpleDisplayName",
    },
    # Admins use the first extension attribute only; Azure AD sets no system labels here.
    **dict.fromkeys(
        ("OwnedDevices_v0", "RegisteredDevices_v0"),
        {"systemLabels", *(f"extensionAttributes.extensionAttribute{n}" for n in range(2, 16))},
    ),
    # Planner names identities by id only; teams use their plan's first three labels.
    "PlannerTasks_v0": {
        "createdBy.application.displayName",
        "createdBy.user.displayName",
        *(f"appliedCategories.category{n}" for n in range(4, 25)),
    },
    "TeamChat_v2": {"ReplyTo", "Flag.StartDateTime", "Flag.DueDateTime", "Flag.CompletedDateTime",
                    "Attachments.ContentId", "Attachments.ContentLocation", "Attachments.ContentBytes"},
    "TeamsChannelDetails_v0": {"email"},  # MGDC writes "": channel email addresses are off by default
    # Group mailbox copies of channel posts: never flagged, replied-to elsewhere or with files.
    "TeamsStandardChannelMessages_v0": {"ReplyTo", "Attachments", "Flag.StartDateTime",
                                        "Flag.DueDateTime", "Flag.CompletedDateTime"},
    # Channel signals: renames, removals and departures are not modelled; people join the
    # tenant's teams too rarely for three days of a small tenant to hold an AddToChannel.
    "TeamsChannelActivity_v0": {
        "PriorThreadName", "MembersAdded", "MembersRemoved", "ThreadMembers",
    },
    # Conversation signals: group chat and team membership changes are not modelled.
    "TeamsConversationActivity_v0": {"MembersAdded", "MembersRemoved", "ThreadMembers"},
}


def test_every_catalog_dataset_the_brief_names_is_supported():
    assert set(SUPPORTED) <= set(SyntheticSource.supported_datasets())


@pytest.mark.parametrize("name", SUPPORTED)
def test_batches_have_exactly_the_output_schema(source, name):
    req = request(name, batch_rows=64)
    batches = list(source.extract(req))
    assert batches, f"{name}: no rows"
    for batch in batches:
        assert batch.schema.equals(req.output_schema, check_metadata=True)
        assert 0 < batch.num_rows <= 64


@pytest.mark.parametrize("name", SUPPORTED)
def test_a_column_subset_gets_exactly_that_subset_in_catalog_order(source, name):
    dataset = get_dataset(name)
    wanted = list(reversed(dataset.column_names[1:4]))  # asked out of order
    req = request(name, columns=wanted)
    table = extract(source, req)
    assert table.schema.names == [
        *sorted(wanted, key=dataset.column_names.index),
        *dataset.metadata_column_names,
    ]
    assert table.num_rows > 0


@pytest.mark.parametrize("name", SUPPORTED)
def test_every_column_and_nested_field_is_filled_in_some_rows(source, name):
    dataset = get_dataset(name)
    days = 3 if dataset.date_filter_columns or name == "CalendarView_v0" else 1
    table = extract(source, request(name, days=days))
    allowed = ALWAYS | MAY_BE_EMPTY.get(name, set())
    empty = [
        path
        for path in leaf_paths(table)
        if not any(path == a or path.startswith(a + ".") for a in allowed)
        and not has_values(table, path)
    ]
    assert not empty, f"{name}: never filled: {empty}"


def leaf_paths(table: pa.Table) -> list[str]:
    def walk(arrow_type: pa.DataType, path: str):
        if pa.types.is_struct(arrow_type):
            for field in arrow_type:
                yield from walk(field.type, f"{path}.{field.name}")
        elif pa.types.is_list(arrow_type):
            yield from walk(arrow_type.value_type, path)
        else:
            yield path

    return [leaf for field in table.schema for leaf in walk(field.type, field.name)]


def has_values(table: pa.Table, path: str) -> bool:
    """Whether some row has a non-null (and, for text, non-empty) value at a nested path."""
    head, *rest = path.split(".")
    array = table.column(head).combine_chunks()
    for name in rest:
        array = _unlist(array)
        array = array.flatten()[array.type.get_field_index(name)]  # respects parent nulls
    array = _unlist(array)
    if pa.types.is_string(array.type):
        return any(value for value in array.to_pylist())
    return array.null_count < len(array)


def _unlist(array: pa.Array) -> pa.Array:
    while pa.types.is_list(array.type):
        array = array.flatten()
    return array


def test_metadata_columns_follow_mgdc(source):
    table = extract(source, request("Message_v1", days=3))
    rows = table.select(
        ["puser", "userrow", "datarow", "pagerow", "ptenant", "rowinformation"]
    ).to_pylist()
    seen: dict[str, int] = {}
    for row in rows:
        expected = seen.get(row["puser"], 0)
        assert row["userrow"] == row["datarow"] == expected
        assert row["pagerow"] == expected % 50
        seen[row["puser"]] = expected + 1
        assert row["rowinformation"] == {
            "errorInformation": None,
            "userReturnedNoData": False,
            "isUserSummaryRow": False,
            "userHasCompleteData": False,
        }
    assert max(seen.values()) > 50  # some mailbox spans more than one MGDC page


def test_each_generator_works_on_the_unit_its_catalog_scope_implies():
    # Room mailboxes are user-scoped in MGDC (Room-type users), but no user of the tenant.
    expected = {ScopeKind.USER: {Unit.USER, Unit.ROOM}, ScopeKind.GROUP: {Unit.GROUP}, ScopeKind.NONE: {Unit.TENANT}}
    for name, generator in GENERATORS.items():
        assert generator.unit in expected[get_dataset(name).scope], name
