"""Parity: for the same tenant and partition, Graph (through the emulator) and the synthetic source agree.

Every Graph dataset, for the whole organization and for one group scope, row for row (ignoring
order), metadata columns included: the Graph source stamps them as MGDC does.
"""

from __future__ import annotations

import pytest

from mgdc_pipelines.catalog.graph import graph_datasets
from mgdc_pipelines.sources.base import Scope
from mgdc_pipelines_tests.sources.graph.conftest import request_for, sorted_rows


@pytest.fixture(scope="module")
def sales(tenant) -> Scope:
    return Scope("sales", (tenant.group_by_nickname["sales"].id,))


@pytest.mark.parametrize("dataset", graph_datasets())
def test_graph_and_synthetic_give_the_same_rows_for_the_whole_organization(dataset, graph, synthetic):
    request = request_for(dataset)
    expected = sorted_rows(synthetic.extract(request), request.output_schema)
    actual = sorted_rows(graph.extract(request), request.output_schema)
    assert expected, f"{dataset}: the synthetic tenant has no rows that day; the test would prove nothing"
    assert actual == expected


@pytest.mark.parametrize("dataset", graph_datasets())
def test_graph_and_synthetic_give_the_same_rows_for_a_group_scope(dataset, graph, synthetic, sales):
    request = request_for(dataset, sales)
    expected = sorted_rows(synthetic.extract(request), request.output_schema)
    assert sorted_rows(graph.extract(request), request.output_schema) == expected


def test_a_column_subset_reads_only_those_columns_and_still_matches(graph, synthetic):
    request = request_for("Message_v1", columns=("subject", "sender", "receivedDateTime"))
    batches = list(graph.extract(request))
    assert batches[0].schema == request.output_schema
    assert sorted_rows(batches, request.output_schema) == sorted_rows(synthetic.extract(request), request.output_schema)


def test_small_record_batches_stream_the_same_rows(graph, synthetic):
    import dataclasses

    request = dataclasses.replace(request_for("SentItem_v1"), batch_rows=8)
    batches = list(graph.extract(request))
    assert max(b.num_rows for b in batches) <= 8 and len(batches) > 2
    assert all(b.num_rows == 8 for b in batches[:-1]), "only the last batch may be short"
    assert all(b.schema == request.output_schema for b in batches)
    assert sorted_rows(batches, request.output_schema) == sorted_rows(synthetic.extract(request), request.output_schema)



def test_the_directory_answers_as_the_synthetic_tenant_does(graph, synthetic, tenant):
    groups = [tenant.group_by_nickname[name].id for name in ("sales", "engineering")]
    members = graph.member_ids(groups)
    assert members == synthetic.member_ids(groups) and members
    assert graph.addresses(sorted(members)) == synthetic.addresses(members)


def test_a_deny_listed_persons_aliases_are_among_their_addresses(graph, synthetic, tenant):
    """Mail sent to an alias names the alias: scrubbing must know it (proxyAddresses)."""
    user = next(u for u in tenant.users if u.is_valid)
    alias = f"{user.mail_nickname}@{tenant.sharepoint_name}.onmicrosoft.com".lower()
    expected = {user.mail.lower(), user.user_principal_name.lower(), alias}
    assert graph.addresses([user.id]) == synthetic.addresses([user.id]) == expected
