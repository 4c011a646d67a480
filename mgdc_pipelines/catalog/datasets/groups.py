"""Group datasets: GroupDetails_v0 and GroupMembers_v0 (group-scoped: rows carry `pObjectId`)."""

from mgdc_pipelines.catalog.model import Category, Mode, ScopeKind, dataset

GROUP_DETAILS_V0 = dataset(
    "BasicDataSet_v0.GroupDetails_v0",
    category=Category.GROUPS,
    description="""
        Azure AD groups in scope (Microsoft 365, distribution, security and mail-enabled
        security groups), one row per group; `pObjectId` is the group's id. A snapshot: no date
        filter.
    """,
    scope=ScopeKind.GROUP,
    mode=Mode.SNAPSHOT,
    odata_type="#microsoft.graph.group",
    source_doc="Datasets/data-connect-dataset-groupdetails.md",
    columns="""
        id: STRING
        deletedDateTime: TIMESTAMP
        classification: STRING
        createdDateTime: TIMESTAMP
        description: STRING
        displayName: STRING
        expirationDateTime: TIMESTAMP
        groupTypes: ARRAY<STRING>
        isAssignableToRole: BOOLEAN
        mail: STRING
        mailEnabled: BOOLEAN
        mailNickname: STRING
        membershipRule: STRING
        membershipRuleProcessingState: STRING
        onPremisesDomainName: STRING
        onPremisesLastSyncDateTime: TIMESTAMP
        onPremisesSyncEnabled: BOOLEAN
        preferredDataLocation: STRING
        preferredLanguage: STRING
        proxyAddresses: ARRAY<STRING>
        renewedDateTime: TIMESTAMP
        resourceProvisioningOptions: ARRAY<STRING>
        securityEnabled: BOOLEAN
        securityIdentifier: STRING
        theme: STRING
        visibility: STRING
        ODataType: STRING
    """,
)

GROUP_MEMBERS_V0 = dataset(
    "BasicDataSet_v0.GroupMembers_v0",
    category=Category.GROUPS,
    description="""
        Members of the groups in scope, one row per (group, member) pair: the columns describe
        the member and `pObjectId` is the group. A snapshot: no date filter.
    """,
    scope=ScopeKind.GROUP,
    mode=Mode.SNAPSHOT,
    odata_type="#microsoft.graph.user",
    # The doc says `pObjectId`, but real deliveries name the group column `puser`.
    aliases={"puser": "pObjectId"},
    source_doc="Datasets/data-connect-dataset-groupmembers.md",
    columns="""
        id: STRING
        userPrincipalName: STRING
        displayName: STRING
        ODataType: STRING
    """,
)

DATASETS = (GROUP_DETAILS_V0, GROUP_MEMBERS_V0)
