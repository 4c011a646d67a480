"""The dataset catalog against the MGDC reference: names, types, date filters, scope and mode."""

import pyarrow as pa
import pytest

from mgdc_pipelines.catalog import (
    TIMESTAMP,
    Mode,
    ScopeKind,
    UnknownDatasetError,
    get_dataset,
    list_datasets,
)

REQUIRED = (
    "Message_v1",
    "SentItem_v1",
    "Event_v1",
    "CalendarView_v0",
    "Contact_v1",
    "MailFolder_v0",
    "Manager_v0",
    "DirectReport_v0",
    "User_v1",
    "GroupDetails_v0",
    "GroupMembers_v0",
    "TeamChat_v1",
    "SharePointSites_v1",
    "SharePointPermissions_v1",
)

MESSAGE_DATES = ("receivedDateTime", "sentDateTime", "createdDateTime", "lastModifiedDateTime")
TEAM_CHAT_DATES = ("CreatedDateTime", "LastModifiedDateTime", "ReceivedDateTime", "SentDateTime")
SHAREPOINT = ("SharePointSites_v1", "SharePointPermissions_v1")
GROUP_SCOPED = ("GroupDetails_v0", "GroupMembers_v0")

RECIPIENT = pa.struct(
    [("emailAddress", pa.struct([("name", pa.string()), ("address", pa.string())]))]
)


def field_type(dataset_name: str, path: str) -> pa.DataType:
    """The type at ``column.field.field``; ``[]`` steps into list items."""
    column, *steps = path.split(".")
    type_ = get_dataset(dataset_name).column(column).type
    for step in steps:
        type_ = type_.value_type if step == "[]" else type_.field(step).type
    return type_


# --- presence and lookup ----------------------------------------------------------------------


def test_every_required_dataset_is_in_the_catalog():
    short_names = {dataset.short_name for dataset in list_datasets()}
    assert set(REQUIRED) <= short_names


@pytest.mark.parametrize("short_name", REQUIRED)
def test_lookup_by_short_and_full_name_agree(short_name):
    dataset = get_dataset(short_name)
    assert dataset.name == f"BasicDataSet_v0.{short_name}"
    assert get_dataset(dataset.name) is dataset


def test_unknown_dataset_suggests_close_matches():
    with pytest.raises(UnknownDatasetError) as caught:
        get_dataset("Mesage_v1")
    message = str(caught.value)
    assert "'Mesage_v1'" in message
    assert "did you mean Message_v1" in message


def test_unknown_dataset_error_is_a_key_error():
    with pytest.raises(KeyError):
        get_dataset("NoSuchThing_v9")


# --- documentation fields ---------------------------------------------------------------------


@pytest.mark.parametrize("short_name", REQUIRED)
def test_every_dataset_is_described_and_sourced(short_name):
    dataset = get_dataset(short_name)
    assert len(dataset.description) > 40
    assert dataset.source_doc.startswith("Datasets/data-connect-dataset-")


@pytest.mark.parametrize("dataset", list_datasets(), ids=lambda d: d.short_name)
def test_every_column_says_what_it_holds_in_plain_text(dataset):
    for column in (*dataset.columns, *dataset.metadata_columns):
        assert len(column.description) > 10, f"{dataset.name}.{column.name} has no description"
        assert "``" not in column.description and ":data:" not in column.description


@pytest.mark.parametrize(
    ("short_name", "odata_type"),
    [
        ("Message_v1", "#microsoft.graph.message"),
        ("SentItem_v1", "#microsoft.graph.message"),
        ("Event_v1", "#microsoft.graph.event"),
        ("CalendarView_v0", "#microsoft.graph.event"),
        ("Contact_v1", "#microsoft.graph.contact"),
        ("MailFolder_v0", "#microsoft.graph.mailFolder"),
        ("User_v1", "#microsoft.graph.user"),
        ("Manager_v0", "#microsoft.graph.user"),
        ("DirectReport_v0", "#microsoft.graph.user"),
        ("GroupDetails_v0", "#microsoft.graph.group"),
        ("GroupMembers_v0", "#microsoft.graph.user"),
        ("TeamChat_v1", "#Microsoft.OutlookServices.Message"),
        ("SharePointSites_v1", None),
        ("SharePointPermissions_v1", None),
    ],
)
def test_odata_types(short_name, odata_type):
    assert get_dataset(short_name).odata_type == odata_type


def test_manager_description_says_puser_is_the_subordinate():
    assert "subordinate" in get_dataset("Manager_v0").description


def test_calendar_view_description_explains_its_event_time_filter():
    description = get_dataset("CalendarView_v0").description
    assert "start" in description and "end" in description
    assert "no date-filter column" in description


# --- date filters, scope, mode ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("short_name", "date_filters"),
    [
        ("Message_v1", MESSAGE_DATES),
        ("SentItem_v1", MESSAGE_DATES),
        ("Event_v1", ("createdDateTime", "lastModifiedDateTime")),
        ("CalendarView_v0", ()),
        ("TeamChat_v1", TEAM_CHAT_DATES),
        ("SharePointSites_v1", ("SnapshotDate",)),
        ("SharePointPermissions_v1", ("SnapshotDate",)),
        *[
            (name, ())
            for name in (
                "Contact_v1",
                "MailFolder_v0",
                "Manager_v0",
                "DirectReport_v0",
                "User_v1",
                "GroupDetails_v0",
                "GroupMembers_v0",
            )
        ],
    ],
)
def test_date_filter_columns(short_name, date_filters):
    assert set(get_dataset(short_name).date_filter_columns) == set(date_filters)


@pytest.mark.parametrize("dataset", list_datasets(), ids=lambda dataset: dataset.short_name)
def test_date_filter_columns_are_timestamps(dataset):
    for name in dataset.date_filter_columns:
        assert dataset.column(name).type == TIMESTAMP, name


@pytest.mark.parametrize(
    ("short_name", "mode"),
    [
        ("Message_v1", Mode.RANGE),
        ("SentItem_v1", Mode.RANGE),
        ("Event_v1", Mode.RANGE),
        ("CalendarView_v0", Mode.RANGE),  # a range is required, just no date column
        ("TeamChat_v1", Mode.RANGE),
        ("Contact_v1", Mode.SNAPSHOT),
        ("MailFolder_v0", Mode.SNAPSHOT),
        ("Manager_v0", Mode.SNAPSHOT),
        ("DirectReport_v0", Mode.SNAPSHOT),
        ("User_v1", Mode.SNAPSHOT),
        ("GroupDetails_v0", Mode.SNAPSHOT),
        ("GroupMembers_v0", Mode.SNAPSHOT),
        ("SharePointSites_v1", Mode.SHAREPOINT),
        ("SharePointPermissions_v1", Mode.SHAREPOINT),
    ],
)
def test_modes(short_name, mode):
    assert get_dataset(short_name).mode is mode


@pytest.mark.parametrize("short_name", REQUIRED)
def test_scope_kinds(short_name):
    expected = (
        ScopeKind.NONE
        if short_name in SHAREPOINT
        else ScopeKind.GROUP
        if short_name in GROUP_SCOPED
        else ScopeKind.USER
    )
    assert get_dataset(short_name).scope is expected


# --- metadata columns per scope kind ----------------------------------------------------------

ROW_METADATA = ("pAdditionalInfo", "datarow", "userrow", "pagerow", "rowinformation")


@pytest.mark.parametrize("short_name", [name for name in REQUIRED if name not in SHAREPOINT])
def test_exchange_and_aad_rows_carry_their_scope_column_and_row_metadata(short_name):
    dataset = get_dataset(short_name)
    scope_column = "pObjectId" if short_name in GROUP_SCOPED else "puser"
    assert dataset.metadata_column_names == ("ptenant", scope_column, *ROW_METADATA)
    assert dataset.scope_column == scope_column


@pytest.mark.parametrize("short_name", SHAREPOINT)
def test_sharepoint_rows_carry_only_ptenant(short_name):
    dataset = get_dataset(short_name)
    assert dataset.metadata_column_names == ("ptenant",)
    assert "ptenant" not in dataset.column_names
    assert dataset.scope_column is None


def test_rowinformation_shape():
    assert get_dataset("User_v1").column("rowinformation").type == pa.struct(
        [
            ("errorInformation", pa.string()),
            ("userReturnedNoData", pa.bool_()),
            ("isUserSummaryRow", pa.bool_()),
            ("userHasCompleteData", pa.bool_()),
        ]
    )


def test_group_members_reads_puser_as_pobjectid():
    assert get_dataset("GroupMembers_v0").aliases == {"puser": "pObjectId"}


# --- exact names and types from the reference -------------------------------------------------


def test_message_recipients_are_lists_of_email_address_structs():
    for column in ("toRecipients", "ccRecipients", "bccRecipients", "replyTo"):
        assert field_type("Message_v1", column) == pa.list_(RECIPIENT)
    assert field_type("Message_v1", "sender") == RECIPIENT


def test_message_body_content_type_is_text_as_delivered():
    assert field_type("Message_v1", "body.contentType") == pa.string()


def test_sent_item_has_message_types_in_its_own_doc_order():
    sent_item, message = get_dataset("SentItem_v1"), get_dataset("Message_v1")
    assert sent_item.column_names[:7] == (
        "id",
        "createdDateTime",
        "lastModifiedDateTime",
        "changeKey",
        "categories",
        "receivedDateTime",
        "sentDateTime",
    )
    assert set(sent_item.column_names) == set(message.column_names) - {"internetMessageHeaders"}
    for column in sent_item.columns:
        assert column.type == message.column(column.name).type, column.name


def test_mail_folder_counts_are_int32():
    for column in ("childFolderCount", "unreadItemCount", "totalItemCount"):
        assert field_type("MailFolder_v0", column) == pa.int32()


def test_event_nested_fields():
    assert field_type("Event_v1", "attendees.[].status.response") == pa.string()
    assert field_type("Event_v1", "attendees.[].emailAddress.address") == pa.string()
    assert field_type("Event_v1", "start") == pa.struct(
        [("dateTime", pa.string()), ("timeZone", pa.string())]
    )
    assert field_type("Event_v1", "location.coordinates.latitude") == pa.float64()
    assert field_type("Event_v1", "locations.[].uniqueIdType") == pa.string()
    assert field_type("Event_v1", "recurrence.pattern.interval") == pa.int32()
    assert field_type("Event_v1", "onlineMeeting.joinUrl") == pa.string()
    assert field_type("Event_v1", "originalStart") == TIMESTAMP
    assert field_type("Event_v1", "reminderMinutesBeforeStart") == pa.int32()


def test_calendar_view_fixes_the_doc_typos():
    calendar_view = get_dataset("CalendarView_v0")
    assert "seriesMasterId" in calendar_view.column_names
    assert "vseriesMasterId" not in calendar_view.column_names
    assert field_type("CalendarView_v0", "recurrence.range").names == [
        "type",
        "startDate",
        "endDate",
        "recurrenceTimeZone",
        "numberOfOccurrences",
    ]
    # Doc order differs from Event_v1 in two places.
    assert calendar_view.column_names[10:12] == ("isOnlineMeeting", "reminderMinutesBeforeStart")
    assert calendar_view.column_names[-3:] == ("seriesMasterId", "originalStart", "ODataType")


def test_contact_addresses_and_email_addresses():
    address = field_type("Contact_v1", "businessAddress")
    assert address.names == ["street", "city", "state", "countryOrRegion", "postalCode"]
    assert field_type("Contact_v1", "emailAddresses.[].address") == pa.string()
    assert field_type("Contact_v1", "birthday") == TIMESTAMP


USER_V1_DOC_ORDER = (
    "aboutMe accountEnabled ageGroup assignedLicenses assignedPlans birthday businessPhones city "
    "companyName consentProvidedForMinor country createdDateTime department displayName givenName "
    "hireDate id imAddresses interests jobTitle legalAgeGroupClassification mail mailNickname "
    "mobilePhone mySite officeLocation onPremisesImmutableId onPremisesLastSyncDateTime "
    "onPremisesSecurityIdentifier onPremisesSyncEnabled passwordPolicies pastProjects postalCode "
    "preferredLanguage preferredName provisionedPlans proxyAddresses responsibilities schools "
    "skills state streetAddress surname usageLocation userPrincipalName userType"
).split()

MANAGER_DOC_ORDER = (
    "accountEnabled ageGroup assignedLicenses assignedPlans businessPhones city companyName "
    "consentProvidedForMinor country createdDateTime department displayName givenName id "
    "imAddresses jobTitle legalAgeGroupClassification mail mailNickname mobilePhone "
    "officeLocation onPremisesImmutableId onPremisesLastSyncDateTime onPremisesSecurityIdentifier "
    "onPremisesSyncEnabled passwordPolicies postalCode preferredLanguage provisionedPlans "
    "proxyAddresses state streetAddress surname usageLocation userPrincipalName userType"
).split()


def test_user_columns_follow_the_doc_order():
    assert list(get_dataset("User_v1").column_names) == USER_V1_DOC_ORDER


@pytest.mark.parametrize("short_name", ["Manager_v0", "DirectReport_v0"])
def test_manager_and_direct_report_columns_follow_the_doc_order(short_name):
    assert list(get_dataset(short_name).column_names) == MANAGER_DOC_ORDER


def test_user_dates_documented_as_strings_stay_strings():
    for column in ("createdDateTime", "birthday", "hireDate", "onPremisesLastSyncDateTime"):
        assert field_type("User_v1", column) == pa.string(), column
    assert field_type("User_v1", "assignedPlans.[].assignedDateTime") == pa.string()


def test_manager_dates_documented_as_datetimes_are_timestamps():
    for short_name in ("Manager_v0", "DirectReport_v0"):
        assert field_type(short_name, "createdDateTime") == TIMESTAMP
        assert field_type(short_name, "onPremisesLastSyncDateTime") == TIMESTAMP


def test_directory_nested_shapes():
    assert field_type("User_v1", "assignedLicenses") == pa.list_(
        pa.struct([("disabledPlans", pa.list_(pa.string())), ("skuId", pa.string())])
    )
    assert field_type("Manager_v0", "provisionedPlans.[].provisioningStatus") == pa.string()


def test_group_details_types():
    assert field_type("GroupDetails_v0", "renewedDateTime") == TIMESTAMP
    assert field_type("GroupDetails_v0", "groupTypes") == pa.list_(pa.string())
    assert field_type("GroupDetails_v0", "securityEnabled") == pa.bool_()


def test_group_members_columns():
    assert get_dataset("GroupMembers_v0").column_names == (
        "id",
        "userPrincipalName",
        "displayName",
        "ODataType",
    )


def test_team_chat_is_pascal_case_at_every_depth():
    team_chat = get_dataset("TeamChat_v1")
    assert team_chat.column_names[0] == "Id"
    assert "id" not in team_chat.column_names
    assert field_type("TeamChat_v1", "Sender.EmailAddress.Address") == pa.string()
    assert field_type("TeamChat_v1", "ToRecipients.[].EmailAddress.Name") == pa.string()
    assert field_type("TeamChat_v1", "Body.ContentType") == pa.string()
    assert field_type("TeamChat_v1", "Flag.FlagStatus") == pa.string()
    assert field_type("TeamChat_v1", "Attachments.[].Size") == pa.int64()
    assert field_type("TeamChat_v1", "SentDateTime") == TIMESTAMP


def test_sharepoint_sites_types():
    storage_metrics = field_type("SharePointSites_v1", "StorageMetrics")
    assert storage_metrics.names == [
        "MetadataSize",
        "TotalFileCount",
        "TotalFileStreamSize",
        "AdditionalFileStreamSize",
        "TotalSize",
    ]
    assert {child.type for child in storage_metrics} == {pa.int64()}
    assert field_type("SharePointSites_v1", "RootWeb.WebTemplateId") == pa.int32()
    assert field_type("SharePointSites_v1", "RootWeb.LastItemModifiedDate") == TIMESTAMP
    owner = field_type("SharePointSites_v1", "Owner")
    assert owner.names == ["AadObjectId", "Email", "UPN", "Name"]
    assert field_type("SharePointSites_v1", "StorageQuota") == pa.int64()
    assert field_type("SharePointSites_v1", "CreatedTime") == TIMESTAMP
    # "RootWeb, Id" rows of the doc are nested fields, not top-level columns.
    assert not [name for name in get_dataset("SharePointSites_v1").column_names if "," in name]


def test_sharepoint_permissions_types():
    dates = ("ShareCreatedTime", "ShareLastModifiedTime", "ShareExpirationTime", "SnapshotDate")
    for column in dates:
        assert field_type("SharePointPermissions_v1", column) == TIMESTAMP, column
    assert field_type("SharePointPermissions_v1", "ListItemId") == pa.int64()
    assert field_type("SharePointPermissions_v1", "SharedWith.[].UserCount") == pa.int64()
    assert field_type("SharePointPermissions_v1", "SharedWithCount.[].Count") == pa.int64()
    assert field_type("SharePointPermissions_v1", "ShareCreatedBy").names == [
        "Type",
        "Name",
        "Email",
        "UPN",
    ]


@pytest.mark.parametrize("dataset", list_datasets(), ids=lambda dataset: dataset.short_name)
def test_schema_is_content_then_metadata_and_tagged_with_the_dataset(dataset):
    assert dataset.schema.names == [*dataset.column_names, *dataset.metadata_column_names]
    assert dataset.schema.metadata[b"mgdc.dataset"] == dataset.name.encode()
