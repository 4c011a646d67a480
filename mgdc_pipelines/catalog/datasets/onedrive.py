"""OneDrive sync datasets: OneDriveSyncHealth_v1 and OneDriveSyncErrors_v0 (tenant-wide).

Both describe the OneDrive sync clients (PCs and Macs) that report to the tenant: a daily
snapshot with no date-filter column and no delta. Scoping does not apply, so the only metadata
column is ``ptenant``. The docs also list ``puser``: here it is a content column, because it is
not the device's user (that is ``UserName``/``UserEmail``): in Microsoft's sample every row of
the tenant has the same ``puser``, with an Exchange item ``Id`` and an ``ApplicationDataItem``
OData type, i.e. the mailbox the sync reports are stored in.
"""

from mgdc_pipelines.catalog.model import Category, Mode, ScopeKind, dataset

REPORT_ODATA_TYPE = "#Microsoft.OutlookServices.ApplicationDataItem"
REPORT_COLUMNS = """
    Id: STRING -- Id of the report item.
    puser: STRING -- Id of the mailbox holding the tenant's sync reports (the same on every row).
    ODataType: STRING -- The report item's OData type (#Microsoft.OutlookServices.ApplicationDataItem).
    OneDriveDeviceId: STRING -- Unique OneDrive sync client id; joins health and errors.
"""

ONEDRIVE_SYNC_HEALTH_V1 = dataset(
    "BasicDataSet_v0.OneDriveSyncHealth_v1",
    category=Category.ONEDRIVE,
    description="""
        OneDrive sync clients of the tenant, one row per report-enabled device (PC or Mac), with
        the user, the app and OS versions, Known Folder Move (folder backup) state, when it last
        synced and how many errors it has. A daily snapshot: no date filter, no delta.
        Tenant-wide: no user or group scope.
    """,
    scope=ScopeKind.NONE,
    mode=Mode.SNAPSHOT,
    row_metadata=False,
    odata_type=REPORT_ODATA_TYPE,
    # Names Microsoft's own sample rows use for three documented columns.
    aliases={
        "KFMFolders": "KFMEnabledFolders",
        "KFMFolderCount": "KFMEnabledFolderCount",
        "LastStatusReportedTimestampUTC ": "LastStatusReportedTimestampUTC",
    },
    source_doc="Datasets/data-connect-dataset-onedrivesynchealth.md",
    columns=f"""
        {REPORT_COLUMNS}
        UserName: STRING -- Name of the device's user.
        UserEmail: STRING -- Email of the device's user.
        DeviceName: STRING -- Name of the device.
        SyncAppVersion: STRING -- OneDrive sync app version.
        SyncAppUpdateRing: INT32 -- Update ring: 4 Insiders, 5 Production, 0 Deferred.
        OSName: STRING -- Operating system: Windows or Mac.
        OSVersion: STRING -- Operating system version number.
        SyncAppBuildType: STRING -- Mac build (Mac App Store or Standalone); empty on Windows.
        KFMOptInWithWizardGPOEnabled: BOOLEAN -- Policy shows users the folder backup (KFM) wizard.
        KFMSilentOptInGPOEnabled: BOOLEAN -- Policy opts users in to folder backup (KFM) silently.
        KFMEnabledFolders: ARRAY<INT32> -- Folders backed up: 1 Documents, 2 Pictures, 3 Desktop (0 not set).
        KFMEnabledFolderCount: INT32 -- Number of folders backed up.
        LastSyncedTimestampUTC: TIMESTAMP -- When the client last reported being up to date (UTC).
        LastStatusReportedTimestampUTC: TIMESTAMP -- When the client last sent its report (UTC).
        TotalErrorCount: INT32 -- Total count of the errors the device is experiencing.
    """,
)

ONEDRIVE_SYNC_ERRORS_V0 = dataset(
    "BasicDataSet_v0.OneDriveSyncErrors_v0",
    category=Category.ONEDRIVE,
    description="""
        Errors of the tenant's OneDrive sync clients over the last 30 days, one row per device
        and kind of error, with the message the user saw and how often. A daily snapshot: no
        date filter, no delta. Tenant-wide. The doc's title says _v0; ADF's table list may call
        it OneDriveSyncErrors_v1, which names this same dataset.
    """,
    scope=ScopeKind.NONE,
    mode=Mode.SNAPSHOT,
    row_metadata=False,
    odata_type=REPORT_ODATA_TYPE,
    # Some of Microsoft's sample rows spell these two in lowerCamel.
    aliases={"taskDialogId1": "TaskDialogId1", "taskDialogId2": "TaskDialogId2"},
    source_doc="Datasets/data-connect-dataset-onedrivesyncerrors.md",
    columns=f"""
        {REPORT_COLUMNS}
        SyncErrorId: INT32 -- Id of a sync error (a red X on the tray icon); 34 if not one.
        TaskDialogId1: INT32 -- Id of an error shown in a type 1 task dialog; 0 if not one.
        TaskDialogId2: INT32 -- Id of an error shown in a type 2 task dialog; 256 if not one.
        ErrorTitle: STRING -- Error title shown to the user (localized).
        ErrorDescription: STRING -- Error description shown to the user (localized).
        ErrorCount: INT32 -- How many errors of this kind the device reported.
    """,
)

DATASETS = (ONEDRIVE_SYNC_HEALTH_V1, ONEDRIVE_SYNC_ERRORS_V0)
