"""Device datasets: OwnedDevices_v0 and RegisteredDevices_v0 (user-scoped snapshots).

Both list Azure AD device objects with the same columns: the devices a user owns, and the
devices a user registered (owned ones and personal, bring-your-own ones). RegisteredDevices_v0
reuses OwnedDevices_v0's columns so the two cannot drift apart.
"""

from mgdc_pipelines.catalog.datasets._shapes import columns_of
from mgdc_pipelines.catalog.model import Category, Mode, ScopeKind, dataset

# Microsoft Graph v1.0 `onPremisesExtensionAttributes`: extensionAttribute1 .. 15.
EXTENSION_ATTRIBUTES = (
    "STRUCT<" + ", ".join(f"extensionAttribute{n}: STRING" for n in range(1, 16)) + ">"
)

OWNED_DEVICES_V0 = dataset(
    "BasicDataSet_v0.OwnedDevices_v0",
    category=Category.DEVICES,
    description="""
        The devices each user in scope owns (Azure AD device objects: laptops, phones,
        tablets), one row per (user, device). A snapshot of the current directory: no date
        filter.
    """,
    scope=ScopeKind.USER,
    mode=Mode.SNAPSHOT,
    odata_type="#microsoft.graph.device",
    source_doc="Datasets/data-connect-dataset-owneddevices.md",
    columns=f"""
        accountEnabled: BOOLEAN -- True if the device account is enabled; otherwise, false.
        approximateLastSignInDateTime: TIMESTAMP -- When the device last signed in (UTC, approximate).
        deviceCategory: STRING -- A user-defined Intune category used to group devices.
        deviceId: STRING -- The id the Azure Device Registration Service set at registration.
        deviceOwnership: STRING -- Ownership set by Intune: unknown, Company or Personal.
        displayName: STRING -- The display name of the device.
        domainName: STRING -- The on-premises domain of a hybrid Azure AD joined device.
        enrollmentProfileName: STRING -- The enrollment profile applied (e.g. an Autopilot profile).
        enrollmentType: STRING -- How Intune enrolled the device, e.g. UserEnrollment, AzureDomainJoined.
        extensionAttributes: {EXTENSION_ATTRIBUTES} -- Extension attributes 1-15 of the device.
        id: STRING -- The unique identifier (object id) of the device.
        isCompliant: BOOLEAN -- True if the device complies with MDM policies.
        isManaged: BOOLEAN -- True if the device is managed by an MDM app such as Intune.
        isRooted: BOOLEAN -- True if the device is rooted or jail-broken.
        managementType: STRING -- The management channel set by Intune, e.g. MDM, EAS.
        manufacturer: STRING -- The manufacturer of the device.
        mdmAppId: STRING -- The application id used to register the device into MDM.
        model: STRING -- The model of the device.
        onPremisesLastSyncDateTime: TIMESTAMP -- When the device was last synced from on-premises AD.
        onPremisesSyncEnabled: BOOLEAN -- True if synced from on-premises AD; false if no longer; null if never.
        operatingSystem: STRING -- The operating system, e.g. Windows, iOS, AndroidForWork.
        operatingSystemVersion: STRING -- The version of the operating system.
        profileType: STRING -- The profile type: RegisteredDevice, SecureVM, Printer, Shared, IoT.
        registrationDateTime: TIMESTAMP -- When the device was registered.
        systemLabels: ARRAY<STRING> -- Labels the system applied to the device.
        trustType: STRING -- How the device joined: Workplace (personal), AzureAd or ServerAd.
    """,
)

REGISTERED_DEVICES_V0 = dataset(
    "BasicDataSet_v0.RegisteredDevices_v0",
    category=Category.DEVICES,
    description="""
        The devices each user in scope registered, one row per (user, device): the devices
        they own plus personal (bring-your-own) ones. A snapshot: no date filter.
    """,
    scope=ScopeKind.USER,
    mode=Mode.SNAPSHOT,
    odata_type="#microsoft.graph.device",
    source_doc="Datasets/data-connect-dataset-registereddevices.md",
    columns=columns_of(OWNED_DEVICES_V0, OWNED_DEVICES_V0.column_names),
)

DATASETS = (OWNED_DEVICES_V0, REGISTERED_DEVICES_V0)
