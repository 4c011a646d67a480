"""Directory (Azure AD) datasets: User_v1, Manager_v0 and DirectReport_v0.

All three describe AAD users with the same core fields, and all three docs list their columns
alphabetically. The docs disagree on two types: Manager_v0 and DirectReport_v0 type
``createdDateTime`` and ``onPremisesLastSyncDateTime`` as datetime, User_v1 as string, so the
shared block takes the type of those two as a parameter.
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
        accountEnabled: BOOLEAN
        ageGroup: STRING
        assignedLicenses: {ASSIGNED_LICENSES}
        assignedPlans: {ASSIGNED_PLANS}
        businessPhones: ARRAY<STRING>
        city: STRING
        companyName: STRING
        consentProvidedForMinor: STRING
        country: STRING
        createdDateTime: {datetime_type}
        department: STRING
        displayName: STRING
        givenName: STRING
        id: STRING
        imAddresses: ARRAY<STRING>
        jobTitle: STRING
        legalAgeGroupClassification: STRING
        mail: STRING
        mailNickname: STRING
        mobilePhone: STRING
        officeLocation: STRING
        onPremisesImmutableId: STRING
        onPremisesLastSyncDateTime: {datetime_type}
        onPremisesSecurityIdentifier: STRING
        onPremisesSyncEnabled: BOOLEAN
        passwordPolicies: STRING
        postalCode: STRING
        preferredLanguage: STRING
        provisionedPlans: {PROVISIONED_PLANS}
        proxyAddresses: ARRAY<STRING>
        state: STRING
        streetAddress: STRING
        surname: STRING
        usageLocation: STRING
        userPrincipalName: STRING
        userType: STRING
    """


# Profile fields only User_v1 has. birthday and hireDate hold dates but are documented as strings.
USER_PROFILE_COLUMNS = """
    aboutMe: STRING
    birthday: STRING
    hireDate: STRING
    interests: ARRAY<STRING>
    mySite: STRING
    pastProjects: ARRAY<STRING>
    preferredName: STRING
    responsibilities: ARRAY<STRING>
    schools: ARRAY<STRING>
    skills: ARRAY<STRING>
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

DATASETS = (USER_V1, MANAGER_V0, DIRECT_REPORT_V0)
