"""Directory datasets: User_v1, Manager_v0, DirectReport_v0, User_v0 and LicenseDetails_v0.

User_v1, Manager_v0 and DirectReport_v0 describe AAD users with the same core fields, and all
three docs list their columns
alphabetically. The docs disagree on two types: Manager_v0 and DirectReport_v0 type
``createdDateTime`` and ``onPremisesLastSyncDateTime`` as datetime, User_v1 as string, so the
shared block takes the type of those two as a parameter. Its descriptions are User_v1's: in
Manager_v0 "the user" is the manager, in DirectReport_v0 the report.

User_v0 is the Exchange address-book view of the same people (``PrimarySmtpAddress``,
``FirstName``, ...), so it shares no column with User_v1. LicenseDetails_v0 details the licences
User_v1 lists in ``assignedLicenses``.
"""

from mgdc_pipelines.catalog.datasets._shapes import (
    ASSIGNED_LICENSES,
    ASSIGNED_PLANS,
    PROVISIONED_PLANS,
)
from mgdc_pipelines.catalog.model import Category, Mode, ScopeKind, dataset


def directory_user_columns(datetime_type: str) -> str:
    """The AAD user fields shared by User_v1, Manager_v0 and DirectReport_v0, alphabetically."""
    return f"""
        accountEnabled: BOOLEAN -- True if the account is enabled; otherwise, false.
        ageGroup: STRING -- The user's age group: null, minor, notAdult or adult.
        assignedLicenses: {ASSIGNED_LICENSES} -- The licenses that are assigned to the user.
        assignedPlans: {ASSIGNED_PLANS} -- The plans that are assigned to the user.
        businessPhones: ARRAY<STRING> -- The user's business phone numbers (at most one is set).
        city: STRING -- The city where the user's office is located.
        companyName: STRING -- The company name for where the user works.
        consentProvidedForMinor: STRING -- Whether consent was obtained for a minor: granted, denied, ...
        country: STRING -- The country or region of the user's office, e.g. US.
        createdDateTime: {datetime_type} -- The created date of the user object.
        department: STRING -- The name for the department where the user works.
        displayName: STRING -- The user's name as the address book shows it.
        givenName: STRING -- The given name (first name) of the user.
        id: STRING -- The unique identifier of the user.
        imAddresses: ARRAY<STRING> -- The user's instant-messaging (VOIP SIP) addresses.
        jobTitle: STRING -- The user's job title.
        legalAgeGroupClassification: STRING -- The legal age group, from ageGroup and consentProvidedForMinor.
        mail: STRING -- The SMTP address for the user.
        mailNickname: STRING -- The mail alias for the user.
        mobilePhone: STRING -- The primary cellular telephone number for the user.
        officeLocation: STRING -- The office location in the user's place of business.
        onPremisesImmutableId: STRING -- Links an on-premises AD account to its Azure AD user.
        onPremisesLastSyncDateTime: {datetime_type} -- When the user was last synced from on-premises AD (UTC).
        onPremisesSecurityIdentifier: STRING -- The on-premises security identifier (SID) of the user.
        onPremisesSyncEnabled: BOOLEAN -- True if synced from on-premises AD; false if no longer; null if never.
        passwordPolicies: STRING -- Password policies: DisableStrongPassword, DisablePasswordExpiration.
        postalCode: STRING -- The postal code of the user's address.
        preferredLanguage: STRING -- The user's preferred language (ISO 639-1), e.g. en-US.
        provisionedPlans: {PROVISIONED_PLANS} -- The service plans provisioned for the user.
        proxyAddresses: ARRAY<STRING> -- The user's proxy (email) addresses.
        state: STRING -- The state or province for the user's address.
        streetAddress: STRING -- The street address for the user's place of business.
        surname: STRING -- The user's surname (family name or last name).
        usageLocation: STRING -- Two-letter country code (ISO 3166) where the user uses services.
        userPrincipalName: STRING -- The user's sign-in name (UPN), like alias@domain.
        userType: STRING -- Member or Guest.
    """


# Profile fields only User_v1 has. birthday and hireDate hold dates but are documented as strings.
USER_PROFILE_COLUMNS = """
    aboutMe: STRING -- A freeform text entry field for the user to describe themselves.
    birthday: STRING -- The user's birthday (ISO 8601 text).
    hireDate: STRING -- The user's hire date (ISO 8601 text).
    interests: ARRAY<STRING> -- A list of interests for the user.
    mySite: STRING -- The URL for the user's personal site.
    pastProjects: ARRAY<STRING> -- A list for the user to enumerate their past projects.
    preferredName: STRING -- The preferred name of the user.
    responsibilities: ARRAY<STRING> -- A list for the user to enumerate their responsibilities.
    schools: ARRAY<STRING> -- A list for the user to enumerate the schools they've attended.
    skills: ARRAY<STRING> -- A list for the user to enumerate their skills.
"""


def alphabetical(*blocks: str) -> str:
    """Merge column blocks into one, ordered by column name as the directory docs list them."""
    lines = [line.strip() for block in blocks for line in block.splitlines() if line.strip()]
    return "\n".join(sorted(lines, key=lambda line: line.partition(":")[0]))


USER_V1 = dataset(
    "BasicDataSet_v0.User_v1",
    category=Category.DIRECTORY,
    description="""
        Azure AD profiles of the users in scope, one row per user (`puser` is the user the row
        describes). A snapshot of the current directory: no date filter.
    """,
    scope=ScopeKind.USER,
    mode=Mode.SNAPSHOT,
    odata_type="#microsoft.graph.user",
    source_doc="Datasets/data-connect-dataset-user1.md",
    columns=alphabetical(directory_user_columns("STRING"), USER_PROFILE_COLUMNS),
)

MANAGER_V0 = dataset(
    "BasicDataSet_v0.Manager_v0",
    category=Category.DIRECTORY,
    description="""
        The manager of each user in scope, one row per user that has one: the columns describe
        the manager, and `puser` is the subordinate whose manager the row describes. A snapshot:
        no date filter.
    """,
    scope=ScopeKind.USER,
    mode=Mode.SNAPSHOT,
    odata_type="#microsoft.graph.user",
    source_doc="Datasets/data-connect-dataset-manager.md",
    columns=directory_user_columns("TIMESTAMP"),
)

DIRECT_REPORT_V0 = dataset(
    "BasicDataSet_v0.DirectReport_v0",
    category=Category.DIRECTORY,
    description="""
        The direct reports of each user in scope, one row per (manager, report) pair: the
        columns describe the report, and `puser` is the manager. A snapshot: no date filter.
    """,
    scope=ScopeKind.USER,
    mode=Mode.SNAPSHOT,
    odata_type="#microsoft.graph.user",
    source_doc="Datasets/data-connect-dataset-directreport.md",
    columns=directory_user_columns("TIMESTAMP"),
)

USER_V0 = dataset(
    "BasicDataSet_v0.User_v0",
    category=Category.DIRECTORY,
    description="""
        Exchange address-book entries of the users in scope (the same people as User_v1), one
        row per user. A snapshot of the current directory: no date filter.
    """,
    scope=ScopeKind.USER,
    mode=Mode.SNAPSHOT,
    source_doc="Datasets/data-connect-dataset-user.md",
    # The doc types OtherFax, OtherHomePhone, OtherTelephone and PostOfficeBox as strings, but
    # they are Exchange multi-valued properties and every row of the real sample
    # (sampledatasets/BasicDataSet_v0.User_v0.json) holds them as arrays (`[]`): an array of
    # strings reads those rows without loss.
    columns="""
        ExternalEmailAddress: STRING -- The user's external email address.
        Languages: ARRAY<STRING> -- The languages the user understands, e.g. en-US.
        Name: STRING -- The user's name (Exchange alias).
        EmailAddresses: ARRAY<STRING> -- The user's addresses with their type prefix (SMTP:, smtp:, SIP:, SPO:).
        PrimarySmtpAddress: STRING -- The user's primary email address.
        DisplayName: STRING -- The user's name, as it is displayed.
        City: STRING -- The city where the user works.
        Company: STRING -- The company where the user works.
        Department: STRING -- The department where the user works.
        Fax: STRING -- The user's fax number.
        FirstName: STRING -- The user's first name.
        HomePhone: STRING -- The user's home phone number.
        Initials: STRING -- The user's initials.
        LastName: STRING -- The user's last name.
        MobilePhone: STRING -- The user's mobile phone number.
        Notes: STRING -- Notes about the user.
        Office: STRING -- The office where the user works.
        OtherFax: ARRAY<STRING> -- The user's other fax numbers.
        OtherHomePhone: ARRAY<STRING> -- The user's other home phone numbers.
        OtherTelephone: ARRAY<STRING> -- The user's other phone numbers.
        Pager: STRING -- The user's pager number.
        Phone: STRING -- The user's phone number.
        PostalCode: STRING -- The user's postal code.
        PostOfficeBox: ARRAY<STRING> -- The user's post office boxes.
        SimpleDisplayName: STRING -- The user's simplified (ASCII) name, as it is displayed.
        StateOrProvince: STRING -- The state or province where the user works.
        StreetAddress: STRING -- The street address where the user works.
        Title: STRING -- The user's professional title.
        UserPrincipalName: STRING -- The user's principal name (sign-in name).
    """,
)

# Microsoft Graph v1.0 `servicePlanInfo`, as the doc's FORMAT gives it.
SERVICE_PLAN_INFOS = (
    "ARRAY<STRUCT<servicePlanId: STRING, servicePlanName: STRING, provisioningStatus: STRING, "
    "appliesTo: STRING>>"
)

LICENSE_DETAILS_V0 = dataset(
    "BasicDataSet_v0.LicenseDetails_v0",
    category=Category.DIRECTORY,
    description="""
        The licences assigned to the users in scope, one row per (user, licence) with the
        service plans the licence includes and their provisioning status; the skuIds are those
        of User_v1's `assignedLicenses`. A snapshot: no date filter.
    """,
    scope=ScopeKind.USER,
    mode=Mode.SNAPSHOT,
    odata_type="#microsoft.graph.licenseDetails",
    source_doc="Datasets/data-connect-dataset-licensedetails.md",
    columns=f"""
        id: STRING -- The unique identifier of the licence details object.
        skuId: STRING -- The GUID of the service SKU (the subscribedSku's skuId).
        skuPartNumber: STRING -- The SKU's unique display name, e.g. SPE_E5.
        servicePlans: {SERVICE_PLAN_INFOS} -- The service plans of the licence: id, name, provisioning status, user or company.
    """,
)

DATASETS = (USER_V1, MANAGER_V0, DIRECT_REPORT_V0, USER_V0, LICENSE_DETAILS_V0)
