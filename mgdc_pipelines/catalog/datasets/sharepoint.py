"""SharePoint datasets: sites, permissions, SharePoint groups, files and file actions.

MGDC collects these daily and keeps 21 days of snapshots. A request names a `SnapshotDate` range:
start = end returns the full snapshot (every row has ``Operation = "Full"``), start < end
returns only what changed (``Created``, ``Updated`` or ``Deleted``). SharePointFileActions_v1
is the exception: a day's actions, never a delta. Rows carry only ``ptenant`` as metadata. The
docs' "X, Y" rows are the nested fields Y of column X, declared here as structs.
"""

from mgdc_pipelines.catalog.datasets._shapes import (
    SENSITIVITY_LABEL_INFO,
    SHARE_ACTOR,
    SHAREPOINT_USER,
)
from mgdc_pipelines.catalog.model import Category, Mode, ScopeKind, dataset

SNAPSHOT_DATE = ("SnapshotDate",)
SNAPSHOT_COLUMNS = """
    SnapshotDate: TIMESTAMP -- When this information was captured (UTC).
    Operation: STRING -- Full (full snapshot), or Created, Updated or Deleted (changes).
"""

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
        Id: STRING -- GUID of the site.
        Url: STRING -- URL for the site.
        ArchiveState: STRING -- None, Archiving, Archived or Reactivating.
        SiteArchivedBy: STRING -- Who archived the site. Null if not archived.
        SiteArchivedTime: TIMESTAMP -- When the site was archived. Null if not archived.
        RootWeb: {ROOT_WEB} -- Root web information for the site.
        WebCount: INT64 -- Number of webs (subsites) in the site.
        StorageQuota: INT64 -- Total storage in bytes allowed for this site.
        StorageUsed: INT64 -- Bytes used by the site (files, metadata, versions, recycle bin).
        StorageMetrics: {STORAGE_METRICS} -- Storage metrics for the site.
        GroupId: STRING -- Id of the group associated with this site.
        GeoLocation: STRING -- Geographic region where the data is stored.
        IsInRecycleBin: BOOLEAN -- True if the site was deleted and is in the recycle bin.
        RecycleBinItemCount: INT64 -- Number of items in the recycle bin.
        RecycleBinItemSize: INT64 -- Size of the items in the recycle bin.
        SecondStageRecycleBinStorageUsage: INT64 -- Size of the second-stage recycle bin's items.
        IsTeamsConnectedSite: BOOLEAN -- Indicates that the site is connected to Teams.
        IsTeamsChannelSite: BOOLEAN -- Indicates that the site is a channel site.
        TeamsChannelType: STRING -- Type of channel, if isTeamsChannelSite is true.
        IsHubSite: BOOLEAN -- Indicates that the site is associated with a hub site.
        HubSiteId: STRING -- Id of the hub site for this site, if IsHubSite is true.
        IsCommunicationSite: BOOLEAN -- Indicates that the site is a communication site.
        IsOneDrive: BOOLEAN -- Indicates that the site is a OneDrive.
        BlockAccessFromUnmanagedDevices: BOOLEAN -- Blocks access from unmanaged devices.
        BlockDownloadOfAllFilesOnUnmanagedDevices: BOOLEAN -- Blocks downloading any file on unmanaged devices.
        BlockDownloadOfViewableFilesOnUnmanagedDevices: BOOLEAN -- Blocks downloading viewable files on unmanaged devices.
        ShareByEmailEnabled: BOOLEAN -- Site is configured to enable share by e-mail.
        ShareByLinkEnabled: BOOLEAN -- Site is configured to enable share by link.
        IsExternalSharingEnabled: BOOLEAN -- True if external sharing is enabled.
        SiteConnectedToPrivateGroup: BOOLEAN -- True if the site is connected to a private group.
        Privacy: STRING -- Privacy of the site: Private or Public. Applies only to team sites.
        SensitivityLabelInfo: {SENSITIVITY_LABEL_INFO} -- The site's sensitivity label (id and display name).
        Classification: STRING -- Classification of the site.
        IBMode: STRING -- Information barriers mode: Open, Owner Moderated, Implicit, ...
        IBSegments: STRING -- List of organization segments if IB mode is Explicit.
        Owner: {SHAREPOINT_USER} -- The site's owner (Azure AD id, email, UPN, name).
        SecondaryContact: {SHAREPOINT_USER} -- The site's secondary contact (Azure AD id, email, UPN, name).
        ReadLocked: BOOLEAN -- True if nobody, administrators included, can read the site.
        ReadOnly: BOOLEAN -- Whether the site is in read-only mode.
        CreatedTime: TIMESTAMP -- When the site was created (in UTC).
        LastSecurityModifiedDate: TIMESTAMP -- When security on the site last changed (UTC).
        LastUserAccessDate: TIMESTAMP -- Last access by a real user for the site (in UTC).
        LastContentChange: TIMESTAMP -- When the site contents were last changed (in UTC).
        SnapshotDate: TIMESTAMP -- When this site information was captured (in UTC).
        Operation: STRING -- Full (full snapshot), or Created, Updated or Deleted (changes).
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
        SiteId: STRING -- GUID that identifies the SharePoint site (site collection).
        WebId: STRING -- GUID that identifies the SharePoint web (subsite).
        ListId: STRING -- GUID that identifies the SharePoint list.
        ListItemId: INT64 -- Integer that identifies the SharePoint list item within the list.
        UniqueId: STRING -- The GUID of the list item.
        ItemType: STRING -- The type of item being shared (SiteAdmin, Web, List, Folder, File).
        ItemURL: STRING -- URL to the item being shared.
        FileExtension: STRING -- File extension of a shared file.
        RoleDefinition: STRING -- Sharing role (Read, Contribute, Full Control).
        LinkId: STRING -- The id of the sharing link, if any.
        ScopeId: STRING -- GUID that identifies the SharePoint scope.
        LinkScope: STRING -- Scope of the sharing link (specific people, anyone), if any.
        SharedWithCount: {SHARED_WITH_COUNT} -- One entry per type of recipient, with its count.
        SharedWith: {SHARED_WITH} -- Object array with one entry for every sharing recipient.
        TotalUserCount: INT64 -- Distinct users the permission reaches; blank if zero or unknown.
        ShareCreatedBy: {SHARE_ACTOR} -- The user or group that created the sharing link.
        ShareCreatedTime: TIMESTAMP -- The date and time when the share link was created.
        ShareLastModifiedBy: {SHARE_ACTOR} -- The user or group that last modified the sharing link.
        ShareLastModifiedTime: TIMESTAMP -- The date and time when the share was last modified.
        ShareExpirationTime: TIMESTAMP -- The date and time when the share link will expire.
        SnapshotDate: TIMESTAMP -- When this permission information was captured (UTC).
        Operation: STRING -- Full (full snapshot), or Created, Updated or Deleted (changes).
    """,
)

# A user, SharePoint group or security group (SharePointGroups_v1 owners and members); the
# reference's format, with the `Type` its field list documents.
SHAREPOINT_PRINCIPAL = (
    "STRUCT<Type: STRING, AadObjectId: STRING, Name: STRING, Email: STRING, TypeV2: STRING, "
    "LoginName: STRING, UPN: STRING>"
)

SHAREPOINT_GROUPS_V1 = dataset(
    "BasicDataSet_v0.SharePointGroups_v1",
    category=Category.SHAREPOINT,
    description="""
        SharePoint groups (not Entra ID groups) of every site: the Owners, Members and Visitors
        groups and the groups SharePoint makes for sharing links, one row per group with its
        owner and members. Tenant-wide; filtered by `SnapshotDate`: one date for a full
        snapshot, a range for the changes between them.
    """,
    scope=ScopeKind.NONE,
    mode=Mode.SHAREPOINT,
    row_metadata=False,
    date_filter_columns=SNAPSHOT_DATE,
    source_doc="Datasets/data-connect-dataset-sharepointgroups.md",
    # GroupLinkId: the doc says int64, but its JSON example and every sample row hold a GUID
    # ("00000000-0000-0000-0000-000000000000" when no link): a string reads real deliveries.
    columns=f"""
        SiteId: STRING -- Id of the site where the group resides.
        GroupId: INT64 -- Id of the group, unique within the site.
        GroupLinkId: STRING -- Id of the sharing link the group was made for; all zeros if none.
        GroupType: STRING -- Type of the group: SharePointGroup.
        DisplayName: STRING -- Name of the group.
        Owner: {SHAREPOINT_PRINCIPAL} -- The group's owner (a user or a SharePoint group).
        Members: ARRAY<{SHAREPOINT_PRINCIPAL}> -- The group's members (users, security groups).
        {SNAPSHOT_COLUMNS}
    """,
)

# Author and ModifiedBy of SharePointFiles_v1.
FILE_USER = "STRUCT<Email: STRING, Name: STRING>"

SHAREPOINT_FILES_V1 = dataset(
    "BasicDataSet_v0.SharePointFiles_v1",
    category=Category.SHAREPOINT,
    description="""
        Files in the document libraries of SharePoint sites and OneDrives, one row per file
        with its place, size, versions, sensitivity label, author and last editor. Tenant-wide;
        filtered by `SnapshotDate`: one date for a full snapshot, a range for the changes.
    """,
    scope=ScopeKind.NONE,
    mode=Mode.SHAREPOINT,
    row_metadata=False,
    date_filter_columns=SNAPSHOT_DATE,
    source_doc="Datasets/data-connect-dataset-sharepointfiles.md",
    columns=f"""
        SiteId: STRING -- GUID of the site holding the file.
        WebId: STRING -- GUID of the web (subsite) holding the file.
        ListId: STRING -- GUID of the document library holding the file.
        ItemId: STRING -- GUID of the file (unique with SiteId).
        ScopeId: STRING -- GUID of the security scope controlling the file's permissions.
        SiteUrl: STRING -- URL of the site containing the file.
        DirName: STRING -- Folder path of the file within the site.
        FileName: STRING -- Name of the file, with its extension.
        Extension: STRING -- The file extension, without the leading period.
        WebTemplateId: INT32 -- Id of the template of the file's web (21 for a OneDrive).
        ListServerTemplate: STRING -- Library template: DocumentLibrary or MySiteDocumentLibrary (OneDrive).
        IsLabelEncrypted: BOOLEAN -- True if the file's sensitivity label encrypts it.
        MajorVersion: INT32 -- The major version number of the file.
        MinorVersion: INT32 -- The minor version number of the file.
        SensitivityLabelInfo: {SENSITIVITY_LABEL_INFO} -- The file's sensitivity label (id and display name).
        SizeInBytes: INT64 -- Size of the file's current version in bytes.
        SizeInBytesWithVersions: INT64 -- Size of the file with all its versions and metadata.
        TimeCreated: TIMESTAMP -- When the file was created (UTC).
        TimeLastModified: TIMESTAMP -- When the file was last modified (UTC).
        Author: {FILE_USER} -- The user who created the file.
        ModifiedBy: {FILE_USER} -- The user who last modified the file.
        {SNAPSHOT_COLUMNS}
        QuickXorHash: STRING -- QuickXorHash of the file's content (base64).
    """,
)

SHAREPOINT_FILE_ACTIONS_V1 = dataset(
    "BasicDataSet_v0.SharePointFileActions_v1",
    category=Category.SHAREPOINT,
    description="""
        Every time a file was accessed, deleted, downloaded, modified, moved, renamed or
        uploaded, one row per action with who did it, when, and from which client. Tenant-wide;
        one `SnapshotDate` per day of actions: a range returns each day's actions, never a
        delta. Only actors of the pipeline's region are reported.
    """,
    scope=ScopeKind.NONE,
    mode=Mode.SHAREPOINT,
    row_metadata=False,
    date_filter_columns=SNAPSHOT_DATE,
    source_doc="Datasets/data-connect-dataset-sharepointfileactions.md",
    # WebTemplateId: the doc says string, but its JSON example and every sample row hold a
    # number (21), as SharePointFiles_v1 documents it: an integer reads real deliveries.
    columns="""
        SiteId: STRING -- GUID of the site holding the file.
        SiteUrl: STRING -- URL of the site.
        WebId: STRING -- GUID of the web (subsite) holding the file.
        WebTemplateId: INT32 -- Id of the template of the web holding the file.
        ListId: STRING -- GUID of the list or document library holding the file.
        ListItemId: STRING -- GUID of the file (SharePointFiles_v1 ItemId).
        ItemURL: STRING -- Full URL of the item.
        ItemName: STRING -- Name of the file, with its extension.
        ItemExtension: STRING -- The file extension, without the leading period.
        ActionDate: TIMESTAMP -- When the action happened (UTC).
        ActorType: STRING -- Type of actor: NotSpecified, System or User.
        ActorIdType: STRING -- Type of the actor's id: Unknown, Anonymous, AAD, MSA or Self.
        ActorDisplayName: STRING -- Name of the user who acted.
        ActorEmail: STRING -- Email of the user who acted.
        ActionName: STRING -- FileAccessed, FileDeleted, FileDownloaded, FileModified, FileMoved, FileRenamed or FileUploaded.
        UserAgent: STRING -- User agent of the client the action came from.
        ClientIP: STRING -- IP address of the client the action came from.
        SnapshotDate: TIMESTAMP -- The day of the actions (midnight UTC).
    """,
)

DATASETS = (
    SHAREPOINT_SITES_V1,
    SHAREPOINT_PERMISSIONS_V1,
    SHAREPOINT_GROUPS_V1,
    SHAREPOINT_FILES_V1,
    SHAREPOINT_FILE_ACTIONS_V1,
)
