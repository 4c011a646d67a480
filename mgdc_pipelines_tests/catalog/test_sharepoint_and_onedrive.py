"""SharePoint groups, files and file actions, OneDrive sync health and errors: how the catalog
declares them, and that rows shaped like Microsoft's published samples read without loss."""

import datetime as dt

import pyarrow as pa
import pytest

from mgdc_pipelines.catalog import Mode, ScopeKind, get_dataset, rows_to_batch
from mgdc_pipelines.catalog.graph import NotOnGraphError, graph_endpoint

SHAREPOINT_SNAPSHOTS = ("SharePointGroups_v1", "SharePointFiles_v1")
ONEDRIVE = ("OneDriveSyncHealth_v1", "OneDriveSyncErrors_v0")
ADDED = (*SHAREPOINT_SNAPSHOTS, "SharePointFileActions_v1", *ONEDRIVE)
UTC = dt.timezone.utc


@pytest.mark.parametrize("short_name", ADDED)
def test_tenant_wide_rows_carry_only_ptenant_as_metadata(short_name):
    dataset = get_dataset(short_name)
    assert dataset.scope is ScopeKind.NONE and dataset.scope_column is None
    assert dataset.metadata_column_names == ("ptenant",)


@pytest.mark.parametrize("short_name", (*SHAREPOINT_SNAPSHOTS, "SharePointFileActions_v1"))
def test_sharepoint_datasets_are_daily_snapshots_filtered_by_snapshot_date(short_name):
    dataset = get_dataset(short_name)
    assert dataset.mode is Mode.SHAREPOINT
    assert dataset.date_filter_columns == ("SnapshotDate",)


def test_file_actions_are_a_day_of_actions_without_an_operation():
    assert "Operation" not in get_dataset("SharePointFileActions_v1").column_names
    for short_name in SHAREPOINT_SNAPSHOTS:
        assert "Operation" in get_dataset(short_name).column_names


@pytest.mark.parametrize("short_name", ONEDRIVE)
def test_onedrive_sync_is_a_snapshot_whose_puser_is_content(short_name):
    dataset = get_dataset(short_name)
    assert dataset.mode is Mode.SNAPSHOT and dataset.date_filter_columns == ()
    assert dataset.column_names[:4] == ("Id", "puser", "ODataType", "OneDriveDeviceId")
    assert dataset.odata_type == "#Microsoft.OutlookServices.ApplicationDataItem"


def test_onedrive_sync_errors_answers_to_its_adf_name_too():
    assert get_dataset("OneDriveSyncErrors_v1") is get_dataset("OneDriveSyncErrors_v0")
    assert get_dataset("BasicDataSet_v0.OneDriveSyncErrors_v1").name == (
        "BasicDataSet_v0.OneDriveSyncErrors_v0"
    )


@pytest.mark.parametrize("short_name", ADDED)
def test_the_graph_source_refuses_them_by_name(short_name):
    with pytest.raises(NotOnGraphError, match=f"{short_name} is not available from the Graph"):
        graph_endpoint(get_dataset(short_name))


# Rows as Microsoft's dataset pages show them (ids shortened), keys in the samples' order,
# ActionDate with .NET's seven fractional digits.
GROUP_ROW = {
    "ptenant": "t", "SiteId": "dcc16dfa", "GroupId": 28,
    "GroupLinkId": "d996011d-18d3-4f4e-a57e-91eda36f310e", "GroupType": "SharePointGroup",
    "DisplayName": "SharingLinks.61189f32.OrganizationEdit.d996011d",
    "Owner": {"Type": "User", "Name": "System Account", "TypeV2": "InternalUser"},
    "Members": [{"Type": "User", "AadObjectId": "d182ea07", "Name": "John Doe",
                 "Email": "johnd@contoso.onmicrosoft.com", "TypeV2": "InternalUser"}],
    "SnapshotDate": "2022-06-02T00:00:00Z",
}
FILE_ACTION_ROW = {
    "ptenant": "t", "ActionDate": "2023-09-10T01:45:30.1550648+00:00", "ActionName": "FileModified",
    "ActorDisplayName": "John Smith", "ActorEmail": "jsmith@contoso.com", "ActorIdType": "AAD",
    "ActorType": "User", "ItemExtension": "docx", "ItemName": "Project plan.docx",
    "ListId": "725e6dfe", "ListItemId": "94617d46", "SiteId": "abb417b5",
    "SiteUrl": "https://contoso.sharepoint.com/teams/Projects/", "WebId": "5599f943",
    "WebTemplateId": 21, "SnapshotDate": "2023-09-10T00:00:00Z",
}
FILE_ROW = {
    "ptenant": "t", "SiteId": "191f7f71",
    "Author": {"Name": "Contoso User3", "Email": "u3@contoso.com"},
    "DirName": "Shared Documents", "Extension": "pdf", "FileName": "ProjectASpecs.pdf",
    "IsLabelEncrypted": False, "ItemId": "0f1802ae", "ListServerTemplate": "DocumentLibrary",
    "MajorVersion": 3, "MinorVersion": 0, "Operation": "Full", "SensitivityLabelInfo": {},
    "SizeInBytes": 16485996, "SizeInBytesWithVersions": 49459733,
    "TimeCreated": "2023-05-06T03:20:33Z", "WebTemplateId": 64,
    "SnapshotDate": "2023-10-22T00:00:00Z",
}
HEALTH_ROW = {
    "Id": "RgAAAADNtS2", "ptenant": "t", "puser": "4d8d14a5",
    "ODataType": "#Microsoft.OutlookServices.ApplicationDataItem", "OneDriveDeviceId": "848784b3",
    "UserName": "Robel Muris", "SyncAppUpdateRing": 4, "OSName": "Windows", "SyncAppBuildType": "",
    "KFMOptInWithWizardGPOEnabled": False, "KFMEnabledFolders": [3, 1], "KFMFolderCount": 2,
    "LastSyncedTimestampUTC": "2023-09-29T20:21:10Z",
    "LastStatusReportedTimestampUTC ": "2023-10-02T01:02:19Z", "TotalErrorCount": 0,
}
ERROR_ROW = {
    "ptenant": "t", "OneDriveDeviceId": "7b805f02", "SyncErrorId": 53, "taskDialogId1": 0,
    "taskDialogId2": 256, "ErrorTitle": "There isn't enough space", "ErrorCount": 1,
}


def read(short_name: str, row: dict) -> dict:
    result = rows_to_batch(get_dataset(short_name), [row], unknown="ignore")
    assert not result.unknown_keys
    return pa.Table.from_batches([result.batch]).to_pylist()[0]


def test_a_sharing_link_group_reads_with_its_link_guid():
    row = read("SharePointGroups_v1", GROUP_ROW)
    assert row["GroupLinkId"] == GROUP_ROW["GroupLinkId"] and row["GroupId"] == 28
    assert row["Members"][0]["Email"] == "johnd@contoso.onmicrosoft.com"
    assert row["Owner"]["Name"] == "System Account" and row["Owner"]["AadObjectId"] is None


def test_a_file_action_reads_its_numeric_template_and_sub_second_moment():
    row = read("SharePointFileActions_v1", FILE_ACTION_ROW)
    assert row["WebTemplateId"] == 21
    assert row["ActionDate"] == dt.datetime(2023, 9, 10, 1, 45, 30, 155064, tzinfo=UTC)


def test_a_file_reads_with_its_author_and_an_empty_label():
    row = read("SharePointFiles_v1", FILE_ROW)
    assert row["Author"] == {"Email": "u3@contoso.com", "Name": "Contoso User3"}
    assert row["SensitivityLabelInfo"] == {"DisplayName": None, "Id": None}
    assert row["SizeInBytesWithVersions"] == 49459733


def test_onedrive_sample_spellings_read_as_the_documented_columns():
    health = read("OneDriveSyncHealth_v1", HEALTH_ROW)
    assert health["KFMEnabledFolders"] == [3, 1] and health["KFMEnabledFolderCount"] == 2
    reported = dt.datetime(2023, 10, 2, 1, 2, 19, tzinfo=UTC)
    assert health["LastStatusReportedTimestampUTC"] == reported
    assert health["puser"] == "4d8d14a5"
    errors = read("OneDriveSyncErrors_v0", ERROR_ROW)
    assert (errors["TaskDialogId1"], errors["TaskDialogId2"]) == (0, 256)
