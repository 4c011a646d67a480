"""The activity-signal datasets: their shared shape, and that only MGDC serves them."""

from __future__ import annotations

import copy

import pyarrow as pa
import pytest
import yaml

from mgdc_pipelines.catalog import TIMESTAMP, Category, Mode, ScopeKind, get_dataset
from mgdc_pipelines.catalog.graph import NotOnGraphError, graph_endpoint
from mgdc_pipelines.spec import DEMO_SPEC_PATH, SpecError, parse_spec

OUTLOOK = ("OutlookContactActivity_v0", "OutlookMailActivity_v0", "OutlookMeetingActivity_v0")
TEAMS = ("TeamsChannelActivity_v0", "TeamsConversationActivity_v0")
SHARED = tuple("SignalType Id StartTime CreationTime EndTime ItemType AppName AadTenantId".split())
MEMBERS = pa.list_(pa.struct([("MemberId", pa.string()), ("Name", pa.string())]))


@pytest.mark.parametrize("name", OUTLOOK + TEAMS)
def test_signals_are_user_scoped_ranges_on_creation_time_with_only_puser_and_ptenant(name):
    dataset = get_dataset(name)
    assert dataset.scope is ScopeKind.USER and dataset.mode is Mode.RANGE
    assert dataset.category is Category.ACTIVITY
    assert dataset.date_filter_columns == ("CreationTime",)
    assert dataset.metadata_column_names == ("ptenant", "puser")
    assert dataset.column_names[:8] == SHARED
    assert all(dataset.column(c).type == TIMESTAMP for c in SHARED[2:5])


def test_the_outlook_signal_datasets_share_one_schema():
    names = [get_dataset(name).schema.remove_metadata() for name in OUTLOOK]
    own = ["ClientSessionId", "MailboxGuid", "TenantName", "OId", "ptenant", "puser"]
    assert names[0].names[8:] == own
    assert all(schema.equals(names[0]) for schema in names)


def test_teams_signals_carry_members_mentions_and_interactions_as_the_doc_samples_do():
    channel, conversation = (get_dataset(name) for name in TEAMS)
    for dataset in (channel, conversation):
        for column in ("MembersAdded", "MembersRemoved", "ThreadMembers"):
            assert dataset.column(column).type == MEMBERS
        assert dataset.column("TeamGroupId").type == pa.string()
    assert "PriorThreadName" in channel.column_names
    interaction = conversation.column("InteractionMetadata").type
    assert interaction.field("InteractionTargetEmails").type == pa.list_(pa.string())
    assert interaction.field("IsTruncated").type == pa.bool_()
    assert conversation.column("Mentions").type.value_type.names == ["DisplayName", "ObjectId"]


@pytest.mark.parametrize("name", OUTLOOK + TEAMS)
def test_graph_has_no_endpoint_for_a_signal_dataset(name):
    with pytest.raises(NotOnGraphError, match=f"{name} is not available from the Graph source"):
        graph_endpoint(get_dataset(name))


def test_a_graph_spec_asking_for_signals_is_refused_naming_each_dataset():
    raw = copy.deepcopy(yaml.safe_load(DEMO_SPEC_PATH.read_text()))
    raw["source"] = {"type": "graph", "client_secret_env": "MGDC_TEST_GRAPH_SECRET"}
    raw["datasets"] = [{"name": n, "date_filter_column": "CreationTime"} for n in OUTLOOK + TEAMS]
    raw.pop("downstream", None)
    with pytest.raises(SpecError) as error:
        parse_spec(yaml.safe_dump(raw, sort_keys=False), source="signals.yaml")
    problems = [str(problem) for problem in error.value.problems]
    assert len(problems) == len(OUTLOOK + TEAMS)
    for index, (name, problem) in enumerate(zip(OUTLOOK + TEAMS, problems)):
        assert problem.startswith(
            f"datasets[{index}].name: BasicDataSet_v0.{name} is not available from the Graph "
            "source; use the landing source"
        )
