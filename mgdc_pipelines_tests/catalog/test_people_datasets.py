"""User_v0, LicenseDetails_v0, the device datasets and PlannerTasks_v0: catalog and Graph."""

import datetime as dt

import pyarrow as pa
import pytest

from mgdc_pipelines.catalog import TIMESTAMP, Category, Mode, ScopeKind, get_dataset
from mgdc_pipelines.catalog.graph import NotOnGraphError, TimeQuery, graph_endpoint
from mgdc_pipelines.catalog.model import ROW_METADATA_COLUMNS

PEOPLE = {
    "User_v0": (Category.DIRECTORY, Mode.SNAPSHOT),
    "LicenseDetails_v0": (Category.DIRECTORY, Mode.SNAPSHOT),
    "OwnedDevices_v0": (Category.DEVICES, Mode.SNAPSHOT),
    "RegisteredDevices_v0": (Category.DEVICES, Mode.SNAPSHOT),
    "PlannerTasks_v0": (Category.TASKS, Mode.RANGE),
}


@pytest.mark.parametrize("name", PEOPLE)
def test_user_scoped_with_every_metadata_column(name):
    dataset = get_dataset(name)
    assert (dataset.category, dataset.mode, dataset.scope) == (*PEOPLE[name], ScopeKind.USER)
    row_metadata = tuple(column for column, _ in ROW_METADATA_COLUMNS)
    assert dataset.metadata_column_names == ("ptenant", "puser", *row_metadata)
    assert dataset.source_doc.startswith("Datasets/data-connect-dataset-")


def test_user_v0_has_exchange_columns_and_reads_multi_valued_ones_as_arrays():
    dataset = get_dataset("User_v0")
    assert dataset.column_names[:5] == (
        "ExternalEmailAddress", "Languages", "Name", "EmailAddresses", "PrimarySmtpAddress",
    )
    assert len(dataset.column_names) == 29 and dataset.column_names[-1] == "UserPrincipalName"
    multi_valued = ("OtherFax", "OtherHomePhone", "OtherTelephone", "PostOfficeBox")
    for name in ("Languages", "EmailAddresses", *multi_valued):
        assert dataset.column(name).type == pa.list_(pa.string()), name
    assert not set(dataset.column_names) & set(get_dataset("User_v1").column_names)


def test_licence_details_carry_the_service_plan_info_shape():
    plans = get_dataset("LicenseDetails_v0").column("servicePlans").type
    assert [f.name for f in plans.value_type] == [
        "servicePlanId", "servicePlanName", "provisioningStatus", "appliesTo",
    ]


def test_both_device_datasets_share_one_schema():
    owned, registered = get_dataset("OwnedDevices_v0"), get_dataset("RegisteredDevices_v0")
    assert owned.schema.remove_metadata() == registered.schema.remove_metadata()
    attributes = owned.column("extensionAttributes").type
    assert [f.name for f in attributes] == [f"extensionAttribute{n}" for n in range(1, 16)]
    assert owned.column("registrationDateTime").type == TIMESTAMP


def test_planner_tasks_follow_the_doc_types():
    dataset = get_dataset("PlannerTasks_v0")
    assert dataset.date_filter_columns == ("createdDateTime",)
    assert dataset.column("assignments").type == dataset.column("completedBy").type == pa.string()
    assert [f.name for f in dataset.column("createdBy").type] == ["application", "user"]
    categories = dataset.column("appliedCategories").type
    assert [f.name for f in categories] == [f"category{n}" for n in range(1, 25)]
    assert {f.type for f in categories} == {pa.bool_()}


@pytest.mark.parametrize(
    ("name", "path", "time_query"),
    [
        ("LicenseDetails_v0", "/users/{user}/licenseDetails", TimeQuery.NONE),
        ("OwnedDevices_v0", "/users/{user}/ownedDevices", TimeQuery.NONE),
        ("RegisteredDevices_v0", "/users/{user}/registeredDevices", TimeQuery.NONE),
        ("PlannerTasks_v0", "/users/{user}/planner/tasks", TimeQuery.IN_SOURCE),
    ],
)
def test_graph_endpoints(name, path, time_query):
    endpoint = graph_endpoint(get_dataset(name))
    assert (endpoint.path, endpoint.time_query, endpoint.collection) == (path, time_query, True)
    assert endpoint.batchable == (time_query is TimeQuery.NONE)
    start = dt.datetime(2026, 11, 20, tzinfo=dt.timezone.utc)
    assert endpoint.time_params("createdDateTime", start, start + dt.timedelta(days=1)) == {}


def test_user_v0_has_no_graph_endpoint_and_says_so_by_name():
    with pytest.raises(NotOnGraphError, match=r"BasicDataSet_v0\.User_v0 is not available"):
        graph_endpoint(get_dataset("User_v0"))

