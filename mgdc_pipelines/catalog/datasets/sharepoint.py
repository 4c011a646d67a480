"""SharePoint datasets: SharePointSites_v1 and SharePointPermissions_v1.

MGDC collects these daily and keeps 21 days of snapshots. A request names a `SnapshotDate` range:
start = end returns the full snapshot (every row has ``Operation = "Full"``), start < end
returns only what changed (``Created``, ``Updated`` or ``Deleted``). Rows carry only ``ptenant``
as metadata. The docs' "X, Y" rows are the nested fields Y of column X, declared here as structs.
"""

from mgdc_pipelines.catalog.datasets._shapes import (
    SENSITIVITY_LABEL_INFO,
    SHARE_ACTOR,
    SHAREPOINT_USER,
)
from mgdc_pipelines.catalog.model import Category, Mode, ScopeKind, dataset

SNAPSHOT_DATE = ("SnapshotDate",)

ROOT_WEB = (
    "STRUCT<Id: STRING, Title: STRING, WebTemplate: STRING, WebTemplateId: INT32, "
    "Configuration: INT32, LastItemModifiedDate: TIMESTAMP>"
)
STORAGE_METRICS = (
    "STRUCT<MetadataSize: INT64, TotalFileCount: INT64, TotalFileStreamSize: INT64, "
    "AdditionalFileStreamSize: INT64, TotalSize: INT64>"
)
SHARED_WITH_COUNT = "ARRAY<STRUCT<Type: STRING, Count: INT64>>"
SHARED_WITH = (
    "ARRAY<STRUCT<Type: STRING, Name: STRING, Email: STRING, AadObjectId: STRING, UPN: STRING, "
    "TypeV2: STRING, UserCount: INT64, UserLoginName: STRING>>"
)

SHAREPOINT_SITES_V1 = dataset(
    "BasicDataSet_v0.SharePointSites_v1",
    category=Category.SHAREPOINT,
    description="""
        SharePoint and OneDrive site collections of the tenant, one row per site per snapshot,
        with storage, sharing settings and owners. Tenant-wide (no user or group scope); filtered
        by `SnapshotDate`: one date for a full snapshot, a range for the changes between them.
    """,
    scope=ScopeKind.NONE,
    mode=Mode.SHAREPOINT,
    row_metadata=False,
    date_filter_columns=SNAPSHOT_DATE,
    source_doc="Datasets/data-connect-dataset-sharepointsites.md",
    columns=f"""
        Id: STRING
        Url: STRING
        ArchiveState: STRING
        SiteArchivedBy: STRING
        SiteArchivedTime: TIMESTAMP
        RootWeb: {ROOT_WEB}
        WebCount: INT64
        StorageQuota: INT64
        StorageUsed: INT64
        StorageMetrics: {STORAGE_METRICS}
        GroupId: STRING
        GeoLocation: STRING
        IsInRecycleBin: BOOLEAN
        RecycleBinItemCount: INT64
        RecycleBinItemSize: INT64
        SecondStageRecycleBinStorageUsage: INT64
        IsTeamsConnectedSite: BOOLEAN
        IsTeamsChannelSite: BOOLEAN
        TeamsChannelType: STRING
        IsHubSite: BOOLEAN
        HubSiteId: STRING
        IsCommunicationSite: BOOLEAN
        IsOneDrive: BOOLEAN
        BlockAccessFromUnmanagedDevices: BOOLEAN
        BlockDownloadOfAllFilesOnUnmanagedDevices: BOOLEAN
        BlockDownloadOfViewableFilesOnUnmanagedDevices: BOOLEAN
        ShareByEmailEnabled: BOOLEAN
        ShareByLinkEnabled: BOOLEAN
        IsExternalSharingEnabled: BOOLEAN
        SiteConnectedToPrivateGroup: BOOLEAN
        Privacy: STRING
        SensitivityLabelInfo: {SENSITIVITY_LABEL_INFO}
        Classification: STRING
        IBMode: STRING
        IBSegments: STRING
        Owner: {SHAREPOINT_USER}
        SecondaryContact: {SHAREPOINT_USER}
        ReadLocked: BOOLEAN
        ReadOnly: BOOLEAN
        CreatedTime: TIMESTAMP
        LastSecurityModifiedDate: TIMESTAMP
        LastUserAccessDate: TIMESTAMP
        LastContentChange: TIMESTAMP
        SnapshotDate: TIMESTAMP
        Operation: STRING
    """,
)

SHAREPOINT_PERMISSIONS_V1 = dataset(
    "BasicDataSet_v0.SharePointPermissions_v1",
    category=Category.SHAREPOINT,
    description="""
        Sharing permissions on SharePoint and OneDrive sites, lists, folders and files, one row
        per (item, role, link or scope) with whom it is shared with. Tenant-wide; filtered by
        `SnapshotDate`: one date for a full snapshot, a range for the changes between them.
    """,
    scope=ScopeKind.NONE,
    mode=Mode.SHAREPOINT,
    row_metadata=False,
    date_filter_columns=SNAPSHOT_DATE,
    source_doc="Datasets/data-connect-dataset-sharepointpermissions.md",
    columns=f"""
        SiteId: STRING
        WebId: STRING
        ListId: STRING
        ListItemId: INT64
        UniqueId: STRING
        ItemType: STRING
        ItemURL: STRING
        FileExtension: STRING
        RoleDefinition: STRING
        LinkId: STRING
        ScopeId: STRING
        LinkScope: STRING
        SharedWithCount: {SHARED_WITH_COUNT}
        SharedWith: {SHARED_WITH}
        TotalUserCount: INT64
        ShareCreatedBy: {SHARE_ACTOR}
        ShareCreatedTime: TIMESTAMP
        ShareLastModifiedBy: {SHARE_ACTOR}
        ShareLastModifiedTime: TIMESTAMP
        ShareExpirationTime: TIMESTAMP
        SnapshotDate: TIMESTAMP
        Operation: STRING
    """,
)

DATASETS = (SHAREPOINT_SITES_V1, SHAREPOINT_PERMISSIONS_V1)
